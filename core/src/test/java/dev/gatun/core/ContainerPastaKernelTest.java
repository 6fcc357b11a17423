package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.net.Pasta;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The network mode pasta as root: the container gets an interface with the host's address and a
 * default route, reaches the host's own loopback services through the gateway's address (traffic
 * to loopback only), resolves through pasta's DNS forward, and publishes ports that pasta carries;
 * close leaves no pasta, mount or fd. The unprivileged JVM's pasta is in
 * {@link RootlessContainerKernelTest}. Not in the VM lane: its guest has no network interface for
 * pasta to copy.
 */
@KernelTest
class ContainerPastaKernelTest {

    private HostSnapshot before;

    @BeforeAll
    static void pastaCanRun() throws Exception {
        Kernel.require(Pasta.unavailabilityCause() == null, String.valueOf(Pasta.unavailabilityCause()));
        Kernel.require(hostHasADefaultRoute(), "a default route on the host (pasta copies the host's network)");
        Ran.warmUp();
        // what lives as long as the JVM once sockets did I/O, made before any snapshot
        try (HostServer server = new HostServer()) {
            assertThat(get(server.port())).contains("hello from the host");
        }
    }

    static boolean hostHasADefaultRoute() {
        try {
            return Files.readAllLines(Path.of("/proc/net/route")).stream().skip(1)
                    .anyMatch(l -> l.trim().split("\\s+")[1].equals("00000000"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @BeforeEach
    void snapshot() {
        before = HostSnapshot.take();
    }

    @AfterEach
    void nothingLeftBehind() {
        HostSnapshot.take().assertNoLeaksSince(before);
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    /** An HTTP server on the host's 127.0.0.1 answering "hello from the host", until closed. */
    static final class HostServer implements AutoCloseable {
        final java.net.ServerSocket socket;

        HostServer() throws java.io.IOException {
            socket = new java.net.ServerSocket();
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            // a platform thread: a virtual one's blocking accept would make the JVM's pollers (eventpoll
            // fds for its life) as fd numbers lead it to them, which leak checks would see
            Thread.ofPlatform().daemon().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                        for (String l; (l = in.readLine()) != null && !l.isEmpty(); ) {
                            // the request's head
                        }
                        s.getOutputStream().write(("HTTP/1.0 200 OK\r\nContent-Length: 20\r\n\r\nhello from the host\n")
                                .getBytes(StandardCharsets.US_ASCII));
                    } catch (java.io.IOException e) {
                        // closed, or a client that went away
                    }
                }
            });
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }

    /** The script that shows the container's network and fetches the host server's page through the gateway. */
    static String outboundScript(int port) {
        return "busybox ip -4 -o addr show | busybox awk '{print $2}'; busybox ip route | grep -c '^default'; "
                + "gw=$(busybox ip route | busybox awk '/^default/ {print $3}'); cat /etc/resolv.conf; "
                + "busybox wget -q -O- http://$gw:" + port + "/; echo wget=$?";
    }

    @Test
    void theContainerReachesTheHostsLoopbackServiceThroughTheGatewayAndResolvesThroughPasta() throws Exception {
        Kernel.require(Files.isExecutable(Path.of("/bin/busybox")), "a static busybox (busybox-static)");
        try (HostServer http = new HostServer()) {
            Ran r = Ran.of(Container.builder().id(Leftovers.id("pasta-out")).network(NetworkMode.pasta())
                    .command("/bin/sh", "-c", outboundScript(http.port())));
            assertThat(r.out()).as(r.out()).contains("lo\n", "hello from the host\n", "wget=0")
                    .contains("nameserver " + Pasta.DNS_FORWARD + "\n");
            // an interface besides lo, and the host's default route copied
            assertThat(r.out().lines().filter(l -> !l.equals("lo")).findFirst().orElseThrow()).isNotBlank();
            assertThat(r.out()).contains("\n1\n");
        }
    }

    @Test
    void aPublishedPortIsCarriedByPastaAndGoesWithTheContainer() throws Exception {
        Kernel.require(Files.isExecutable(Path.of("/bin/busybox")), "a static busybox (busybox-static)");
        String id = Leftovers.id("pasta-publish");
        // two ports: each is a pasta option of its own (one spec's address binds all its ports)
        try (Container c = Container.builder().id(id).network(NetworkMode.pasta()).publish(0, 80).publish(0, 81)
                .stopTimeout(Duration.ZERO)
                .command("/bin/sh", "-c", "echo pasta-page > /tmp/index.html; busybox httpd -p 81 -h /tmp; "
                        + "exec busybox httpd -f -p 80 -h /tmp")
                .build()) {
            c.run();
            int port = c.mappedPort(80);
            assertThat(port).isPositive();
            assertThat(get(port)).contains("200 OK").contains("pasta-page");
            assertThat(get(c.mappedPort(81))).contains("200 OK").contains("pasta-page");
            assertThat(c.ports()).hasSize(2).extracting(PortMapping::hostPort).contains(port, c.mappedPort(81));
        }
        // the port is free again: pasta went with the container
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }
    }

    /** GET / on the host's 127.0.0.1:{@code port}, retried while the server starts. */
    static String get(int port) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!all.isEmpty() || attempt > 100) {
                    return all;
                }
            } catch (java.io.IOException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
            Thread.sleep(50);
        }
    }
}
