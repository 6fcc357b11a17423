package dev.gatun.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The v1 driver against a fake hybrid cgroupfs shaped like the build machines'. */
class V1DriverTest {

    @TempDir
    Path tmp;

    FakeCgroupFs fs;
    CgroupLayout layout;

    @BeforeEach
    void hybridHost() throws IOException {
        fs = new FakeCgroupFs(tmp);
        hierarchy("memory", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes",
                "memory.usage_in_bytes", "memory.swappiness");
        Files.writeString(fs.hierarchy("sys/fs/cgroup/cpu", false, files("cpu.shares", "cpu.cfs_period_us",
                "cpu.cfs_quota_us"), Map.of()).resolve("cgroup.procs"), "");
        hierarchy("cpuacct", "cpuacct.usage");
        Map<String, String> cpuset = files("cpuset.cpus", "cpuset.mems");
        fs.hierarchy("sys/fs/cgroup/cpuset", false, cpuset,
                Map.of("cpuset.cpus", "0-1\n", "cpuset.mems", "0\n", "cgroup.procs", ""));
        hierarchy("pids", "pids.max");
        hierarchy("blkio", "blkio.bfq.weight", "blkio.throttle.read_bps_device");
        hierarchy("freezer", "freezer.state");
        hierarchy("devices", "devices.allow", "devices.deny");
        fs.existing(tmp.resolve("sys/fs/cgroup/memory/process_api/abc"));
        fs.writes.clear();
        String mountinfo = String.join("\n",
                "32 31 0:29 / " + tmp + "/sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
                "33 31 0:30 / " + tmp + "/sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
                "34 31 0:31 / " + tmp + "/sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset",
                "35 31 0:32 / " + tmp + "/sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
                "36 31 0:33 / " + tmp + "/sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices",
                "37 31 0:34 / " + tmp + "/sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer",
                "38 31 0:35 / " + tmp + "/sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio",
                "39 31 0:36 / " + tmp + "/sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids");
        layout = CgroupLayout.parse(mountinfo, "8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n"
                + "4:memory:/process_api/abc\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n");
    }

    private void hierarchy(String name, String... files) throws IOException {
        fs.hierarchy("sys/fs/cgroup/" + name, false, files(files), Map.of("cgroup.procs", ""));
    }

    private static Map<String, String> files(String... names) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cgroup.procs", "");
        for (String n : names) {
            m.put(n, "");
        }
        return m;
    }

    @Test
    void eachHierarchyGetsTheCgroupBeneathTheCallersOwn() throws IOException {
        Cgroup cgroup = Cgroups.create(fs, layout, CgroupsPath.parse(null), "c1", Resources.NONE, OnUnsupported.FAIL);

        assertThat(cgroup.version()).isEqualTo(CgroupVersion.V1);
        assertThat(cgroup.directories()).containsEntry("memory", tmp.resolve("sys/fs/cgroup/memory/process_api/abc/gatun-c1"))
                .containsEntry("pids", tmp.resolve("sys/fs/cgroup/pids/gatun-c1")).hasSize(8);
    }

    @Test
    void theDirectoriesNamedBeforeCreateAreTheOnesItMakes() throws IOException {
        for (String path : new String[] {null, "/apps/team/one", "relative/two"}) {
            java.util.Map<String, Path> planned = Cgroups.v1Directories(layout, CgroupsPath.parse(path), "c2");
            assertThat(planned.values()).as(path).noneSatisfy(d -> assertThat(d).exists());

            Cgroup cgroup = Cgroups.create(fs, layout, CgroupsPath.parse(path), "c2", Resources.NONE, OnUnsupported.FAIL);

            assertThat(planned).as(path).isEqualTo(cgroup.directories()).hasSize(8);
            assertThat(Cgroups.v1Planned(planned).directories()).isEqualTo(cgroup.directories());
            cgroup.delete();
        }
    }

    @Test
    void aParentThatAnotherContainerStillUsesStaysWhenTheOneThatMadeItIsDeleted() throws IOException {
        Cgroup first = Cgroups.create(fs, layout, CgroupsPath.parse("/apps/one"), "one", Resources.NONE, OnUnsupported.FAIL);
        Cgroup second = Cgroups.create(fs, layout, CgroupsPath.parse("/apps/two"), "two", Resources.NONE, OnUnsupported.FAIL);
        Path pidsParent = tmp.resolve("sys/fs/cgroup/pids/apps");

        first.delete(); // it made /apps, where the second still lives

        assertThat(first.directories().values()).allMatch(d -> !Files.exists(d));
        assertThat(pidsParent).isDirectory();
        assertThat(second.directories().values()).allMatch(Files::isDirectory);
        second.delete(); // /apps was there when it came: not its to remove
        assertThat(second.directories().values()).allMatch(d -> !Files.exists(d));
        assertThat(pidsParent).isDirectory();
    }

    @Test
    void theParentsAContainerMadeGoWithItWhenNothingElseLivesThere() throws IOException {
        Cgroup only = Cgroups.create(fs, layout, CgroupsPath.parse("/apps/team/one"), "one", Resources.NONE,
                OnUnsupported.FAIL);

        only.delete();

        assertThat(tmp.resolve("sys/fs/cgroup/pids/apps")).doesNotExist();
        assertThat(tmp.resolve("sys/fs/cgroup/memory/apps")).doesNotExist();
    }

    @Test
    void podmanFlagsBecomeTheV1FilesRuncWrites() throws IOException {
        Resources r = Resources.builder().memory("512m").memorySwap("1g").cpus(1.5).cpuShares(512)
                .pidsLimit(100).blkioWeight(500).build();

        Cgroups.create(fs, layout, CgroupsPath.parse("/x"), null, r, OnUnsupported.FAIL);

        assertThat(fs.writes).containsExactly(
                "sys/fs/cgroup/cpuset/x/cpuset.cpus=0-1", // a new v1 cpuset starts empty
                "sys/fs/cgroup/cpuset/x/cpuset.mems=0",
                "sys/fs/cgroup/memory/x/memory.memsw.limit_in_bytes=1073741824", // memsw first: limit ≤ memsw always
                "sys/fs/cgroup/memory/x/memory.limit_in_bytes=536870912",
                "sys/fs/cgroup/cpu/x/cpu.shares=512",
                "sys/fs/cgroup/cpu/x/cpu.cfs_period_us=100000",
                "sys/fs/cgroup/cpu/x/cpu.cfs_quota_us=150000",
                "sys/fs/cgroup/pids/x/pids.max=100",
                "sys/fs/cgroup/blkio/x/blkio.bfq.weight=500"); // only BFQ's weight exists here
    }

    @Test
    void loweringMemswBelowTheCurrentLimitLowersTheLimitFirst() throws IOException {
        Cgroup cgroup = Cgroups.create(fs, layout, CgroupsPath.parse("/x"), null,
                Resources.builder().memory("1g").memorySwap("2g").build(), OnUnsupported.FAIL);
        fs.writes.clear();

        cgroup.apply(Resources.builder().memory("256m").memorySwap("512m").build());

        assertThat(fs.writes).containsExactly("sys/fs/cgroup/memory/x/memory.limit_in_bytes=268435456",
                "sys/fs/cgroup/memory/x/memory.memsw.limit_in_bytes=536870912");
    }

    @Test
    void aLimitWithoutItsFileIsRefusedNamingItAndNothingRemains() throws IOException {
        Resources r = Resources.builder().pidsLimit(5).memory(new Resources.Memory(null, null, null, null, null, null,
                null, null, null, 1000L, null, null, null)).build();

        assertThatThrownBy(() -> Cgroups.create(fs, layout, CgroupsPath.parse("/y/z"), null, r, OnUnsupported.FAIL))
                .isInstanceOf(UnsupportedLimitException.class).hasMessageContaining("memory.high")
                .hasMessageContaining("sys/fs/cgroup/memory/y/z/memory.high");
        for (String h : new String[] {"memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "freezer", "devices"}) {
            assertThat(tmp.resolve("sys/fs/cgroup/" + h + "/y")).doesNotExist();
        }
    }

    @Test
    void deviceRulesAreWrittenInOrder() throws IOException {
        Resources r = Resources.builder().device(new Resources.DeviceRule(false, null, null, null, null))
                .device(new Resources.DeviceRule(true, "c", 1L, 3L, "rwm")).build();

        Cgroups.create(fs, layout, CgroupsPath.parse("/d"), null, r, OnUnsupported.FAIL);

        assertThat(fs.writesTo("devices.")).containsExactly("sys/fs/cgroup/devices/d/devices.deny=a *:* rwm",
                "sys/fs/cgroup/devices/d/devices.allow=c 1:3 rwm");
    }

    @Test
    void unifiedKeysAreUnsupportedOnV1UnlessDropped() throws IOException {
        Cgroup cgroup = Cgroups.create(fs, layout, CgroupsPath.parse("/u"), null,
                Resources.builder().unified("memory.high", "1").build(), OnUnsupported.DROP);

        assertThat(cgroup.droppedLimits()).singleElement().asString().startsWith("unified.memory.high");
    }
}
