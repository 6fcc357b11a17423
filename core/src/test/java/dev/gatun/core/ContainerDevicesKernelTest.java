package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.cgroups.Resources.DeviceRule;
import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.ProcessSpec;
import dev.gatun.oci.Resources;
import dev.gatun.oci.Root;
import dev.gatun.oci.Spec;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device rules seen from inside containers: the builder's default (runc's and Docker's) and a
 * bundle's deny-all. On this host the v1 devices controller enforces them; on a cgroup v2 host the
 * eBPF program does (ContainerDevicesV2KernelTest, in the VM lane).
 */
@KernelTest
@Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane)
class ContainerDevicesKernelTest {

    /** mknod of the host's first loop device, then an open of it; the exit status of each. */
    static final String LOOP = "mknod /dev/x b 7 0; echo mknod-exit-$?; head -c 1 /dev/x; echo open-exit-$?";
    /** The standard devices, each read or written once. */
    static final String STANDARD = "head -c 1 /dev/zero | wc -c; head -c 1 /dev/urandom | wc -c; "
            + "head -c 1 /dev/full | wc -c; head -c 1 /dev/random | wc -c; echo x > /dev/null && echo null-writes; "
            + "if [ -e /dev/tty ]; then (exec 3<>/dev/tty); fi; echo done";

    @TempDir
    Path tmp;

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @Test
    void aDefaultContainerMayMknodALoopDeviceButNotOpenIt() throws Exception {
        Ran r = run(Container.builder(), LOOP);
        assertThat(r.out()).as("%s", r).contains("mknod-exit-0", "Operation not permitted", "open-exit-1");
    }

    @Test
    void theStandardDevicesStillWorkInADefaultContainer() throws Exception {
        Ran r = run(Container.builder(), STANDARD);
        // /dev/tty refuses the open with ENXIO (no controlling terminal), not EPERM
        assertThat(r.out()).as("%s", r).doesNotContain("Operation not permitted").contains("null-writes", "done");
        assertThat(r.out().lines().filter("1"::equals).count()).as("%s", r).isEqualTo(4);
    }

    @Test
    void aDeviceRuleOfTheBuilderFollowsTheDefaultsAndWins() throws Exception {
        Ran r = run(Container.builder().resources(b -> b.device(new DeviceRule(true, "b", 7L, null, "rw"))), LOOP);
        // the rules let the open through; a kernel without the loop driver then answers ENXIO
        assertThat(r.out()).as("%s", r).contains("mknod-exit-0").doesNotContain("Operation not permitted");
        assertThat(r.out()).as("%s", r).containsAnyOf("open-exit-0", "No such device or address");
    }

    @Test
    void aBundleWithDenyAllIsEnforcedAndKeepsItsOwnDevNull() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static (apt-get install busybox-static)");
        Path bundle = Files.createDirectory(tmp.resolve("bundle"));
        BusyboxRootfs.create(bundle.resolve("rootfs"));
        Spec example = OciSpecs.example();
        assertThat(example.linux().resources().devices()).as("runc spec's rules")
                .containsExactly(new Resources.DeviceRule(false, null, null, null, "rwm"));
        // runc spec's three capabilities lack CAP_MKNOD: add it, so that only the device rules stand in the way
        List<String> caps = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_MKNOD", "CAP_NET_BIND_SERVICE");
        Spec spec = example.toBuilder()
                .root(new Root("rootfs", false))
                .process(example.process().toBuilder().terminal(false)
                        .capabilities(new ProcessSpec.Capabilities(caps, caps, null, caps, null))
                        .args(List.of("sh", "-c", "exec 2>&1; " + LOOP + "; echo x > /dev/null && echo null-writes")).build())
                .build();
        String id = Leftovers.id("devbundle");
        try (Container c = Container.fromSpec(spec, bundle, id)) {
            Ran r = Ran.of(c);
            assertThat(r.out()).as("%s", r).contains("mknod-exit-0", "Operation not permitted", "open-exit-1", "null-writes");
        }
        Leftovers.assertNoneOf(id);
    }

    static Ran run(ContainerBuilder b, String script) throws Exception {
        String id = Leftovers.id("dev");
        Ran r = Ran.of(b.id(id).command("/bin/sh", "-c", script));
        Leftovers.assertNoneOf(id);
        return r;
    }
}
