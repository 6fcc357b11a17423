package dev.gatun.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes the maps of a {@code sleep} that {@code unshare --user} left waiting, unmapped, in a new
 * user namespace — the situation of a spawned container's child at its parent-sync step.
 */
@KernelTest
@Timeout(30)
class IdMapperKernelTest {

    private static final String SUBORDINATE = "root:100000:65536\n";

    // a field, so that it exists before the snapshot: the JDK opens /dev/urandom for its name once
    @TempDir
    Path dir;

    private HostSnapshot before;

    @BeforeEach
    void snapshot() {
        before = HostSnapshot.take();
    }

    @AfterEach
    void nothingLeftBehind() {
        Leaks.assertNoneSince(before);
    }

    private static List<String> map(long pid, String file) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), file)).stream()
                .map(l -> String.join(" ", Arrays.asList(l.strip().split("\\s+"))))
                .toList();
    }

    @Test
    void rootWritesSeveralRangesDirectlyToAProcessWaitingUnmapped() throws Exception {
        IdMappings m = new IdMappings(
                List.of(new IdMapping(0, 100000, 1000), new IdMapping(1000, 0, 1)),
                List.of(new IdMapping(0, 100000, 65536)),
                SetGroups.DENY);
        try (Unshared child = Unshared.start("--user")) {
            assertThat(map(child.pid(), "uid_map")).isEmpty();
            IdMapper.Plan plan = IdMapper.forCurrentProcess().apply(child.pid(), m);
            assertThat(plan.uidWriter()).isEqualTo(IdMapper.Writer.DIRECT);
            assertThat(map(child.pid(), "uid_map")).containsExactly("0 100000 1000", "1000 0 1");
            assertThat(map(child.pid(), "gid_map")).containsExactly("0 100000 65536");
            assertThat(map(child.pid(), "setgroups")).containsExactly("deny");
        }
    }

    @Test
    void aMapCanBeWrittenOnlyOnceAndTheSecondAttemptNamesTheFileAndTheErrno() throws Exception {
        try (Unshared child = Unshared.start("--user")) {
            IdMapper mapper = IdMapper.forCurrentProcess();
            mapper.apply(child.pid(), IdMappings.rootless(0, 0));
            assertThatThrownBy(() -> mapper.apply(child.pid(), IdMappings.rootless(0, 0)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("/proc/" + child.pid() + "/setgroups")
                    .hasMessageContaining("EPERM");
            assertThatThrownBy(() -> mapper.apply(child.pid(), IdMappings.rootless(0, 0).setgroups(SetGroups.ALLOW)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("write(\"/proc/" + child.pid() + "/uid_map\", \"0 0 1\")")
                    .hasMessageContaining("EPERM")
                    .hasMessageContaining("written once");
        }
    }

    /**
     * The helpers are the real setuid programs, run in a private mount namespace whose /etc is an
     * overlay adding {@code subuid}/{@code subgid} — so the host's /etc is never touched. The
     * mapper is told the caller has no capabilities, which makes it choose the helpers for
     * anything beyond its own id, as it would for an unprivileged user.
     */
    private static IdMapper helperMapper(Path dir, String subuidText) throws IOException {
        Kernel.require(Files.isExecutable(IdMapper.NEWUIDMAP) && Files.isExecutable(IdMapper.NEWGIDMAP),
                "needs /usr/bin/newuidmap and newgidmap (Debian package uidmap)");
        Kernel.require(Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n"),
                "needs overlayfs, to give the helpers a private /etc/subuid");
        Path upper = Files.createDirectories(dir.resolve("upper"));
        Files.createDirectories(dir.resolve("work"));
        Files.writeString(upper.resolve("subuid"), SUBORDINATE);
        Files.writeString(upper.resolve("subgid"), SUBORDINATE);
        Path uid = wrapper(dir, "newuidmap");
        Path gid = wrapper(dir, "newgidmap");
        Caller rootWithoutCaps = Caller.unprivileged("root", 0, 0);
        return IdMapper.of(rootWithoutCaps, SubordinateIds.parse("/etc/subuid", subuidText),
                        SubordinateIds.parse("/etc/subgid", subuidText))
                .helpers(uid, gid);
    }

    private static Path wrapper(Path dir, String helper) throws IOException {
        Path script = dir.resolve(helper);
        Files.writeString(script, "#!/bin/sh\n"
                + "exec unshare --mount --propagation private sh -c 'mount -t overlay overlay -o lowerdir=/etc,upperdir="
                + dir.resolve("upper") + ",workdir=" + dir.resolve("work") + " /etc && exec \"$0\" \"$@\"' /usr/bin/"
                + helper + " \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    @Test
    void newuidmapAndNewgidmapWriteTheCallersIdPlusItsSubordinateRange() throws Exception {
        IdMapper mapper = helperMapper(dir, SUBORDINATE);
        IdMappings m = new IdMappings(
                List.of(IdMapping.rootAs(0), new IdMapping(1, 100000, 65536)),
                List.of(IdMapping.rootAs(0), new IdMapping(1, 100000, 65536)),
                SetGroups.ALLOW);
        try (Unshared child = Unshared.start("--user")) {
            IdMapper.Plan plan = mapper.apply(child.pid(), m);
            assertThat(plan.uidWriter()).isEqualTo(IdMapper.Writer.HELPER);
            assertThat(plan.gidWriter()).isEqualTo(IdMapper.Writer.HELPER);
            assertThat(map(child.pid(), "uid_map")).containsExactly("0 0 1", "1 100000 65536");
            assertThat(map(child.pid(), "gid_map")).containsExactly("0 0 1", "1 100000 65536");
            // newgidmap allows setgroups because a range came from /etc/subgid, as the plan said
            assertThat(map(child.pid(), "setgroups")).containsExactly("allow");
        }
    }

    @Test
    void aRangeTheHelperRefusesFailsWithItsWordsAndTheCommand() throws Exception {
        // the mapper believes in a range that the helper's /etc/subuid does not grant
        IdMapper mapper = helperMapper(dir, "root:300000:10\n");
        IdMappings m = new IdMappings(List.of(new IdMapping(0, 300000, 10)), List.of(new IdMapping(0, 300000, 10)),
                SetGroups.ALLOW);
        try (Unshared child = Unshared.start("--user")) {
            assertThatThrownBy(() -> mapper.apply(child.pid(), m))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("newuidmap " + child.pid() + " 0 300000 10 exited with 1")
                    .hasMessageContaining("not allowed");
            assertThat(map(child.pid(), "uid_map")).isEmpty();
        }
    }
}
