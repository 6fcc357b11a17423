package dev.gatun.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.cgroups.Resources.DeviceRule;
import dev.gatun.core.linux.LibC;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The device filter in the real kernel: loaded past the verifier, attached to a cgroup2 directory
 * made below this JVM's own cgroup2 cgroup, and obeyed by a shell that moves itself in. On a
 * hybrid host the cgroup2 hierarchy has no controllers, but the kernel runs its device programs
 * in addition to the v1 devices rules, so this runs there as well as on a pure v2 host.
 */
@KernelTest(requires = Kernel.Feature.CGROUP2_MOUNTED)
class DeviceCgroupKernelTest {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final DeviceRule DENY_ALL = new DeviceRule(false, "a", null, null, "rwm");

    private Path cgroup;
    private HostSnapshot before;

    @BeforeEach
    void makeCgroup() throws IOException {
        Path mount = Kernel.cgroup2Mount().orElseThrow();
        cgroup = mount.resolve(ownCgroup2().substring(1)).resolve("gatun-devtest-" + ProcessHandle.current().pid()
                + "-" + COUNTER.incrementAndGet());
        Files.createDirectory(cgroup);
        before = HostSnapshot.take();
    }

    @AfterEach
    void removeCgroup() throws IOException {
        // the shells have exited: the cgroup is empty, and removing it releases the programs
        Files.delete(cgroup);
        assertThat(cgroup).doesNotExist();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void theKernelRefusesWhatTheRulesDenyAndOpensWhatTheyAllow() throws Exception {
        DeviceCgroup.attach(cgroup, List.of(DENY_ALL, new DeviceRule(true, "c", 1L, 3L, "r"),
                new DeviceRule(true, "c", 1L, 5L, "rw")));

        String out = inCgroup("head -c 1 /dev/null && echo null-reads; "
                + "echo x > /dev/null && echo null-writes; "
                + "(exec 3<>/dev/null) && echo null-reads-and-writes; "
                + "(exec 4<>/dev/zero) && echo zero-reads-and-writes; "
                + "head -c 1 /dev/full; echo full-exit-$?");

        assertThat(out).contains("null-reads", "zero-reads-and-writes", "full-exit-1")
                .doesNotContain("null-writes", "null-reads-and-writes", "full-exit-0");
        assertThat(out.lines().filter(l -> l.contains("Operation not permitted")).count())
                .as("refusals are EPERM: %s", out).isEqualTo(3);
    }

    @Test
    void theDefaultRulesLetMknodALoopDeviceButNotOpenIt() throws Exception {
        DeviceCgroup.attach(cgroup, SecurityDefaults.DEVICE_RULES);
        // not Files.createTempDirectory: its SecureRandom would open /dev/urandom after the snapshot
        Path node = Path.of(System.getProperty("java.io.tmpdir"), cgroup.getFileName() + "-loop");
        try {
            String out = inCgroup("mknod " + node + " b 7 0 && echo mknod-ok; head -c 1 " + node
                    + "; echo loop-exit-$?; head -c 1 /dev/urandom > /dev/null && echo urandom-reads");
            assertThat(out).contains("mknod-ok", "Operation not permitted", "loop-exit-1", "urandom-reads");
        } finally {
            Files.deleteIfExists(node);
        }
    }

    @Test
    void replaceSwapsTheOneProgramForTheNewRules() throws Exception {
        int first = DeviceCgroup.attach(cgroup, List.of(DENY_ALL, new DeviceRule(true, "c", 1L, 3L, "rwm")));
        assertThat(DeviceCgroup.attached(cgroup)).containsExactly(first);
        assertThat(inCgroup("head -c 1 /dev/zero; echo zero-exit-$?")).contains("zero-exit-1");

        int second = DeviceCgroup.replace(cgroup, List.of(DENY_ALL, new DeviceRule(true, "c", 1L, null, "rwm")));

        assertThat(second).isNotEqualTo(first);
        assertThat(DeviceCgroup.attached(cgroup)).containsExactly(second);
        assertThat(inCgroup("head -c 1 /dev/zero | wc -c; echo zero-exit-$?")).contains("1", "zero-exit-0");
    }

    @Test
    void theVerifierAcceptsTheProgramsOfRandomRuleLists() throws Exception {
        Random random = new Random(4242);
        String[] types = {null, "a", "b", "c"};
        String[] accesses = {null, "r", "w", "m", "rw", "rwm"};
        Long[] numbers = {null, 1L, 136L, 4095L};
        for (int round = 0; round < 200; round++) {
            List<DeviceRule> rules = new ArrayList<>();
            for (int i = random.nextInt(12); i > 0; i--) {
                rules.add(new DeviceRule(random.nextBoolean(), types[random.nextInt(types.length)],
                        numbers[random.nextInt(numbers.length)], numbers[random.nextInt(numbers.length)],
                        accesses[random.nextInt(accesses.length)]));
            }
            LibC.close(DeviceCgroup.load(cgroup, DeviceFilter.compile(rules)));
        }
    }

    @Test
    void aProgramTheVerifierRefusesIsAnErrorNamingTheDeviceRulesAndTheVerifiersReason() {
        byte[] exitWithoutVerdict = {(byte) 0x95, 0, 0, 0, 0, 0, 0, 0};
        assertThatThrownBy(() -> DeviceCgroup.load(cgroup, exitWithoutVerdict))
                .isInstanceOf(DeviceRulesException.class)
                .hasMessageContaining("linux.resources.devices cannot be enforced on " + cgroup)
                .hasMessageContaining("bpf(BPF_PROG_LOAD")
                .hasMessageContaining("R0 !read_ok");
    }

    /** Runs {@code script} in a shell that first moves itself into the cgroup; stdout and stderr. */
    private String inCgroup(String script) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " || exit 99; "
                + script).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("the shell: %s", out).isNotEqualTo(99);
        return out;
    }

    /** This JVM's cgroup in the cgroup2 hierarchy: the "0::" line of /proc/self/cgroup. */
    private static String ownCgroup2() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/cgroup")).stream().filter(l -> l.startsWith("0::"))
                .map(l -> l.substring(3)).findFirst().orElseThrow(() -> new AssertionError("no 0:: line in /proc/self/cgroup"));
    }
}
