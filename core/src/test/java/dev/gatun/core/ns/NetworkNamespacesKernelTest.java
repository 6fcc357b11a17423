package dev.gatun.core.ns;

import dev.gatun.core.spawn.ChildOutput;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.core.spawn.SpawnedProcess;
import dev.gatun.core.spawn.Spawner;
import dev.gatun.namespaces.NamespaceId;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A JVM thread switched into a child's new network namespace, as root. */
@KernelTest
@Timeout(60)
class NetworkNamespacesKernelTest {

    private HostSnapshot before;
    private SpawnedProcess child;

    @BeforeAll
    static void warmUp() throws Exception {
        Kernel.require(BusyboxRootfs.binary().filter(p -> p.equals(Path.of("/bin/busybox"))).isPresent(),
                "needs a static /bin/busybox (Debian package busybox-static)");
        Spawner.get().spawn(Program.builder().build(), SpawnOptions.defaults()).waitFor();
        // the JDK's networking opens its own long-lived fds on first use; have them before the snapshot
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            NetworkInterface.networkInterfaces().count();
        }
    }

    @BeforeEach
    void aChildInANewNetworkNamespace() throws Exception {
        before = HostSnapshot.take();
        try (NamespaceSetup setup = NamespaceSetup.prepare(Namespaces.builder().create(NamespaceType.NETWORK).build())) {
            child = Spawner.get().spawn(setup.appendChildSteps(Program.builder()).closeRangeCloexec(3).unblockSignals()
                    .execve("/bin/busybox", List.of("sleep", "60"), ChildOutput.ENV).build(),
                    setup.spawnOptions(SpawnOptions.defaults()));
        }
    }

    @AfterEach
    void killTheChildAndCheckForLeaks() throws Exception {
        child.kill();
        child.waitFor();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void theTaskRunsInTheChildsNetworkNamespaceWhereLoopbackComesUpAndCarriesAConnection() throws Exception {
        String jvmNet = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        NamespaceId childNet = NamespaceId.of(NamespaceType.NETWORK, child.pid());
        List<String> facts = NetworkNamespaces.call(child.pid(), () -> {
            List<String> f = new java.util.ArrayList<>();
            f.add(Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
            f.add("lo up before: " + Loopback.isUp());
            Loopback.up();
            f.add("lo up after: " + Loopback.isUp());
            // /proc/thread-self/net is this thread's namespace (/proc/net is the process's: see the class doc)
            f.add("interfaces: " + Files.readAllLines(Path.of("/proc/thread-self/net/dev")).stream().skip(2)
                    .map(l -> l.strip().split(":")[0]).toList());
            try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                 Socket client = new Socket("127.0.0.1", server.getLocalPort());
                 Socket accepted = server.accept()) {
                client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                f.add("received: " + new String(accepted.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
            }
            return f;
        });
        assertThat(facts).containsExactly("net:[" + childNet.inode() + "]", "lo up before: false",
                "lo up after: true", "interfaces: [lo]", "received: ping");
        assertThat(facts.getFirst()).isNotEqualTo(jvmNet);
        // the calling thread never moved
        assertThat(Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString()).isEqualTo(jvmNet);
    }

    @Test
    void aListeningSocketMadeByTheTaskStaysInTheNamespaceAndAcceptsFromAnotherThread() throws Exception {
        ServerSocketChannel server = NetworkNamespaces.call(child.pid(), () -> {
            Loopback.up();
            return ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        });
        try (server) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            // a process in the namespace connects; this (host) thread accepts
            Namespaces join = Namespaces.builder().join(NamespaceType.NETWORK, child.pid()).build();
            SpawnedProcess client;
            try (NamespaceSetup setup = NamespaceSetup.prepare(join)) {
                client = Spawner.get().spawn(setup.appendChildSteps(Program.builder()).closeRangeCloexec(3)
                        .unblockSignals().execve("/bin/busybox", List.of("sh", "-c",
                                "echo hello-from-the-namespace | nc 127.0.0.1 " + port), ChildOutput.ENV).build(),
                        setup.spawnOptions(SpawnOptions.defaults()));
            }
            try (SocketChannel accepted = server.accept()) {
                ByteBuffer buf = ByteBuffer.allocate(64);
                while (accepted.read(buf) > 0) {
                    // read until the client closes
                }
                assertThat(new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII))
                        .isEqualTo("hello-from-the-namespace\n");
            }
            assertThat(client.waitFor().code()).isZero();
        }
    }

    @Test
    void theTasksExceptionComesBackAsTheCause() {
        assertThatThrownBy(() -> NetworkNamespaces.call(child.pid(), () -> {
            throw new IllegalStateException("from inside");
        })).isInstanceOf(ExecutionException.class).cause().hasMessage("from inside");
    }

    @Test
    void aNamespaceFileThatDoesNotExistFailsBeforeAnyThreadIsMade() {
        assertThatThrownBy(() -> NetworkNamespaces.call(Path.of("/run/netns/gatun-no-such-namespace"), () -> 1))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("/run/netns/gatun-no-such-namespace");
    }

    @Test
    void aFileThatIsNotANetworkNamespaceIsRefusedBySetns() {
        assertThatThrownBy(() -> NetworkNamespaces.call(NamespaceType.UTS.procPath(child.pid()), () -> 1))
                .isInstanceOf(dev.gatun.core.ErrnoException.class)
                .hasMessageStartingWith("setns(")
                .hasMessageContaining("CLONE_NEWNET): Invalid argument (EINVAL)");
    }
}
