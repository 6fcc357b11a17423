package dev.gatun.core.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.oci.InvalidSpecException;
import dev.gatun.oci.Linux;
import dev.gatun.oci.Mount;
import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.Root;
import dev.gatun.oci.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The planner's output for specs on a rootfs in a temporary directory; needs no root. */
class RootfsPlanTest {

    @TempDir
    Path bundle;

    Path rootfs;
    String r;

    @BeforeEach
    void layout() throws Exception {
        rootfs = Files.createDirectories(bundle.resolve("rootfs"));
        for (String d : List.of("proc", "dev", "tmp", "etc", "run")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0::/:/bin/sh\n");
        r = rootfs.toRealPath().toString();
    }

    static Spec spec(List<Mount> mounts, Linux linux) {
        return Spec.builder().root(new Root("rootfs", false)).mounts(mounts).linux(linux).build();
    }

    static Mount mount(String destination, String source, String type, String... options) {
        return new Mount(destination, source, type, List.of(options), null, null);
    }

    String render(Spec spec, RootfsOptions options) throws Exception {
        return RootfsPlan.prepare(spec, bundle, options).program().render();
    }

    static List<String> calls(String rendered) {
        return rendered.lines().map(l -> l.substring(5)).toList();
    }

    @Test
    void aTypicalSpecIsPlannedInRuncsOrderWithResolvedTargets() throws Exception {
        Path data = Files.createDirectories(bundle.resolve("data"));
        Spec spec = Spec.builder().root(new Root("rootfs", true))
                .mounts(List.of(mount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"),
                        mount("/data", "data", null, "rbind", "ro", "rprivate")))
                .linux(Linux.builder().maskedPaths(List.of("/proc/acpi", "/proc/timer_list"))
                        .readonlyPaths(List.of("/proc/sys")).rootfsPropagation("rshared").build())
                .build();
        List<String> calls = calls(render(spec, RootfsOptions.defaults()));
        String d = data.toRealPath().toString();
        assertThat(calls.subList(0, 5)).containsExactly(
                "mount(NULL, \"/\", NULL, MS_REC|MS_SLAVE, NULL)",
                "mount(\"" + r + "\", \"" + r + "\", NULL, MS_BIND|MS_REC, NULL)",
                "$null_1 = open_tree(AT_FDCWD, \"/dev/null\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC)",
                "mount(\"tmpfs\", \"" + r + "/dev\", \"tmpfs\", MS_NOSUID|MS_STRICTATIME, \"mode=755,size=65536k\")",
                "$old_umask = umask(0)");
        assertThat(calls).containsSubsequence(
                "mknodat(AT_FDCWD, \"" + r + "/dev/null\", S_IFCHR|0666, makedev(1, 3))",
                "umask($old_umask)",
                "symlinkat(\"pts/ptmx\", AT_FDCWD, \"" + r + "/dev/ptmx\") allowing EEXIST",
                "mount(\"devpts\", \"" + r + "/dev/pts\", \"devpts\", MS_NOSUID|MS_NOEXEC, \"newinstance,ptmxmode=0666,mode=0620,gid=5\")",
                "mount(\"shm\", \"" + r + "/dev/shm\", \"tmpfs\", MS_NOSUID|MS_NODEV|MS_NOEXEC, \"mode=1777,size=65536k\")",
                "mount(\"proc\", \"" + r + "/proc\", \"proc\", MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)",
                "mount(\"" + d + "\", \"" + r + "/data\", NULL, MS_BIND|MS_REC, NULL)",
                "mount(NULL, \"" + r + "/data\", NULL, MS_REC|MS_PRIVATE, NULL)",
                "chdir(\"" + r + "\")",
                "pivot_root(\".\", \".\")",
                "umount2(\".\", MNT_DETACH)",
                "chdir(\"/\")",
                "move_mount($null_1, \"\", AT_FDCWD, \"/proc/timer_list\", MOVE_MOUNT_F_EMPTY_PATH) allowing ENOENT",
                "close($null_1)",
                "mount(\"/proc/sys\", \"/proc/sys\", NULL, MS_BIND|MS_REC, NULL) allowing ENOENT",
                "mount(\"/proc/sys\", \"/proc/sys\", NULL, MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND, NULL) allowing ENOENT",
                "mount(NULL, \"/\", NULL, MS_REC|MS_SHARED, NULL)");
        assertThat(calls).anyMatch(c -> c.matches("mount\\(\"" + d + "\", \"" + r
                + "/data\", NULL, MS_RDONLY\\|.*MS_REMOUNT\\|MS_BIND.*, NULL\\)"));
        assertThat(calls).anyMatch(c -> c.matches("mount\\(NULL, \"/\", NULL, MS_RDONLY\\|.*MS_REMOUNT\\|MS_BIND.*, NULL\\)"));
        assertThat(Files.isDirectory(rootfs.resolve("data"))).as("the mount point was created").isTrue();
    }

    @Test
    void withARootOverlayTheChildMountsItFirstAndMakesTheMissingMountPointsInItWhileTheTreeStaysUntouched()
            throws Exception {
        Path lower = Files.createDirectories(bundle.resolve("lower"));
        Files.createDirectories(lower.resolve("proc"));
        Files.createDirectories(lower.resolve("etc"));
        Files.createDirectories(lower.resolve("var"));
        Files.createDirectories(lower.resolve("run"));
        Files.createSymbolicLink(lower.resolve("var/run"), Path.of("/run"));
        Files.createDirectories(bundle.resolve("upper"));
        Files.createDirectories(bundle.resolve("work"));
        Path empty = Files.createDirectories(bundle.resolve("merged"));
        Files.writeString(bundle.resolve("resolv.conf"), "nameserver 127.0.0.1\n");
        Files.createDirectories(bundle.resolve("src"));
        Spec spec = Spec.builder().root(new Root("merged", false)).mounts(List.of(
                mount("/proc", "proc", "proc"),
                mount("/etc/resolv.conf", "resolv.conf", "bind", "ro"),
                mount("/var/run/app", "src", "bind"))).build();
        RootOverlay overlay = new RootOverlay(lower, bundle.resolve("upper"), bundle.resolve("work"));

        RootfsPlan plan = RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults().newUserNamespace(true), overlay);
        List<String> calls = calls(plan.program().render());
        String m = empty.toRealPath().toString();
        String src = bundle.resolve("src").toRealPath().toString();
        assertThat(calls.subList(0, 3)).containsExactly(
                "mount(NULL, \"/\", NULL, MS_REC|MS_SLAVE, NULL)",
                "mount(\"overlay\", \"" + m + "\", \"overlay\", MS_NODEV, \"lowerdir=" + lower + ",upperdir="
                        + bundle.resolve("upper") + ",workdir=" + bundle.resolve("work") + ",userxattr\")",
                "mount(\"" + m + "\", \"" + m + "\", NULL, MS_BIND|MS_REC, NULL)");
        // the targets as the tree resolves them (the link var/run -> /run read in it), made by the child
        assertThat(calls).containsSubsequence(
                "mkdirat(AT_FDCWD, \"" + m + "/dev\", 0755) allowing EEXIST",
                "mount(\"tmpfs\", \"" + m + "/dev\", \"tmpfs\", MS_NOSUID|MS_STRICTATIME, \"mode=755,size=65536k\")",
                "mount(\"proc\", \"" + m + "/proc\", \"proc\", 0, NULL)",
                "$fd = openat(AT_FDCWD, \"" + m + "/etc/resolv.conf\", O_WRONLY|O_CREAT|O_CLOEXEC, 0644)",
                "mkdirat(AT_FDCWD, \"" + m + "/run/app\", 0755) allowing EEXIST",
                "mount(\"" + src + "\", \"" + m + "/run/app\", NULL, MS_BIND, NULL)");
        assertThat(plan.createdPaths()).isEmpty();
        assertThat(empty).isEmptyDirectory();
        try (var tree = Files.walk(lower)) {
            assertThat(tree.map(p -> lower.relativize(p).toString()).sorted().toList())
                    .containsExactly("", "etc", "proc", "run", "var", "var/run");
        }
    }

    @Test
    void aRootOverlayRefusesAMountThroughADanglingLinkOfTheTreeAndMakesNothing() throws Exception {
        Path lower = Files.createDirectories(bundle.resolve("lower"));
        Files.createSymbolicLink(lower.resolve("data"), Path.of("/nowhere"));
        Files.createDirectories(bundle.resolve("merged"));
        Files.createDirectories(bundle.resolve("src"));
        Spec spec = Spec.builder().root(new Root("merged", false))
                .mounts(List.of(mount("/data/x", "src", "bind"))).build();
        RootOverlay overlay = new RootOverlay(lower, bundle.resolve("upper"), bundle.resolve("work"));
        assertThatThrownBy(() -> RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults(), overlay))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.mounts[0].destination")
                .hasMessageContaining("/data is a symlink to a path that does not exist");
        assertThat(bundle.resolve("merged")).isEmptyDirectory();
        assertThat(Path.of("/nowhere")).doesNotExist();
    }

    @Test
    void aRoBindIsBoundFirstAndThenRemountedReadOnly() throws Exception {
        Files.createDirectories(bundle.resolve("src"));
        List<String> calls = calls(render(spec(List.of(mount("/src", "src", "bind", "ro")), null), RootfsOptions.defaults()));
        int bind = indexOf(calls, "mount(\"" + bundle.resolve("src").toRealPath() + "\", \"" + r + "/src\", NULL, MS_BIND, NULL)");
        assertThat(bind).isPositive();
        assertThat(calls.get(bind + 1)).startsWith("mount(\"" + bundle.resolve("src").toRealPath() + "\", \"" + r
                + "/src\", NULL, MS_RDONLY|").contains("MS_REMOUNT|MS_BIND");
    }

    @Test
    void aBindOfAFileCreatesAnEmptyFileAsItsMountPoint() throws Exception {
        Files.writeString(bundle.resolve("resolv.conf"), "nameserver 127.0.0.1\n");
        RootfsPlan plan = RootfsPlan.prepare(spec(List.of(mount("/etc/resolv.conf", "resolv.conf", "bind", "ro")), null),
                bundle, RootfsOptions.defaults());
        assertThat(rootfs.resolve("etc/resolv.conf")).isRegularFile().isEmptyFile();
        assertThat(plan.createdPaths()).containsExactly(rootfs.toRealPath().resolve("etc/resolv.conf"));
        assertThat(plan.cleanup()).isEmpty();
        assertThat(rootfs.resolve("etc/resolv.conf")).doesNotExist();
    }

    @Test
    void anAbsoluteSymlinkIsReadInsideTheRootfsAndTheMountTargetIsTheResolvedPath() throws Exception {
        Files.createDirectories(rootfs.resolve("var"));
        Files.createSymbolicLink(rootfs.resolve("var/run"), Path.of("/run"));
        List<String> calls = calls(render(spec(List.of(mount("/var/run/app", "tmpfs", "tmpfs")), null), RootfsOptions.defaults()));
        assertThat(calls).contains("mount(\"tmpfs\", \"" + r + "/run/app\", \"tmpfs\", 0, NULL)");
        assertThat(rootfs.resolve("run/app")).isDirectory();
        assertThat(Path.of("/run/app")).as("nothing on the host").doesNotExist();
    }

    @Test
    void aSymlinkThatClimbsOutOfTheRootfsIsRejectedAndNothingIsCreatedOutside() throws Exception {
        Path outside = bundle.resolve("hostdir");
        Files.createSymbolicLink(rootfs.resolve("escape"), Path.of("../hostdir"));
        Spec spec = spec(List.of(mount("/escape/sub", "tmpfs", "tmpfs")), null);
        assertThatThrownBy(() -> RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.mounts[0].destination: \"/escape/sub\": /escape is a symlink to ../hostdir, "
                        + "which points outside the rootfs");
        assertThat(outside).doesNotExist();
        assertThat(rootfs.resolve("hostdir")).doesNotExist();
        assertThat(rootfs.resolve("dev/pts")).as("nothing left from the default /dev either").doesNotExist();
    }

    @Test
    void aSymlinkChainThatClimbsOutIsClampedInsideTheRootfs() throws Exception {
        // inner -> ../../../../.. is reached through "hop", so only the clamp applies: still inside
        Files.createDirectories(rootfs.resolve("a/b"));
        Files.createSymbolicLink(rootfs.resolve("a/b/up"), Path.of("../../../../../.."));
        Files.createSymbolicLink(rootfs.resolve("hop"), Path.of("/a/b/up"));
        List<String> calls = calls(render(spec(List.of(mount("/hop/tmp/x", "tmpfs", "tmpfs")), null), RootfsOptions.defaults()));
        assertThat(calls).contains("mount(\"tmpfs\", \"" + r + "/tmp/x\", \"tmpfs\", 0, NULL)");
        assertThat(rootfs.resolve("tmp/x")).isDirectory();
    }

    @Test
    void badDestinationsAreAllReportedWithTheirJsonPathsAndLeaveNothingBehind() throws Exception {
        Files.createSymbolicLink(rootfs.resolve("dangling"), Path.of("/no/such/dir"));
        Spec spec = spec(List.of(
                mount("/created-first", "tmpfs", "tmpfs"),
                mount("var/lib", "tmpfs", "tmpfs"),
                mount("/etc/passwd/x", "tmpfs", "tmpfs"),
                mount("/dangling/x", "tmpfs", "tmpfs"),
                mount("/", "tmpfs", "tmpfs"),
                mount("/src", "no-such-source", "bind")), null);
        assertThatThrownBy(() -> RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class)
                .satisfies(e -> assertThat(((InvalidSpecException) e).errors()).extracting(Object::toString).containsExactly(
                        "$.mounts[1].destination: \"var/lib\" is not absolute",
                        "$.mounts[2].destination: \"/etc/passwd/x\": /etc/passwd is not a directory",
                        "$.mounts[3].destination: \"/dangling/x\": /dangling is a symlink to a path that does not exist "
                                + "(Gatun does not create a link's target)",
                        "$.mounts[4].destination: \"/\" is the container's root; mounting over / is not supported",
                        "$.mounts[5].source: \"no-such-source\" does not exist (looked at " + bundle.resolve("no-such-source") + ")"));
        try (Stream<Path> files = Files.walk(rootfs)) {
            assertThat(files.map(p -> rootfs.relativize(p).toString())).containsExactlyInAnyOrder(
                    "", "proc", "dev", "tmp", "etc", "run", "etc/passwd", "dangling");
        }
    }

    @Test
    void destinationsThatCouldReachTheHostThroughProcSysfsOrDevLinksAreAllRefusedAndLeaveNothing() throws Exception {
        Files.writeString(bundle.resolve("cpuinfo"), "x\n");
        Spec spec = spec(List.of(
                mount("/proc", "proc", "proc"),
                mount("/proc/self/root/tmp/x", "tmpfs", "tmpfs"),
                mount("/proc/cpuinfo", "cpuinfo", "bind"),
                mount("/proc/meminfo", "tmpfs", "tmpfs"),
                mount("/sys", "sysfs", "sysfs"),
                mount("/sys/kernel/x", "tmpfs", "tmpfs"),
                mount("/sys/fs/cgroup", "cgroup", "cgroup"),
                mount("/sys/fs/cgroup/memory/x", "tmpfs", "tmpfs"),
                mount("/dev/fd/x", "tmpfs", "tmpfs"),
                mount("/dev/pts/x", "tmpfs", "tmpfs"),
                mount("/dev/shm/x", "tmpfs", "tmpfs")), null);
        assertThatThrownBy(() -> RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class)
                .satisfies(e -> assertThat(((InvalidSpecException) e).errors()).extracting(Object::toString).containsExactly(
                        "$.mounts[1].destination: \"/proc/self/root/tmp/x\" is inside /proc; only bind mounts on "
                                + String.join(", ", RootfsPlanner.PROC_FILES) + " are allowed there (as lxcfs makes)",
                        "$.mounts[3].destination: \"/proc/meminfo\" is inside /proc; only bind mounts on "
                                + String.join(", ", RootfsPlanner.PROC_FILES) + " are allowed there (as lxcfs makes)",
                        "$.mounts[5].destination: \"/sys/kernel/x\": is below /sys, a sysfs mount, where Gatun makes no "
                                + "mount point (only in the rootfs, bind mounts, tmpfs and ramfs)",
                        "$.mounts[7].destination: \"/sys/fs/cgroup/memory/x\": is below /sys/fs/cgroup, a cgroup mount, "
                                + "where Gatun makes no mount point (only in the rootfs, bind mounts, tmpfs and ramfs)",
                        "$.mounts[8].destination: \"/dev/fd/x\": goes through /dev/fd, a symlink the runtime makes to "
                                + "/proc/self/fd",
                        "$.mounts[9].destination: \"/dev/pts/x\": is below /dev/pts, a devpts mount, where Gatun makes "
                                + "no mount point (only in the rootfs, bind mounts, tmpfs and ramfs)"));
        try (Stream<Path> files = Files.walk(rootfs)) {
            assertThat(files.map(p -> rootfs.relativize(p).toString())).containsExactlyInAnyOrder(
                    "", "proc", "dev", "tmp", "etc", "run", "etc/passwd");
        }
    }

    @Test
    void procIsAProcMountOrABindOfTheHostsProcNothingElse() throws Exception {
        // a bind of a proc root is what a new user namespace in a joined PID namespace must use
        assertThat(calls(render(spec(List.of(mount("/proc", "/proc", "bind", "rbind")), null), RootfsOptions.defaults())))
                .anyMatch(c -> c.startsWith("mount(\"/proc\""));
        for (String source : List.of("/proc/self/root", "/proc/1", "/tmp", "/proc/self")) {
            Spec spec = spec(List.of(mount("/proc", source, "bind", "rbind")), null);
            assertThatThrownBy(() -> RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults()))
                    .as(source).isInstanceOf(InvalidSpecException.class)
                    .hasMessageContaining("$.mounts[0].destination: \"/proc\" must be a mount of type proc, not a bind");
        }
    }

    @Test
    void aMaskedFileGetsACloneOfTheHostsDevNullTakenBeforePivotRoot() throws Exception {
        List<String> calls = calls(render(spec(List.of(), Linux.builder().maskedPaths(List.of("/proc/kcore")).build()),
                RootfsOptions.defaults()));
        assertThat(calls.get(2)).as("after the rootfs bind, before any mount of the spec").isEqualTo(
                "$null_0 = open_tree(AT_FDCWD, \"/dev/null\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC)");
        assertThat(calls).containsSubsequence(
                "$null_0 = open_tree(AT_FDCWD, \"/dev/null\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC)",
                "pivot_root(\".\", \".\")",
                "move_mount($null_0, \"\", AT_FDCWD, \"/proc/kcore\", MOVE_MOUNT_F_EMPTY_PATH) allowing ENOENT",
                "close($null_0)");
        assertThat(calls).noneMatch(c -> c.startsWith("mount(\"/dev/null\""));
    }

    @Test
    void aSymlinkLoopIsAnErrorNotAnOsFailure() throws Exception {
        Files.createSymbolicLink(rootfs.resolve("loop"), Path.of("/loop"));
        assertThatThrownBy(() -> RootfsPlan.prepare(spec(List.of(mount("/loop/x", "tmpfs", "tmpfs")), null), bundle,
                RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.mounts[0].destination: \"/loop/x\": /loop goes through too many symlinks (ELOOP)");
    }

    @Test
    void aMissingOrNonDirectoryRootIsAnErrorNamingRootPath() {
        Spec missing = Spec.builder().root(new Root("nope", false)).build();
        assertThatThrownBy(() -> RootfsPlan.prepare(missing, bundle, RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.root.path: \"nope\" is not a directory");
        Spec none = Spec.builder().build();
        assertThatThrownBy(() -> RootfsPlan.prepare(none, bundle, RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("$.root.path: is required");
        Spec host = Spec.builder().root(new Root("/", false)).build();
        assertThatThrownBy(() -> RootfsPlan.prepare(host, bundle, RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("the host's root directory");
    }

    @Test
    void unsupportedOptionsAndBadLinuxFieldsAreRejectedByName() {
        Spec spec = spec(List.of(mount("/a", "tmpfs", "tmpfs", "tmpcopyup"), mount("/b", "/x", "bind", "idmap")),
                Linux.builder().rootfsPropagation("sideways").maskedPaths(List.of("proc/kcore"))
                        .devices(List.of(new Linux.Device("c", "/opt/dev", 1L, 3L, null, null, null))).build());
        assertThatThrownBy(() -> RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class)
                .satisfies(e -> assertThat(((InvalidSpecException) e).errors()).extracting(Object::toString).contains(
                        "$.linux.rootfsPropagation: \"sideways\" must be one of shared, slave, private, unbindable, "
                                + "rshared, rslave, rprivate, runbindable",
                        "$.linux.devices[0].path: \"/opt/dev\" must be an absolute path under /dev (devices elsewhere are not supported)",
                        "$.mounts[0].options: [tmpcopyup] is not supported yet",
                        "$.mounts[1]: idmapped mounts are not supported yet",
                        "$.linux.maskedPaths[0]: \"proc/kcore\" is not absolute"));
    }

    @Test
    void theRuncDefaultSpecMountsDevOnceAndAddsTheDevicesRightAfterIt() throws Exception {
        List<String> calls = calls(render(OciSpecs.example(), RootfsOptions.defaults()));
        assertThat(calls.stream().filter(c -> c.contains("\"" + r + "/dev\", \"tmpfs\""))).hasSize(1);
        int dev = indexOf(calls, "mount(\"tmpfs\", \"" + r + "/dev\", \"tmpfs\", MS_NOSUID|MS_STRICTATIME, \"mode=755,size=65536k\")");
        assertThat(calls.get(dev + 1)).isEqualTo("$old_umask = umask(0)");
        assertThat(calls).containsSubsequence(
                "mkdirat(AT_FDCWD, \"" + r + "/dev/pts\", 0755) allowing EEXIST",
                "mount(\"devpts\", \"" + r + "/dev/pts\", \"devpts\", MS_NOSUID|MS_NOEXEC, \"newinstance,ptmxmode=0666,mode=0620,gid=5\")");
        assertThat(calls.stream().filter(c -> c.startsWith("mount(\"devpts\""))).hasSize(1);
    }

    @Test
    void inANewUserNamespaceDevicesAreHostNodesBoundOnEmptyFiles() throws Exception {
        List<String> calls = calls(render(spec(List.of(), null),
                RootfsOptions.defaults().newUserNamespace(true).ttyGroupMapped(false)));
        assertThat(calls).noneMatch(c -> c.startsWith("mknodat")).containsSubsequence(
                "$fd = openat(AT_FDCWD, \"" + r + "/dev/null\", O_WRONLY|O_CREAT|O_CLOEXEC, 00)",
                "close($fd)",
                "mount(\"/dev/null\", \"" + r + "/dev/null\", NULL, MS_BIND, NULL)");
        assertThat(calls).contains(
                "mount(\"devpts\", \"" + r + "/dev/pts\", \"devpts\", MS_NOSUID|MS_NOEXEC, \"newinstance,ptmxmode=0666,mode=0620\")");
    }

    @Test
    void withoutANewNetworkNamespaceSysfsIsAReadOnlyBindOfTheHostsSys() throws Exception {
        List<String> calls = calls(render(spec(List.of(mount("/sys", "sysfs", "sysfs", "ro", "nosuid")), null),
                RootfsOptions.defaults().newNetNamespace(false)));
        assertThat(calls).containsSubsequence(
                "mount(\"/sys\", \"" + r + "/sys\", NULL, MS_BIND|MS_REC, NULL)",
                "mount_setattr(AT_FDCWD, \"" + r + "/sys\", AT_RECURSIVE, &{attr_set=MOUNT_ATTR_RDONLY, attr_clr=0}, 32)");
        assertThat(calls).noneMatch(c -> c.contains("\"sysfs\""));
    }

    @Test
    void mountsBelowAnEarlierTmpfsGetTheirMountPointsFromTheChild() throws Exception {
        Files.writeString(bundle.resolve("conf"), "x");
        List<String> calls = calls(render(spec(List.of(mount("/run", "tmpfs", "tmpfs"),
                mount("/run/a/b", "tmpfs", "tmpfs"), mount("/run/conf", "conf", "bind")), null), RootfsOptions.defaults()));
        assertThat(calls).containsSubsequence(
                "mount(\"tmpfs\", \"" + r + "/run\", \"tmpfs\", 0, NULL)",
                "mkdirat(AT_FDCWD, \"" + r + "/run/a\", 0755) allowing EEXIST",
                "mkdirat(AT_FDCWD, \"" + r + "/run/a/b\", 0755) allowing EEXIST",
                "mount(\"tmpfs\", \"" + r + "/run/a/b\", \"tmpfs\", 0, NULL)",
                "$fd = openat(AT_FDCWD, \"" + r + "/run/conf\", O_WRONLY|O_CREAT|O_CLOEXEC, 0644)");
        assertThat(rootfs.resolve("run/a")).doesNotExist();
    }

    @Test
    void mountsBelowABindAreResolvedInsideTheBindSource() throws Exception {
        Path src = Files.createDirectories(bundle.resolve("src"));
        Files.createDirectories(src.resolve("inner"));
        Files.createSymbolicLink(src.resolve("link"), Path.of("/inner"));
        List<String> calls = calls(render(spec(List.of(mount("/src", "src", "bind"),
                mount("/src/link/x", "tmpfs", "tmpfs")), null), RootfsOptions.defaults()));
        assertThat(calls).contains("mount(\"tmpfs\", \"" + r + "/src/inner/x\", \"tmpfs\", 0, NULL)");
        assertThat(src.resolve("inner/x")).isDirectory();
    }

    @Test
    void theChrootFallbackMovesTheRootAndChroots() throws Exception {
        List<String> calls = calls(render(spec(List.of(), null), RootfsOptions.defaults().pivot(false)));
        assertThat(calls).containsSubsequence("chdir(\"" + r + "\")", "mount(\"" + r + "\", \"/\", NULL, MS_MOVE, NULL)",
                "chroot(\".\")", "chdir(\"/\")").noneMatch(c -> c.startsWith("pivot_root"));
    }

    @Test
    void makedevEncodesAsTheKernelDecodes() {
        assertThat(Devices.makedev(1, 3)).isEqualTo(0x103);
        assertThat(Devices.makedev(5, 0)).isEqualTo(0x500);
        // minor 300 = 0x12c: low byte in bits 0-7, the rest from bit 20
        assertThat(Devices.makedev(259, 300)).isEqualTo(0x2c | (259 << 8) | (0x100 << 12));
    }

    @Test
    void lockedFlagsTranslateStatfsBitsToMountFlags() {
        // ST_RDONLY|ST_NOSUID|ST_NODEV|ST_NOEXEC|ST_RELATIME: read-only is not a locked flag, and
        // ST_RELATIME (4096) becomes MS_RELATIME (1 << 21)
        assertThat(MountTable.lockedFlags(1 | 2 | 4 | 8 | 4096))
                .isEqualTo(dev.gatun.oci.MountOptions.MS_NOSUID | dev.gatun.oci.MountOptions.MS_NODEV
                        | dev.gatun.oci.MountOptions.MS_NOEXEC | dev.gatun.oci.MountOptions.MS_RELATIME);
        assertThat(MountTable.lockedFlags(1024 | 2048))
                .isEqualTo(dev.gatun.oci.MountOptions.MS_NOATIME | dev.gatun.oci.MountOptions.MS_NODIRATIME);
        assertThat(MountTable.lockedFlags(0)).isZero();
    }

    private static int indexOf(List<String> calls, String call) {
        int i = calls.indexOf(call);
        assertThat(i).as("%s in%n%s", call, String.join("\n", calls)).isNotNegative();
        return i;
    }
}
