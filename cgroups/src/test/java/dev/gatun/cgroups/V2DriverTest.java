package dev.gatun.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The v2 driver against a fake unified cgroupfs: exactly which files receive which values. */
class V2DriverTest {

    @TempDir
    Path tmp;

    FakeCgroupFs fs;
    Path mount;
    CgroupLayout layout;

    @BeforeEach
    void unifiedHost() throws IOException {
        fs = new FakeCgroupFs(tmp);
        Map<String, String> child = new LinkedHashMap<>();
        for (String f : new String[] {"cgroup.procs", "cgroup.freeze", "cgroup.kill", "memory.max", "memory.swap.max",
                "memory.low", "memory.high", "memory.min", "memory.oom.group", "cpu.max", "cpu.weight",
                "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems", "pids.max", "io.weight", "io.max",
                "hugetlb.2MB.max", "rdma.max"}) {
            child.put(f, "");
        }
        child.put("cgroup.events", "populated 0\nfrozen 0\n");
        child.put("memory.current", "4096\n");
        child.put("memory.events", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n");
        child.put("cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_throttled 7\nthrottled_usec 90\n");
        mount = fs.hierarchy("sys/fs/cgroup", true, child, Map.of(
                "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n",
                "cgroup.subtree_control", "", "cgroup.procs", ""));
        fs.existing(mount.resolve("jvm"));
        fs.writes.clear();
        layout = CgroupLayout.unified(mount, "/jvm");
    }

    private Cgroup create(String path, Resources r) throws IOException {
        return Cgroups.create(fs, layout, CgroupsPath.parse(path), "c1", r, OnUnsupported.FAIL);
    }

    @Test
    void noDirectoriesAreNamedBeforeCreateOnV2() {
        // the clone opens the one directory: it must exist first, so there is nothing to plan from
        assertThat(Cgroups.v1Directories(layout, CgroupsPath.parse("/apps/one"), "one")).isEmpty();
    }

    @Test
    void podmanFlagsBecomeTheV2FilesCrunWrites() throws IOException {
        // podman run --memory=512m --memory-swap=512m --cpus=1.5 --cpu-shares=512 --pids-limit=100 --blkio-weight=500
        Resources r = Resources.builder().memory("512m").memorySwap("512m").cpus(1.5).cpuShares(512)
                .pidsLimit(100).blkioWeight(500).build();

        Cgroup cgroup = create(null, r);

        assertThat(cgroup.directories()).containsExactly(Map.entry("", mount.resolve("jvm/gatun-c1")));
        assertThat(fs.writes).containsExactly(
                "sys/fs/cgroup/cgroup.subtree_control=+memory +pids +cpu +io",
                "sys/fs/cgroup/jvm/cgroup.subtree_control=+memory +pids +cpu +io",
                "sys/fs/cgroup/jvm/gatun-c1/memory.max=536870912",
                "sys/fs/cgroup/jvm/gatun-c1/memory.swap.max=0", // OCI swap is memory+swap: no swap at all
                "sys/fs/cgroup/jvm/gatun-c1/cpu.weight=59",
                "sys/fs/cgroup/jvm/gatun-c1/cpu.max=150000 100000",
                "sys/fs/cgroup/jvm/gatun-c1/pids.max=100",
                "sys/fs/cgroup/jvm/gatun-c1/io.weight=default 4950");
    }

    @Test
    void missingParentsAreCreatedAndRemovedWithTheCgroup() throws IOException {
        Cgroup cgroup = create("a/b", Resources.builder().pidsLimit(5).build());

        assertThat(mount.resolve("jvm/a/b/pids.max")).content().isEqualTo("5");
        cgroup.delete();

        assertThat(mount.resolve("jvm/a")).doesNotExist();
        assertThat(mount.resolve("jvm")).isDirectory();
    }

    @Test
    void deleteRemovesTheSubCgroupsTheContainerMadeDeepestFirst() throws IOException {
        Cgroup cgroup = create(null, Resources.builder().build());
        Path dir = cgroup.directories().get("");
        fs.mkdir(dir.resolve("system.slice"));
        fs.mkdir(dir.resolve("system.slice/init.scope"));
        fs.mkdir(dir.resolve("empty.slice"));

        cgroup.delete();

        assertThat(dir).doesNotExist();
        assertThat(mount.resolve("jvm")).isDirectory();
    }

    @Test
    void destroyKillsThroughCgroupKillAndRemovesTheTree() throws IOException {
        Path dir = fs.existing(mount.resolve("jvm/gatun-jvm-1-2"));
        fs.mkdir(dir.resolve("gatun-a"));
        fs.mkdir(dir.resolve("gatun-a/sub"));

        assertThat(CgroupTree.destroy(fs, dir)).containsExactly(dir.resolve("gatun-a/sub"), dir.resolve("gatun-a"), dir);

        assertThat(fs.writesTo("gatun-jvm-1-2")).containsExactly("sys/fs/cgroup/jvm/gatun-jvm-1-2/cgroup.kill=1");
        assertThat(dir).doesNotExist();
    }

    @Test
    void zeroPidsLimitIsWrittenAsOne() throws IOException {
        create("/p0", Resources.builder().pidsLimit(0).build());

        assertThat(fs.writesTo("p0/pids.max")).containsExactly("sys/fs/cgroup/p0/pids.max=1");
    }

    @Test
    void unlimitedValuesAreWrittenAsMax() throws IOException {
        create("/u", Resources.builder().memoryLimit(-1).pidsLimit(-1)
                .cpu(new Resources.Cpu(null, -1L, 50_000L, null, null, null, null, null, null)).build());

        assertThat(fs.writesTo("/u/")).containsExactly("sys/fs/cgroup/u/memory.max=max",
                "sys/fs/cgroup/u/memory.swap.max=max", "sys/fs/cgroup/u/cpu.max=max 50000",
                "sys/fs/cgroup/u/pids.max=max");
    }

    @Test
    void swapAboveMemoryLeavesTheDifferenceAsV2Swap() throws IOException {
        create("/s", Resources.builder().memory("64m").memorySwap("96m").build());

        assertThat(fs.writesTo("swap")).containsExactly("sys/fs/cgroup/s/memory.swap.max=33554432");
    }

    @Test
    void reservationBecomesMemoryLowAndV2OnlyKnobsAreWritten() throws IOException {
        Resources r = Resources.builder().memory(new Resources.Memory(null, 1000L, null, null, null, null, null, null,
                null, 5000L, null, 10L, true)).build();

        create("/m", r);

        assertThat(fs.writesTo("/m/")).containsExactly("sys/fs/cgroup/m/memory.low=1000",
                "sys/fs/cgroup/m/memory.high=5000", "sys/fs/cgroup/m/memory.min=10",
                "sys/fs/cgroup/m/memory.oom.group=1");
    }

    @Test
    void throttlesHugepagesRdmaAndUnifiedKeysGoToTheirFiles() throws IOException {
        Resources r = Resources.builder()
                .blockIo(new Resources.BlockIo(null, null, null,
                        java.util.List.of(new Resources.ThrottleDevice(8, 0, 1_048_576)), null, null,
                        java.util.List.of(new Resources.ThrottleDevice(8, 0, 100))))
                .hugepageLimit("2MB", 4 << 20).rdma("mlx5_0", new Resources.Rdma(3, null))
                .unified("memory.high", "123456").build();

        create("/t", r);

        assertThat(fs.writesTo("/t/")).containsExactly("sys/fs/cgroup/t/io.max=8:0 rbps=1048576",
                "sys/fs/cgroup/t/io.max=8:0 wiops=100", "sys/fs/cgroup/t/hugetlb.2MB.max=4194304",
                "sys/fs/cgroup/t/rdma.max=mlx5_0 hca_handle=3 hca_object=max", "sys/fs/cgroup/t/memory.high=123456");
    }

    @Test
    void aLimitTheHostCannotEnforceFailsNamingTheFileAndRemovesTheCgroup() throws IOException {
        Resources r = Resources.builder().pidsLimit(10).cpu(new Resources.Cpu(null, null, null, null, 950_000L,
                null, null, null, null)).build();

        assertThatThrownBy(() -> create("/rt", r))
                .isInstanceOf(UnsupportedLimitException.class)
                .hasMessageContaining("cpu.realtimeRuntime").hasMessageContaining("cpu.rt_runtime_us");
        assertThat(mount.resolve("rt")).doesNotExist();
    }

    @Test
    void droppingUnsupportedLimitsAppliesTheRestAndListsTheDropped() throws IOException {
        Files.delete(tmp.resolve("sys/fs/cgroup/cgroup.controllers"));
        Files.writeString(tmp.resolve("sys/fs/cgroup/cgroup.controllers"), "memory pids\n"); // no io here

        Cgroup cgroup = Cgroups.create(fs, layout, CgroupsPath.parse("/d"), null,
                Resources.builder().pidsLimit(7).blkioWeight(100).build(), OnUnsupported.DROP);

        assertThat(fs.writesTo("/d/")).containsExactly("sys/fs/cgroup/d/pids.max=7");
        assertThat(cgroup.droppedLimits()).singleElement().asString()
                .startsWith("blockIO.weight: io.weight").contains("controller is not available");
    }

    @Test
    void anExistingCgroupIsNeverTakenOverNorRemoved() throws IOException {
        fs.existing(mount.resolve("jvm/gatun-c1"));

        assertThatThrownBy(() -> create(null, Resources.NONE)).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("does not take over");
        assertThat(mount.resolve("jvm/gatun-c1")).isDirectory();
    }

    @Test
    void eventsAndStatsAreReadFromTheirFiles() throws IOException {
        Cgroup cgroup = create("/e", Resources.NONE);

        assertThat(cgroup.events()).isEqualTo(new CgroupEvents(false, false, 2, 1, -1));
        CgroupStats stats = cgroup.stats();
        assertThat(stats.memoryBytes()).isEqualTo(4096);
        assertThat(stats.cpuUsageMicros()).isEqualTo(1500);
        assertThat(stats.cpuThrottledPeriods()).isEqualTo(7);
        assertThat(stats.pids()).isEqualTo(-1);
    }

    @Test
    void aWatchReportsEachChangeOfTheEventCountersAndEndsWhenTheCgroupGoes() throws Exception {
        Cgroup cgroup = create("/w", Resources.NONE);
        java.util.concurrent.BlockingQueue<CgroupEvents> seen = new java.util.concurrent.LinkedBlockingQueue<>();

        try (EventWatch watch = cgroup.watch(java.time.Duration.ofMillis(5), (old, now) -> seen.add(now))) {
            Files.writeString(mount.resolve("w/memory.events"), "oom 3\noom_kill 2\n");
            assertThat(seen.poll(5, java.util.concurrent.TimeUnit.SECONDS))
                    .isEqualTo(new CgroupEvents(false, false, 3, 2, -1));
            Files.writeString(mount.resolve("w/cgroup.events"), "populated 1\nfrozen 0\n");
            assertThat(seen.poll(5, java.util.concurrent.TimeUnit.SECONDS).populated()).isTrue();

            fs.rmdir(mount.resolve("w"));
            for (int i = 0; i < 500 && watch.failure().isEmpty(); i++) {
                Thread.sleep(10);
            }
            assertThat(watch.failure()).get().isInstanceOf(java.nio.file.NoSuchFileException.class);
        }
    }

    @Test
    void systemdPathsAreAClearError() {
        assertThatThrownBy(() -> create("system.slice:gatun:c1", Resources.NONE))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("systemd cgroup driver");
    }
}
