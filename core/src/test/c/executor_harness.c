/*
 * Runs Gatun's executor outside the JVM, so that the executor of an architecture this machine
 * cannot run natively (aarch64 on the x86-64 CI host) executes under qemu-user.
 * ExecutorRunTest compiles this file for each architecture (gcc -static) and runs it on a file
 * that Java wrote (ExecutorImage): a program laid out by the real ProgramImage, a ctx, the
 * executor's machine code, and the relocations that make the image position-independent.
 *
 *   executor_harness IMAGE
 *
 * File layout, little-endian (both architectures are):
 *   +0  char[8] "GATUNEXE"   +8  u64 image size   +16 u64 ctx offset in the image
 *   +24 u64 relocation count +32 u64 code size    +40 image, relocations (u64 offsets), code
 * Each relocation names a u64 in the image that holds an offset from the image's start; the
 * harness adds the address it mapped the image at.
 *
 * It calls gatun_spawn(ctx) exactly as Executor does, with an O_CLOEXEC error pipe as the ctx's
 * error fd, and prints, one fact a line, what the caller can observe:
 *   clone pid | clone -ERRNO          the executor's return value (a pid, or -errno of the clone)
 *   pipe record I E R | pipe record none   the child's failure record on the error pipe (EOF: none)
 *   ctx record I E R                  the ctx's OUT fields afterwards (I = -1: none written here;
 *                                     only a child that shares memory writes them)
 *   exit N | signal N                 how the child ended
 *
 *   executor_harness --reap COMMAND...
 *
 * Runs COMMAND (the harness itself, or qemu running it) as a child subreaper, natively (qemu-user
 * refuses PR_SET_CHILD_SUBREAPER): a fork step's caller exits and leaves its new task behind, and
 * that task is reaped here, not by whatever init the host has. Prints after COMMAND's own lines:
 *   descendant exit N | descendant signal N   for each task COMMAND left
 * Exit status: 0 when it could run the executor at all, 2 on a harness error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct header {
    char magic[8];
    uint64_t image_size, ctx_offset, reloc_count, code_size;
};

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void *map(size_t size) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("mmap");
    return p;
}

static int reap(char **command) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die("prctl(PR_SET_CHILD_SUBREAPER)");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        execvp(command[0], command);
        die(command[0]);
    }
    int status, code;
    if (waitpid(pid, &status, 0) < 0) die("waitpid");
    code = WIFEXITED(status) ? WEXITSTATUS(status) : 2;
    while (waitpid(-1, &status, __WALL) > 0) {
        if (WIFEXITED(status)) printf("descendant exit %d\n", WEXITSTATUS(status));
        else printf("descendant signal %d\n", WTERMSIG(status));
    }
    return code;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "--reap") == 0) return reap(argv + 2);
    if (argc != 2) {
        fprintf(stderr, "usage: %s IMAGE | %s --reap COMMAND...\n", argv[0], argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) die(argv[1]);
    char *file = map(st.st_size);
    for (off_t done = 0; done < st.st_size;) {
        ssize_t n = read(fd, file + done, st.st_size - done);
        if (n <= 0) die("read");
        done += n;
    }
    close(fd);

    struct header h;
    memcpy(&h, file, sizeof h);
    if (memcmp(h.magic, "GATUNEXE", 8) != 0 || h.ctx_offset + 112 > h.image_size
        || sizeof h + h.image_size + 8 * h.reloc_count + h.code_size != (uint64_t) st.st_size) {
        fprintf(stderr, "%s: not an executor image\n", argv[1]);
        return 2;
    }
    char *image = map(h.image_size);
    memcpy(image, file + sizeof h, h.image_size);
    const char *relocs = file + sizeof h + h.image_size;
    for (uint64_t i = 0; i < h.reloc_count; i++) {
        uint64_t at, value;
        memcpy(&at, relocs + 8 * i, 8);
        if (at + 8 > h.image_size) {
            fprintf(stderr, "relocation %llu out of the image\n", (unsigned long long) i);
            return 2;
        }
        memcpy(&value, image + at, 8);
        value += (uint64_t) (uintptr_t) image;
        memcpy(image + at, &value, 8);
    }

    /* As Executor installs it: never writable and executable at once. On aarch64 the
       instruction cache must be made coherent with what was just written. */
    char *code = map(h.code_size);
    memcpy(code, relocs + 8 * h.reloc_count, h.code_size);
    if (mprotect(code, h.code_size, PROT_READ | PROT_EXEC) < 0) die("mprotect");
    __builtin___clear_cache(code, code + h.code_size);

    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) < 0) die("pipe2");
    char *ctx = image + h.ctx_offset;
    int64_t errfd = errpipe[1];
    memcpy(ctx + 72, &errfd, 8);

    fflush(NULL); /* a child without CLONE_VM has a copy of stdio's buffers, never flushed */
    long (*spawn)(void *) = (long (*)(void *)) (uintptr_t) code;
    long result = spawn(ctx);
    close(errpipe[1]);

    if (result > 0) printf("clone pid\n");
    else printf("clone %ld\n", result);

    unsigned char record[16];
    ssize_t n = read(errpipe[0], record, sizeof record);
    if (n == 16) {
        uint32_t index, err;
        int64_t raw;
        memcpy(&index, record, 4);
        memcpy(&err, record + 4, 4);
        memcpy(&raw, record + 8, 8);
        printf("pipe record %d %u %lld\n", (int32_t) index, err, (long long) raw);
    } else if (n == 0) {
        printf("pipe record none\n");
    } else {
        printf("pipe record short %zd\n", n);
    }
    if (result > 0) {
        int status;
        if (waitpid((pid_t) result, &status, __WALL) < 0) die("waitpid");
        if (WIFEXITED(status)) printf("exit %d\n", WEXITSTATUS(status));
        else printf("signal %d\n", WTERMSIG(status));
    }
    {
        int32_t index;
        uint32_t err;
        int64_t raw;
        memcpy(&index, ctx + 88, 4);
        memcpy(&err, ctx + 92, 4);
        memcpy(&raw, ctx + 96, 8);
        printf("ctx record %d %u %lld\n", index, err, (long long) raw);
    }
    return 0;
}
