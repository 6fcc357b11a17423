/*
 * A measurement prototype, not shipped: a one-hop TCP relay (listen on 127.0.0.1:LISTEN, connect
 * to 127.0.0.1:TARGET, copy both ways, half-close), either with splice(2) through a pipe per
 * direction or with read/write through a 128 KiB buffer, so that PublishBenchmark can show
 * whether splice pays for the relay's copies. One connection at a time, two threads per
 * connection (one per direction); the benchmark's clients are sequential.
 *   cc -O2 -pthread -o relay relay.c && ./relay splice|copy LISTEN TARGET
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int use_splice;

struct dir { int from, to; };

static void *pump(void *arg) {
    struct dir *d = arg;
    if (use_splice) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) { perror("pipe2"); exit(1); }
        fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
        for (;;) {
            ssize_t n = splice(d->from, NULL, p[1], NULL, 1 << 20, SPLICE_F_MOVE);
            if (n <= 0) break;
            while (n > 0) {
                ssize_t w = splice(p[0], NULL, d->to, NULL, n, SPLICE_F_MOVE);
                if (w <= 0) goto out;
                n -= w;
            }
        }
    out:
        close(p[0]); close(p[1]);
    } else {
        static __thread char buf[128 * 1024];
        for (;;) {
            ssize_t n = read(d->from, buf, sizeof buf);
            if (n <= 0) break;
            for (ssize_t off = 0; off < n; ) {
                ssize_t w = write(d->to, buf + off, n - off);
                if (w <= 0) goto done;
                off += w;
            }
        }
    done:;
    }
    shutdown(d->to, SHUT_WR);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: relay splice|copy LISTEN TARGET\n"); return 2; }
    use_splice = strcmp(argv[1], "splice") == 0;
    struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[3])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int one = 1, l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l, (struct sockaddr *) &at, sizeof at) < 0 || listen(l, 64) < 0) { perror("listen"); return 1; }
    for (;;) {
        int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) continue;
        int u = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(u, (struct sockaddr *) &to, sizeof to) < 0) { close(c); close(u); continue; }
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct dir a = { c, u }, b = { u, c };
        pthread_t t;
        pthread_create(&t, NULL, pump, &a);
        pump(&b);
        pthread_join(t, NULL);
        close(c); close(u);
    }
}
