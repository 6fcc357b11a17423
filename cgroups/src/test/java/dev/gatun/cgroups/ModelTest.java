package dev.gatun.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Values as people write them, the OCI conversions, layouts and cgroupsPath forms. */
class ModelTest {

    @Test
    void sizesAreReadTheWayPodmanReadsThem() {
        assertThat(ByteSize.parse("m", "512m")).isEqualTo(512L << 20);
        assertThat(ByteSize.parse("m", "1.5g")).isEqualTo(3L << 29);
        assertThat(ByteSize.parse("m", "64MiB")).isEqualTo(64L << 20);
        assertThat(ByteSize.parse("m", "100kb")).isEqualTo(102_400);
        assertThat(ByteSize.parse("m", "4096")).isEqualTo(4096);
        assertThat(ByteSize.parse("m", "-1")).isEqualTo(-1);
        assertThatThrownBy(() -> ByteSize.parse("memory.limit", "lots")).isInstanceOf(InvalidResourceException.class)
                .hasMessage("memory.limit: invalid value \"lots\": expected a size such as 512m or 1.5g");
    }

    @Test
    void cpusBecomeQuotaOverTheDefaultPeriod() {
        Resources.Cpu cpu = Resources.builder().cpus(0.5).build().cpu();

        assertThat(cpu.quota()).isEqualTo(50_000);
        assertThat(cpu.period()).isEqualTo(100_000);
    }

    @Test
    void sharesMapToWeightThroughTheThreeLandmarks() {
        assertThat(Resources.Cpu.weightOf(2)).isEqualTo(1);
        assertThat(Resources.Cpu.weightOf(1024)).isEqualTo(100);
        assertThat(Resources.Cpu.weightOf(262_144)).isEqualTo(10_000);
        assertThat(Resources.Cpu.weightOf(512)).isEqualTo(59);
        assertThat(Resources.Cpu.weightOf(0)).isZero();
    }

    @Test
    void blkioWeightMapsOntoTheIoWeightRange() {
        assertThat(Resources.BlockIo.ioWeightOf(10)).isEqualTo(1);
        assertThat(Resources.BlockIo.ioWeightOf(1000)).isEqualTo(10_000);
        assertThat(Resources.BlockIo.ioWeightOf(500)).isEqualTo(4950);
    }

    @Test
    void swapBelowMemoryIsRefusedNamingTheField() {
        assertThatThrownBy(() -> Resources.builder().memory("1g").memorySwap("512m").build())
                .isInstanceOf(InvalidResourceException.class).hasMessageStartingWith("memory.swap:");
        assertThat(V2Memory.swapMax(null, -1L)).isEqualTo("max"); // unlimited memory, swap unset: both unlimited
        assertThat(V2Memory.swapMax(null, 100L)).isNull();
        assertThatThrownBy(() -> V2Memory.swapMax(200L, null)).hasMessageContaining("without a memory limit");
    }

    @Test
    void theBuildMachinesLayoutIsHybrid() {
        CgroupLayout layout = CgroupLayout.parse("""
                31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
                32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
                35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
                40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
                41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
                """, "9:name=systemd:/\n4:memory:/process_api/9ad\n1:cpu:/\n0::/\n");

        assertThat(layout.mode()).isEqualTo(CgroupLayout.Mode.HYBRID);
        assertThat(layout.version()).isEqualTo(CgroupVersion.V1);
        assertThat(layout.ownPath("memory")).isEqualTo("/process_api/9ad");
        assertThat(layout.toString()).isEqualTo("""
                cgroup layout: hybrid
                  cgroup2 /sys/fs/cgroup/unified  (self: /)
                  cpu /sys/fs/cgroup/cpu  (self: /)
                  memory /sys/fs/cgroup/memory  (self: /process_api/9ad)
                  name=systemd /sys/fs/cgroup/systemd  (self: /)""");
    }

    @Test
    void aPureV2HostIsUnifiedAndOneWithoutCgroup2IsLegacy() {
        CgroupLayout unified = CgroupLayout.parse(
                "25 20 0:23 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n", "0::/user.slice/a\n");
        CgroupLayout legacy = CgroupLayout.parse(
                "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n", "1:cpu,cpuacct:/x\n");

        assertThat(unified.mode()).isEqualTo(CgroupLayout.Mode.UNIFIED);
        assertThat(unified.unifiedMount()).contains(Path.of("/sys/fs/cgroup"));
        assertThat(unified.ownPath("memory")).isEqualTo("/user.slice/a");
        assertThat(legacy.mode()).isEqualTo(CgroupLayout.Mode.LEGACY);
        assertThat(legacy.v1Mounts()).containsEntry("cpuacct", Path.of("/sys/fs/cgroup/cpu,cpuacct"));
    }

    @Test
    void cgroupsPathsResolveAbsoluteRelativeAndDefault() {
        assertThat(CgroupsPath.parse("/a/b").resolve("/own", "c")).isEqualTo("/a/b");
        assertThat(CgroupsPath.parse("a/b").resolve("/own", "c")).isEqualTo("/own/a/b");
        assertThat(CgroupsPath.parse(null).resolve("/own", "c")).isEqualTo("/own/gatun-c");
        assertThat(CgroupsPath.parse("").resolve("/", "c")).isEqualTo("/gatun-c");
        assertThatThrownBy(() -> CgroupsPath.parse("/a/../b")).isInstanceOf(InvalidResourceException.class)
                .hasMessageStartingWith("cgroupsPath:");
    }

    @Test
    void theSystemdFormIsParsedButNotResolved() {
        CgroupsPath path = CgroupsPath.parse("system.slice:gatun:abc");

        assertThat(path.systemd()).isEqualTo(new CgroupsPath.Systemd("system.slice", "gatun", "abc"));
        assertThat(path.systemd().unit()).isEqualTo("gatun-abc.scope");
        assertThatThrownBy(() -> path.resolve("/", "abc")).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("systemd cgroup driver (D-Bus)");
    }
}
