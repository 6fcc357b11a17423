package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Published ports ({@link ContainerBuilder#publish(int, int)}): real connections from the host's
 * loopback through the JVM's forwarder to servers inside the container's own network namespace,
 * the bytes checked, and nothing left once the container is gone.
 */
@KernelTest
@Timeout(120)
class ContainerPublishKernelTest {

    private static final Duration QUICK_STOP = Duration.ofMillis(200);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Kernel.require(Files.isExecutable(Path.of("/bin/busybox")), "needs a static /bin/busybox (Debian package busybox-static)");
        Ran.warmUp();
        // the JDK's networking and virtual-thread machinery open long-lived fds on first use
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK); DatagramSocket d = new DatagramSocket(0, LOOPBACK)) {
            Thread.ofVirtual().start(() -> { }).join();
        }
    }

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(n -> n.startsWith("gatun-netns-") || n.startsWith("gatun-publish"));
    }

    /** A container whose init runs {@code script} after writing /tmp/echo.sh (stdin to stdout) and /tmp/count.sh. */
    private static ContainerBuilder withServer(String id, String script) {
        return Container.builder().id(id).stopTimeout(QUICK_STOP).command("/bin/sh", "-c",
                "printf '#!/bin/sh\\nexec /bin/cat\\n' > /tmp/echo.sh; "
                        + "printf '#!/bin/sh\\nn=$(/usr/bin/wc -c); echo \"got $n bytes\"\\n' > /tmp/count.sh; "
                        + "chmod +x /tmp/echo.sh /tmp/count.sh; " + script);
    }

    @Test
    void aConnectionToThePublishedHostPortReachesTheServerInsideAndCarriesOneMebibyteBothWays() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("publish");
        int hostPort = freePort();
        try (Container c = withServer(id, "exec /bin/busybox nc -ll -p 80 -e /tmp/echo.sh").publish(hostPort, 80).build()) {
            c.run();
            assertThat(c.mappedPort(80)).isEqualTo(hostPort);
            assertThat(c.ports()).containsExactly(new PortMapping("127.0.0.1", hostPort, 80, PortMapping.Protocol.TCP));
            byte[] sent = new byte[1 << 20];
            new Random(14).nextBytes(sent);
            for (int round = 0; round < 3; round++) { // one server, several connections
                assertThat(echo(hostPort, sent)).as("round " + round).isEqualTo(sent);
            }
        }
        Leftovers.assertNoneOf(id);
        assertThat(connectFails(hostPort)).as("the host port is closed with the container").isTrue();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void closingTheContainerEndsAnOpenConnectionAndLeavesNoThreadOrFd() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("closeopen");
        Socket open;
        try (Container c = withServer(id, "exec /bin/busybox nc -ll -p 80 -e /tmp/echo.sh").publish(0, 80).build()) {
            c.run();
            open = new Socket(LOOPBACK, c.mappedPort(80));
            open.setSoTimeout(30_000);
            open.getOutputStream().write('x');
            assertThat(open.getInputStream().read()).isEqualTo('x');
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .anyMatch(n -> n.startsWith("gatun-netns-/proc/"));
        }
        try (open) {
            int r;
            try {
                r = open.getInputStream().read();
            } catch (SocketException e) {
                r = -1; // a reset is an end too
            }
            assertThat(r).as("the client's connection ended with the container").isEqualTo(-1);
        }
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(n -> n.startsWith("gatun-netns-"));
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void halfCloseReachesTheServerWhichStillAnswersOnTheOtherDirection() throws Exception {
        String id = Leftovers.id("halfclose");
        try (Container c = withServer(id, "exec /bin/busybox nc -ll -p 80 -e /tmp/count.sh").publish(0, 80).build()) {
            c.run();
            try (Socket s = connectRetrying(c.mappedPort(80))) {
                s.getOutputStream().write(new byte[100_000]);
                s.shutdownOutput(); // the server's wc sees EOF only through the forwarder's half-close
                s.setSoTimeout(30_000);
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .isEqualTo("got 100000 bytes\n");
            }
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aServerThatDoesNotReadStopsTheClientsWritesThroughTheForwarder() throws Exception {
        String id = Leftovers.id("backpressure");
        try (Container c = withServer(id, "exec /bin/busybox nc -ll -p 80 -e /bin/sleep 60").publish(0, 80).build()) {
            c.run();
            try (Socket s = connectRetrying(c.mappedPort(80))) {
                java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
                Thread writer = Thread.ofPlatform().start(() -> {
                    byte[] chunk = new byte[64 * 1024];
                    try {
                        while (written.get() < (1L << 30)) {
                            s.getOutputStream().write(chunk);
                            written.addAndGet(chunk.length);
                        }
                    } catch (IOException e) {
                        // closed by the test
                    }
                });
                long last = -1;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (written.get() != last && System.nanoTime() < deadline) { // until a second without progress
                    last = written.get();
                    Thread.sleep(1000);
                }
                // the socket buffers of both connections and the relay's buffer, a few MiB; never the GiB
                assertThat(written.get()).as("bytes the client could write").isEqualTo(last).isLessThan(64L << 20);
                s.close();
                writer.join();
            }
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void hostPortZeroPicksAFreePortAndAClientConnectingBeforeStartIsServedOnceTheServerListens() throws Exception {
        String id = Leftovers.id("early");
        try (Container c = withServer(id, "sleep 1; exec /bin/busybox nc -ll -p 80 -e /tmp/echo.sh")
                .publish("127.0.0.1::80").build()) {
            assertThatThrownBy(() -> c.mappedPort(80)).isInstanceOf(ContainerStateException.class);
            c.create();
            int port = c.mappedPort(80);
            assertThat(port).isPositive();
            assertThatThrownBy(() -> c.mappedPort(81)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("container port 81/tcp is not published");
            // connected while the container is only created: the forwarder retries inside until the server listens
            CompletableFuture<byte[]> early = CompletableFuture.supplyAsync(() -> {
                try {
                    return echo(port, "early bird".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(300);
            c.start();
            assertThat(new String(early.get(30, TimeUnit.SECONDS), StandardCharsets.US_ASCII)).isEqualTo("early bird");
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aPortNothingListensOnResetsTheClientAfterTheRetryWindow() throws Exception {
        String id = Leftovers.id("refused");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP).command("/bin/sleep", "60")
                .publish(0, 80).build()) {
            c.run();
            try (Socket s = new Socket(LOOPBACK, c.mappedPort(80))) {
                s.setSoTimeout(30_000);
                long start = System.nanoTime();
                assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketException.class)
                        .hasMessageContaining("reset");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(4));
            }
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aClientOfAStoppedContainerIsResetAtOnce() throws Exception {
        String id = Leftovers.id("stopped");
        try (Container c = Container.builder().id(id).command("/bin/true").publish(0, 80).build()) {
            c.run().waitFor();
            try (Socket s = new Socket(LOOPBACK, c.mappedPort(80))) {
                s.setSoTimeout(30_000);
                long start = System.nanoTime();
                assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketException.class)
                        .hasMessageContaining("reset");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            }
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void theConnectionBoundMakesTheNextClientWaitUntilOneEnds() throws Exception {
        String id = Leftovers.id("bound");
        try (Container c = withServer(id, "exec /bin/busybox nc -ll -p 80 -e /tmp/echo.sh").publish(0, 80)
                .maxPublishedConnections(1).build()) {
            c.run();
            int port = c.mappedPort(80);
            try (Socket first = connectRetrying(port); Socket second = new Socket(LOOPBACK, port)) {
                first.setSoTimeout(30_000);
                first.getOutputStream().write('1');
                assertThat(first.getInputStream().read()).isEqualTo('1');
                second.getOutputStream().write('2');
                second.setSoTimeout(700);
                assertThatThrownBy(() -> second.getInputStream().read()).as("not carried while the first is open")
                        .isInstanceOf(SocketTimeoutException.class);
                first.close();
                second.setSoTimeout(30_000);
                assertThat(second.getInputStream().read()).isEqualTo('2');
            }
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void udpDatagramsReachTheServerAndItsRepliesComeBackAndAnIdleFlowIsClosed() throws Exception {
        Kernel.require(Files.isExecutable(Path.of("/usr/bin/socat")), "needs socat (Debian package socat)");
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("udp");
        try (Container c = Container.builder().id(id).stopTimeout(QUICK_STOP)
                .command("/usr/bin/socat", "-T", "2", "UDP4-RECVFROM:53,fork", "SYSTEM:read l; echo \"got $l\"")
                .publish("0:53/udp").udpIdleTimeout(Duration.ofMillis(500)).build();
             DatagramSocket client = new DatagramSocket(0, LOOPBACK)) {
            c.run();
            int port = c.mappedPort(53, PortMapping.Protocol.UDP);
            client.setSoTimeout(200);
            String reply = null;
            for (int attempt = 0; attempt < 100 && reply == null; attempt++) { // socat binds a moment after start
                client.send(new DatagramPacket("hello\n".getBytes(StandardCharsets.US_ASCII), 6, LOOPBACK, port));
                try {
                    DatagramPacket p = new DatagramPacket(new byte[100], 100);
                    client.receive(p);
                    reply = new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
                    assertThat(p.getPort()).as("replies come from the published port").isEqualTo(port);
                } catch (SocketTimeoutException e) {
                    // again
                }
            }
            assertThat(reply).isEqualTo("got hello\n");
            assertThat(udpFlowsInside(c)).as("one flow socket inside").isEqualTo(1);
            Thread.sleep(2500); // idle timeout 0.5 s, checked at least every 0.5 s
            assertThat(udpFlowsInside(c)).as("the idle flow is closed").isZero();
        }
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void anIpv6HostAddressListensThereAndReachesTheContainersIpv4Loopback() throws Exception {
        String id = Leftovers.id("ipv6");
        try (Container c = withServer(id, "exec /bin/busybox nc -ll -p 80 -e /tmp/echo.sh").publish("[::1]::80").build()) {
            c.run();
            assertThat(c.ports().getFirst().hostIp()).isEqualTo("::1");
            try (Socket s = new Socket(InetAddress.getByName("::1"), c.mappedPort(80))) {
                s.setSoTimeout(30_000);
                s.getOutputStream().write("six".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("six");
            }
        }
        Leftovers.assertNoneOf(id);
    }

    /**
     * The JUnit harness's hang: virtual threads that follow a container's output block in
     * {@code read(2)} through FFM and pin their carriers; with as many of them as the scheduler has
     * carriers, no virtual thread of the JVM ran, and a forwarder that accepted and connected on
     * virtual threads left every client waiting (an HttpClient GET never returned). The forwarder's
     * TCP path runs on platform threads of its own, so it serves all the same.
     */
    @Test
    @Timeout(60)
    void anHttpClientGetsAPageFromBusyboxHttpdWhileVirtualThreadsPinEveryCarrier() throws Exception {
        String id = Leftovers.id("pinned");
        int carriers = Integer.getInteger("jdk.virtualThreadScheduler.parallelism", Runtime.getRuntime().availableProcessors());
        List<Thread> followers = new java.util.ArrayList<>();
        try (Container c = withServer(id, "mkdir /tmp/www; echo published-page > /tmp/www/index.html; "
                + "exec /bin/busybox httpd -f -p 80 -h /tmp/www").publish(0, 80).build();
             java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                     .version(java.net.http.HttpClient.Version.HTTP_1_1).build()) {
            ContainerProcess p = c.run();
            java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(carriers);
            for (int i = 0; i < carriers; i++) { // each pins a carrier until the container's output ends
                followers.add(Thread.ofVirtual().start(() -> {
                    reading.countDown();
                    try {
                        p.getInputStream().read(new byte[100]);
                    } catch (IOException e) {
                        // closed with the container
                    }
                }));
            }
            reading.await();
            Thread.sleep(200); // in read(2)
            java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + c.mappedPort(80) + "/index.html");
            for (int i = 0; i < 3; i++) { // keep-alive asked for; httpd answers Connection: close
                java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("published-page\n");
            }
        }
        for (Thread t : followers) {
            assertThat(t.join(Duration.ofSeconds(10))).as("the output ended with the container").isTrue();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aHostPortInUseFailsCreateNamingTheMappingAndLeavesNothing() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("inuse");
        try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK);
             Container c = Container.builder().id(id).command("/bin/true").publish(0, 81)
                     .publish(taken.getLocalPort(), 80).build()) {
            assertThatThrownBy(c::create).isInstanceOf(java.net.BindException.class)
                    .hasMessageContaining("publish 127.0.0.1:" + taken.getLocalPort() + "->80/tcp: cannot listen on 127.0.0.1:"
                            + taken.getLocalPort() + "/tcp");
            assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
            Leftovers.assertNoneOf(id);
        }
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void aHostIpThatIsNotThisHostsFailsCreateNamingTheMapping() throws Exception {
        String id = Leftovers.id("badip");
        try (Container c = Container.builder().id(id).command("/bin/true").publish("192.0.2.1:8080:80").build()) {
            assertThatThrownBy(c::create).isInstanceOf(java.net.BindException.class)
                    .hasMessageStartingWith("publish 192.0.2.1:8080->80/tcp: cannot listen on 192.0.2.1:8080/tcp");
        }
        Leftovers.assertNoneOf(id);
    }

    /** Sends {@code data}, half-closes, and reads the answer to its end (on another thread, so neither side blocks). */
    private static byte[] echo(int port, byte[] data) throws IOException {
        try (Socket s = connectRetrying(port)) {
            s.setSoTimeout(30_000);
            CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = s.getInputStream()) {
                    return in.readAllBytes();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            s.getOutputStream().write(data);
            s.shutdownOutput();
            return answer.join();
        }
    }

    /** A connection to the published port (the host listener exists from create on, so the first try connects). */
    private static Socket connectRetrying(int port) throws IOException {
        return new Socket(LOOPBACK, port);
    }

    private static boolean connectFails(int port) {
        try (Socket s = new Socket(LOOPBACK, port)) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    /** UDP sockets connected to port 53 in the container's namespace (its /proc/net/udp, local side not 53). */
    private static long udpFlowsInside(Container c) throws Exception {
        List<String> lines = c.callInNetworkNamespace(() -> Files.readAllLines(Path.of("/proc/thread-self/net/udp")));
        // rem_address 0100007F:0035 is 127.0.0.1:53
        return lines.stream().skip(1).map(l -> l.strip().split("\\s+")).filter(f -> f[2].equals("0100007F:0035")).count();
    }
}
