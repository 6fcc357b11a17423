package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /etc/hosts, /etc/hostname and /etc/resolv.conf as the container sees them, per network mode. */
@KernelTest
class ContainerEtcFilesKernelTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Kernel.require(Files.isExecutable(Path.of("/bin/busybox")), "needs a static /bin/busybox (Debian package busybox-static)");
        Ran.warmUp();
    }

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    private static final String SHOW = "cat /etc/hostname; echo --; cat /etc/hosts; echo --; cat /etc/resolv.conf; echo --; "
            + "getent hosts web | tr -s ' \\t' ' '";

    @Test
    void inModeNoneTheHostnameResolvesToLoopbackAndTheHostsLoopbackNameServersAreDropped() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        String id = Leftovers.id("etcnone");
        Ran ran = Ran.of(Container.builder().id(id).hostname("web").command("/bin/sh", "-c", SHOW));
        assertThat(ran.exit()).as(ran.out()).isZero();
        String[] parts = ran.out().split("--\n");
        assertThat(parts[0]).isEqualTo("web\n");
        assertThat(parts[1]).isEqualTo(EtcFiles.hosts(Files.readString(Path.of("/etc/hosts")), "web", id, true))
                .contains("127.0.0.1\tweb " + id + "\n");
        assertThat(parts[2]).isEqualTo(EtcFiles.resolvConf(Files.readString(Path.of("/etc/resolv.conf")), false));
        assertThat(parts[3]).as("glibc resolves the hostname through the generated file").isEqualTo("127.0.0.1 web " + id + "\n");
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void inModeHostTheHostsFilesAreKeptWithTheirLoopbackNameServers() throws Exception {
        String id = Leftovers.id("etchost");
        Ran ran = Ran.of(Container.builder().id(id).hostname("web").network("host").command("/bin/sh", "-c", SHOW));
        String[] parts = ran.out().split("--\n");
        assertThat(parts[0]).isEqualTo("web\n");
        assertThat(parts[1]).isEqualTo(EtcFiles.hosts(Files.readString(Path.of("/etc/hosts")), "web", id, false))
                .doesNotContain("\tweb");
        assertThat(parts[2]).isEqualTo(EtcFiles.resolvConf(Files.readString(Path.of("/etc/resolv.conf")), true));
        Leftovers.assertNoneOf(id);
    }

    @Test
    void onAnImageOnlyItsOwnFilesAreCoveredAndTheyStayUntouchedOnDisk() throws Exception {
        Path rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/hosts"), "10.9.9.9 image-entry\n");
        Files.writeString(rootfs.resolve("etc/hostname"), "image\n");
        String id = Leftovers.id("etcimage");
        Ran ran = Ran.of(Container.builder().id(id).rootfs(rootfs).hostname("img")
                .command("/bin/sh", "-c", "cat /etc/hostname /etc/hosts; ls /etc/resolv.conf; echo > /etc/hostname && echo writable"));
        // the base of the generated hosts is the host's /etc/hosts, as podman's default base_hosts_file
        assertThat(ran.out()).startsWith("img\n").contains("127.0.0.1\timg " + id + "\n").doesNotContain("image-entry")
                .contains("No such file").contains("writable");
        assertThat(rootfs.resolve("etc/hosts")).hasContent("10.9.9.9 image-entry");
        assertThat(rootfs.resolve("etc/hostname")).hasContent("image");
        assertThat(rootfs.resolve("etc/resolv.conf")).as("no mount point is made in an image").doesNotExist();
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aFileTheCallerBindsIsNotGenerated() throws Exception {
        Path mine = Files.writeString(tmp.resolve("hosts"), "10.1.2.3 mine\n");
        String id = Leftovers.id("etcmine");
        Ran ran = Ran.of(Container.builder().id(id).bind(mine, "/etc/hosts", true).command("/bin/cat", "/etc/hosts", "/etc/hostname"));
        assertThat(ran.out()).isEqualTo("10.1.2.3 mine\n" + id.substring(0, Math.min(12, id.length())) + "\n");
        Leftovers.assertNoneOf(id);
    }
}
