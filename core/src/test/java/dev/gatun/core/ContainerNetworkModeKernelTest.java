package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.namespaces.NamespaceId;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The network modes ({@link ContainerBuilder#network(NetworkMode)}): what the process inside sees and reaches. */
@KernelTest
@Timeout(120)
class ContainerNetworkModeKernelTest {

    private static final Duration QUICK_STOP = Duration.ofMillis(200);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Kernel.require(Files.isExecutable(Path.of("/bin/busybox")), "needs a static /bin/busybox (Debian package busybox-static)");
        Ran.warmUp();
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            Thread.ofVirtual().start(() -> { }).join();
        }
    }

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    private static String hostNet() throws Exception {
        return Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    }

    @Test
    void noneIsANamespaceOfItsOwnWithOnlyLoopbackUp() throws Exception {
        Ran ran = Ran.of(Container.builder().id(Leftovers.id("none")).network("none")
                .command("/bin/sh", "-c", "readlink /proc/self/ns/net; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; "
                        + "/bin/busybox nc -l -p 9 -e /bin/true & sleep 0.2; echo | /bin/busybox nc 127.0.0.1 9 && echo lo-works"));
        assertThat(ran.exit()).as(ran.out()).isZero();
        String[] lines = ran.out().strip().split("\n");
        assertThat(lines[0]).startsWith("net:[").isNotEqualTo(hostNet());
        assertThat(lines).containsSubsequence("lo", "lo-works").doesNotContain("eth0");
        assertThat(lines[1]).isEqualTo("lo");
    }

    @Test
    void hostSharesTheHostsNetworkAndAServerInsideIsReachedDirectly() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("host");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            port = s.getLocalPort();
        }
        try (Container c = Container.builder().id(id).network(NetworkMode.host()).stopTimeout(QUICK_STOP)
                .redirectErrorStream(true)
                .command("/bin/sh", "-c", "readlink /proc/self/ns/net; exec /bin/busybox nc -l -p " + port + " -e /bin/hostname")
                .hostname("inside-host-mode").build()) {
            ContainerProcess p = c.run();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertThat(Ran.readLine(out)).isEqualTo(hostNet());
            assertThat(NamespaceId.of(NamespaceType.NETWORK, p.pid())).isEqualTo(NamespaceId.of(NamespaceType.NETWORK,
                    ProcessHandle.current().pid()));
            assertThat(readFrom(port)).isEqualTo("inside-host-mode\n");
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void joiningAnotherContainersNetworkSharesItsLoopbackAndItsPublishedPortsReachEither() throws Exception {
        String a = Leftovers.id("joineda");
        String b = Leftovers.id("joinedb");
        try (Container first = Container.builder().id(a).stopTimeout(QUICK_STOP)
                .command("/bin/busybox", "nc", "-ll", "-p", "80", "-e", "/bin/hostname").hostname("first").build()) {
            first.run();
            try (Container second = Container.builder().id(b).stopTimeout(QUICK_STOP).hostname("second")
                    .network(NetworkMode.container(first)).publish(0, 80).redirectErrorStream(true)
                    .command("/bin/sh", "-c", "readlink /proc/self/ns/net; sleep 0.3; /bin/busybox nc 127.0.0.1 80 </dev/null; "
                            + "exec sleep 60").build()) {
                ContainerProcess p = second.run();
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String net = Ran.readLine(out);
                assertThat(net).isEqualTo(Files.readSymbolicLink(Path.of("/proc/" + first.state().pid() + "/ns/net")).toString())
                        .isNotEqualTo(hostNet());
                assertThat(Ran.readLine(out)).as("the first's server, over the shared loopback").isEqualTo("first");
                // a port published by the second reaches the server the first runs in the same namespace
                assertThat(readFrom(second.mappedPort(80))).isEqualTo("first\n");
            }
        }
        Leftovers.assertNoneOf(a);
        Leftovers.assertNoneOf(b);
    }

    @Test
    void joiningANamespaceByPathPutsTheContainerInIt() throws Exception {
        // a network namespace this test makes: a process of its own in a new one
        Process holder = new ProcessBuilder("unshare", "--net", "sleep", "60").start();
        String id = Leftovers.id("path");
        try {
            Path ns = Path.of("/proc", Long.toString(holder.pid()), "ns", "net");
            for (int i = 0; i < 100 && Files.readSymbolicLink(ns).toString().equals(hostNet()); i++) {
                Thread.sleep(20); // until unshare has run
            }
            Ran ran = Ran.of(Container.builder().id(id).network("ns:" + ns).command("/bin/readlink", "/proc/self/ns/net"));
            assertThat(ran.exit()).isZero();
            assertThat(ran.out().strip()).isEqualTo(Files.readSymbolicLink(ns).toString()).isNotEqualTo(hostNet());
        } finally {
            holder.destroyForcibly().waitFor();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aNamespaceFileThatDoesNotExistFailsCreateNamingItAndLeavesNothing() throws Exception {
        String id = Leftovers.id("nons");
        try (Container c = Container.builder().id(id).network("ns:/run/netns/gatun-no-such-namespace")
                .command("/bin/true").build()) {
            assertThatThrownBy(c::create).hasMessageContaining("/run/netns/gatun-no-such-namespace");
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void theModesAreReadAsPodmanWritesThemAndOthersAreRefusedNamingTheSetting() {
        assertThat(NetworkMode.parse("none")).isEqualTo(NetworkMode.none());
        assertThat(NetworkMode.parse("host")).isEqualTo(NetworkMode.host());
        assertThat(NetworkMode.parse("ns:/run/netns/x")).isEqualTo(NetworkMode.joined(Path.of("/run/netns/x")));
        assertThatThrownBy(() -> NetworkMode.parse("bridge")).hasMessage("network: \"bridge\" is not supported yet (none, host, pasta, ns:<path>)");
        assertThatThrownBy(() -> NetworkMode.parse("ns:relative")).hasMessageStartingWith("network: \"relative\" must be an absolute path");
        assertThatThrownBy(() -> NetworkMode.parse("wifi")).hasMessageStartingWith("network: \"wifi\"");
        assertThatThrownBy(() -> Container.builder().command("/bin/true").network("host").publish(8080, 80).build())
                .hasMessageContaining("network mode host");
        Container notCreated = Container.builder().command("/bin/true").build();
        assertThatThrownBy(() -> NetworkMode.container(notCreated)).isInstanceOf(ContainerStateException.class);
    }

    private static String readFrom(int port) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try (Socket s = new Socket(LOOPBACK, port)) {
                s.setSoTimeout(30_000);
                s.shutdownOutput();
                String got = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!got.isEmpty() || attempt > 100) {
                    return got;
                }
            } catch (java.net.ConnectException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
            Thread.sleep(50);
        }
    }
}
