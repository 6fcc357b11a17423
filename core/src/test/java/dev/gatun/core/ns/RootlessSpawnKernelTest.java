package dev.gatun.core.ns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.namespaces.Caller;
import dev.gatun.namespaces.IdMapper;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.namespaces.SubordinateIds;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rootless, end to end: a separate JVM runs {@link RootlessSpawnProbe} as the unprivileged user
 * {@value #USER} (made by {@code .ci/rootless-lane}, with /etc/subuid and /etc/subgid ranges),
 * through util-linux's {@code setpriv}, so that the kernel and newuidmap apply their rules for a
 * caller without capabilities. The probe spawns through {@link NamespaceSetup} and the real spawn
 * engine; this test checks what it printed. The classes are copied to a world-readable directory
 * first: the build tree and ~/.m2 of root are not readable by that user.
 */
@KernelTest(requires = Kernel.Feature.USER_NAMESPACES)
@Timeout(120)
class RootlessSpawnKernelTest {

    /** The unprivileged user .ci/rootless-lane creates. */
    static final String USER = "gatun-ci";

    @TempDir
    static Path dir;

    private static Path classpathDir;
    private HostSnapshot before;

    @BeforeAll
    static void copyTheClassesWhereAnyoneCanReadThem() throws Exception {
        Kernel.require(BusyboxRootfs.binary().filter(p -> p.equals(Path.of("/bin/busybox"))).isPresent(),
                "needs a static /bin/busybox (Debian package busybox-static)");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        classpathDir = Files.createDirectory(dir.resolve("cp"));
        Files.setPosixFilePermissions(classpathDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @BeforeEach
    void snapshot() {
        before = HostSnapshot.take();
    }

    @AfterEach
    void nothingLeftBehind() {
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    /** {@value #USER}'s uid and gid from /etc/passwd; the test fails or skips without them. */
    private static Caller ciUser() throws IOException {
        Optional<String[]> entry = Files.readAllLines(Path.of("/etc/passwd")).stream()
                .map(l -> l.split(":")).filter(f -> f.length > 3 && f[0].equals(USER)).findFirst();
        Kernel.require(entry.isPresent(), "no user " + USER + ": run .ci/rootless-lane (as root) first");
        return Caller.unprivileged(USER, Long.parseLong(entry.get()[2]), Long.parseLong(entry.get()[3]));
    }

    private static String classpath() throws Exception {
        List<String> entries = new ArrayList<>();
        // core and its tests, and what a Container needs besides: namespaces, cgroups, oci-spec,
        // Jackson, SLF4J
        for (Class<?> c : List.of(NamespaceSetup.class, Namespaces.class, RootlessSpawnProbe.class,
                dev.gatun.cgroups.Cgroup.class, dev.gatun.oci.Spec.class, dev.gatun.images.Image.class,
                tools.jackson.databind.JsonNode.class,
                tools.jackson.core.JsonParser.class, com.fasterxml.jackson.annotation.JsonInclude.class,
                org.slf4j.Logger.class)) {
            entries.add(readableCopy(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI())).toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    private static Path readableCopy(Path source) throws IOException {
        Path target = classpathDir.resolve(Integer.toHexString(source.toString().hashCode()) + "-"
                + source.getFileName());
        if (Files.exists(target)) {
            return target;
        }
        try (Stream<Path> tree = Files.walk(source)) {
            for (Path p : tree.toList()) {
                Path copy = Files.isDirectory(source) ? target.resolve(source.relativize(p).toString()) : target;
                if (Files.isDirectory(p)) {
                    Files.createDirectories(copy);
                    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else {
                    Files.copy(p, copy);
                    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
        return target;
    }

    /** Runs the probe with {@code prefix} before the java command; returns its output and exit code. */
    private static String probe(List<String> prefix, String mode) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(prefix);
        // no perf data: it would leave /tmp/hsperfdata_<user> behind
        cmd.addAll(List.of(java, "-XX:-UsePerfData", "-Xshare:auto", "--enable-native-access=ALL-UNNAMED",
                "-Dgatun.requireKernel=true", "-cp", classpath(), RootlessSpawnProbe.class.getName(), mode));
        Path out = dir.resolve("out-" + mode);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).redirectInput(new File("/dev/null")).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new IOException(cmd + " did not finish in 90 s: " + Files.readString(out));
        }
        try {
            return Files.readString(out, StandardCharsets.UTF_8) + "exit " + p.exitValue() + "\n";
        } finally {
            Files.delete(out);
        }
    }

    private static List<String> asUser(Caller user) {
        return List.of("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(), "--init-groups", "--inh-caps=-all",
                "--reset-env");
    }

    @Test
    void anUnprivilegedJvmRunsAChildInNewUserPidMountUtsIpcAndNetNamespacesWithItsOwnIdsAsRoot() throws Exception {
        Caller user = ciUser();
        Kernel.require(dev.gatun.namespaces.UserNamespaces.isAvailable(), "user namespaces unavailable");
        String out = probe(asUser(user), "one-range");
        assertThat(out).as(out).contains(
                "caller " + user.uid() + " " + user.gid() + " capSysAdmin=false\n",
                "unavailability none\n",
                "writers DIRECT DIRECT\n",
                "child pid=1\n",
                "child rootless\n",
                "child id=0:0\n",
                "child 0 " + user.uid() + " 1\n",
                "child 0 " + user.gid() + " 1\n",
                "child UP LOOPBACK RUNNING\n",
                "differs [ipc, mount, network, pid, user, uts]\n",
                "host Uid: " + user.uid() + " " + user.uid() + " " + user.uid() + " " + user.uid() + "\n",
                "exit 0\n");
        // what an unprivileged JVM cannot do, said plainly
        assertThat(out).contains("netns refused setns(").contains("Operation not permitted (EPERM)")
                .contains("an unprivileged JVM cannot enter a container's network namespace");
        // a sidecar joins the child's user namespace, then its PID namespace, and forks into it
        String pidNs = out.lines().filter(l -> l.startsWith("first pid:[")).findFirst().orElseThrow(() ->
                new AssertionError(out)).substring("first ".length());
        assertThat(out).contains("sidecar atClone=false fork=true\n", "sidecar " + pidNs + "\n",
                "sidecar ended exit 0\n");
        assertThat(out).containsPattern("sidecar pid=([2-9]|[1-9][0-9]+)\n");
        // the PID namespace alone: the spawner thread lacks CAP_SYS_ADMIN in the JVM's user namespace
        assertThat(out).contains("pid-only refused setns(").contains("CLONE_NEWPID): Operation not permitted (EPERM)")
                .contains("needs CAP_SYS_ADMIN over the user namespace that owns it and in the JVM's own user namespace");
    }

    @Test
    void anUnprivilegedJvmMapsA65536IdRangeFromEtcSubuidThroughNewuidmapAndTheContainersUser1000IsASubordinateId()
            throws Exception {
        Caller user = ciUser();
        Kernel.require(Files.isExecutable(IdMapper.NEWUIDMAP) && Files.isExecutable(IdMapper.NEWGIDMAP),
                "needs /usr/bin/newuidmap and newgidmap (Debian package uidmap)");
        List<SubordinateIds.Range> uids = SubordinateIds.read(SubordinateIds.SUBUID).rangesOf(user.name(), user.uid());
        List<SubordinateIds.Range> gids = SubordinateIds.read(SubordinateIds.SUBGID).rangesOf(user.name(), user.uid());
        Kernel.require(!uids.isEmpty() && !gids.isEmpty(), USER + " has no /etc/subuid or /etc/subgid range: run "
                + ".ci/rootless-lane (as root)");
        long subuid = uids.getFirst().start();
        long subgid = gids.getFirst().start();
        String out = probe(asUser(user), "subordinate");
        assertThat(out).as(out).contains(
                "writers HELPER HELPER\n",
                "child pid=1\n",
                "child rootless\n",
                "child id=1000:1000\n",
                "child 0 " + user.uid() + " 1\n",
                "child 1 " + subuid + " 65536\n",
                "child 0 " + user.gid() + " 1\n",
                "child 1 " + subgid + " 65536\n",
                "differs [ipc, mount, network, pid, user, uts]\n",
                // container uid 1000 is the 1000th id of the range (container id 1 is its first)
                "host Uid: " + (subuid + 999) + " " + (subuid + 999) + " " + (subuid + 999) + " " + (subuid + 999) + "\n",
                "host Gid: " + (subgid + 999) + " " + (subgid + 999) + " " + (subgid + 999) + " " + (subgid + 999) + "\n",
                "exit 0\n");
    }

    @Test
    void aDefaultContainerOfAnUnprivilegedJvmRunsWithoutLimitsAndTheHostReportTellsWhatTheUserHas()
            throws Exception {
        Caller user = ciUser();
        List<SubordinateIds.Range> uids = SubordinateIds.read(SubordinateIds.SUBUID).rangesOf(user.name(), user.uid());
        List<SubordinateIds.Range> gids = SubordinateIds.read(SubordinateIds.SUBGID).rangesOf(user.name(), user.uid());
        Kernel.require(!uids.isEmpty() && !gids.isEmpty(), USER + " has no /etc/subuid or /etc/subgid range: run "
                + ".ci/rootless-lane (as root)");
        long subuid = uids.getFirst().start();
        long subgid = gids.getFirst().start();
        String out = probe(asUser(user), "container-without-cgroup");
        // a rootless container: no cgroup this user may write, so the default pids limit is dropped
        assertThat(out).as(out).contains("container ran exit 0 dropped [pids (no delegated cgroup: ",
                "supported true\n", "exit 0\n").doesNotContain("container refused");
        // the report: who, user namespaces, the ranges .ci/rootless-lane gave the user, the cgroups
        assertThat(out).as(out).contains("user:            " + user.name() + " (uid " + user.uid() + ", not root)",
                "user namespaces: yes", "subuid / subgid: " + subuid + "+65536 / " + subgid + "+65536",
                "(not delegated to this user: no limits)", "yes  close_range CLOSE_RANGE_CLOEXEC (5.11)");
    }

    @Test
    void whereUserNamespacesAreDisabledTheErrorSaysWhatIsMissingAndTheKernelAgrees() throws Exception {
        // a user namespace of our own whose limit is 0: the host's sysctl stays untouched
        String script = "echo 0 > /proc/sys/user/max_user_namespaces && exec \"$@\"";
        List<String> prefix = List.of("unshare", "--user", "--map-root-user", "sh", "-c", script, "sh");
        String out = probe(prefix, "unavailable");
        assertThat(out).as(out).contains(
                "unavailability user namespaces are disabled: user.max_user_namespaces is 0",
                "refused user namespaces are disabled: user.max_user_namespaces is 0 (for every user, root included); "
                        + "enable them with `sysctl -w user.max_user_namespaces=15000`",
                "clone clone3({flags=",
                "No space left on device (ENOSPC)",
                "exit 0\n");
    }
}
