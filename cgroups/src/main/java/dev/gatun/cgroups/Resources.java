package dev.gatun.cgroups;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a cgroup may consume: the values of the OCI runtime spec's {@code linux.resources}, in the
 * OCI's own units and meanings (cgroup v1 shapes), plus the v2-only memory knobs.
 *
 * <p><b>Mapping.</b> Every field of OCI {@code LinuxResources} has a place here, under its OCI name:
 * {@code memory.*} → {@link Memory}, {@code cpu.*} (including {@code cpus}/{@code mems}) →
 * {@link Cpu}, {@code pids.limit} → {@link Pids}, {@code blockIO.*} → {@link BlockIo},
 * {@code hugepageLimits} → {@link HugepageLimit}, {@code rdma} → {@link Rdma},
 * {@code network} → {@link Network}, {@code devices} → {@link DeviceRule}, {@code unified} →
 * {@link #unified()}. Each record's javadoc names the control file each field becomes on v1 and on
 * v2 and the conversion, if any (shares → weight, blkio weight → io weight, OCI swap = memory+swap
 * → v2 swap alone, pids 0 → 1, -1 → "max").
 *
 * <p><b>Null rule.</b> A {@code null} component means "not set: leave the file alone". The
 * component records and lists are never null in a built value (empty when unset). A record is
 * immutable and thread-safe; {@link Builder} is not.
 *
 * <p><b>Not here.</b> The systemd driver's unit properties; v2 device rules (on v2 the kernel
 * enforces devices through an eBPF program, which {@code core} attaches: the v2 driver leaves
 * {@link #devices()} to it).
 *
 * <p>Command-line equivalents ({@code podman run}): {@link Builder#memory(String) --memory},
 * {@link Builder#memorySwap(String) --memory-swap}, {@link Builder#cpus(double) --cpus},
 * {@link Builder#cpuShares(long) --cpu-shares}, {@link Builder#pidsLimit(long) --pids-limit},
 * {@link Builder#blkioWeight(int) --blkio-weight}.
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#control-groups">OCI: control groups</a>
 */
public record Resources(
        Memory memory,
        Cpu cpu,
        Pids pids,
        BlockIo blockIo,
        List<HugepageLimit> hugepageLimits,
        Map<String, Rdma> rdma,
        Network network,
        List<DeviceRule> devices,
        Map<String, String> unified) {

    // declared first: NONE is built from it
    private static final Resources NONE_PARTS =
            new Resources(null, null, null, null, null, null, null, null, null);

    /** No limits at all. */
    public static final Resources NONE = builder().build();

    public Resources {
        memory = memory == null ? Memory.NONE : memory;
        cpu = cpu == null ? Cpu.NONE : cpu;
        pids = pids == null ? Pids.NONE : pids;
        blockIo = blockIo == null ? BlockIo.NONE : blockIo;
        hugepageLimits = hugepageLimits == null ? List.of() : List.copyOf(hugepageLimits);
        rdma = rdma == null ? Map.of() : Map.copyOf(rdma);
        network = network == null ? Network.NONE : network;
        devices = devices == null ? List.of() : List.copyOf(devices);
        unified = unified == null ? Map.of() : Map.copyOf(unified);
    }

    /** A builder with nothing set. */
    public static Builder builder() {
        return new Builder(NONE_PARTS);
    }

    /** A builder that starts from this value (for a live update that changes one limit). */
    public Builder rebuild() {
        return new Builder(this);
    }

    /**
     * OCI {@code memory}. Bytes; -1 means unlimited ("max").
     *
     * @param limit OCI {@code limit}: v1 {@code memory.limit_in_bytes}, v2 {@code memory.max}
     * @param reservation OCI {@code reservation}: v1 {@code memory.soft_limit_in_bytes}, v2
     *     {@code memory.low} (as runc and crun do)
     * @param swap OCI {@code swap}, which is memory <em>plus</em> swap: v1
     *     {@code memory.memsw.limit_in_bytes} as is; v2 {@code memory.swap.max} = swap − limit
     *     (v2 counts swap alone)
     * @param kernel OCI {@code kernel} (deprecated by the kernel): v1
     *     {@code memory.kmem.limit_in_bytes}; v2 has none
     * @param kernelTcp OCI {@code kernelTCP}: v1 {@code memory.kmem.tcp.limit_in_bytes}; v2 none
     * @param swappiness OCI {@code swappiness} (0-100): v1 {@code memory.swappiness}; v2 none
     * @param disableOomKiller OCI {@code disableOOMKiller}: v1 {@code memory.oom_control}; v2 none
     * @param useHierarchy OCI {@code useHierarchy}: v1 {@code memory.use_hierarchy}; v2 always on
     * @param checkBeforeUpdate OCI {@code checkBeforeUpdate}: refuse a limit below current usage
     * @param high v2 {@code memory.high} (not in OCI's typed fields; OCI puts it in unified)
     * @param low v2 {@code memory.low}, wins over {@code reservation}
     * @param min v2 {@code memory.min}
     * @param oomGroup v2 {@code memory.oom.group}: the OOM killer kills the whole cgroup
     */
    public record Memory(Long limit, Long reservation, Long swap, Long kernel, Long kernelTcp,
            Long swappiness, Boolean disableOomKiller, Boolean useHierarchy, Boolean checkBeforeUpdate,
            Long high, Long low, Long min, Boolean oomGroup) {
        /** Nothing set. */
        public static final Memory NONE =
                new Memory(null, null, null, null, null, null, null, null, null, null, null, null, null);

        boolean isEmpty() {
            return equals(NONE);
        }
    }

    /**
     * OCI {@code cpu}.
     *
     * @param shares OCI {@code shares} (2-262144, default 1024): v1 {@code cpu.shares}; v2
     *     {@code cpu.weight} by the conversion crun and runc use since 2025 (1024 → 100, 2 → 1,
     *     262144 → 10000; see {@link #weightOf(long)})
     * @param quota OCI {@code quota} in µs per period, -1 unlimited: v1 {@code cpu.cfs_quota_us};
     *     v2 first half of {@code cpu.max}
     * @param period OCI {@code period} in µs: v1 {@code cpu.cfs_period_us}; v2 second half of
     *     {@code cpu.max}
     * @param burst OCI {@code burst} in µs: v1 {@code cpu.cfs_burst_us}; v2 {@code cpu.max.burst}
     * @param realtimeRuntime OCI {@code realtimeRuntime}: v1 {@code cpu.rt_runtime_us}; v2 none
     * @param realtimePeriod OCI {@code realtimePeriod}: v1 {@code cpu.rt_period_us}; v2 none
     * @param cpus OCI {@code cpus} ("0-3,7"): {@code cpuset.cpus} on both
     * @param mems OCI {@code mems}: {@code cpuset.mems} on both
     * @param idle OCI {@code idle} (0 or 1): {@code cpu.idle} on both
     */
    public record Cpu(Long shares, Long quota, Long period, Long burst, Long realtimeRuntime,
            Long realtimePeriod, String cpus, String mems, Long idle) {
        /** Nothing set. */
        public static final Cpu NONE = new Cpu(null, null, null, null, null, null, null, null, null);

        /** The CFS period the kernel uses when none is given: 100 ms. */
        public static final long DEFAULT_PERIOD = 100_000;

        /**
         * The v2 {@code cpu.weight} for v1 {@code shares}: 0 stays 0 (unset), then
         * {@code ceil(10^((l² + 125 l) / 612 − 7/34))} with {@code l = log2(shares)}, clamped to
         * 1-10000. Why not linear: the old linear map sent the v1 default 1024 to 39, below the v2
         * default 100, so every container lost to host processes; this curve maps the three
         * landmarks (2, 1024, 262144) to (1, 100, 10000), as crun 1.23 and runc 1.3.2 do.
         */
        public static long weightOf(long shares) {
            if (shares == 0) {
                return 0;
            }
            if (shares <= 2) {
                return 1;
            }
            if (shares >= 262_144) {
                return 10_000;
            }
            double l = Math.log(shares) / Math.log(2);
            double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
            return (long) Math.ceil(Math.pow(10, exponent) - 1e-9);
        }

        boolean isEmpty() {
            return equals(NONE);
        }
    }

    /**
     * OCI {@code pids}.
     *
     * @param limit OCI {@code limit}: {@code pids.max} on both; negative → "max"; 0 → "1" (see the
     *     v2 driver: systemd cannot express 0 and runc maps it to 1 in both drivers so they agree)
     */
    public record Pids(Long limit) {
        /** Nothing set. */
        public static final Pids NONE = new Pids(null);
    }

    /**
     * OCI {@code blockIO}.
     *
     * @param weight OCI {@code weight} (10-1000): v1 {@code blkio.weight} or, where only BFQ
     *     provides it, {@code blkio.bfq.weight}; v2 {@code io.weight} "default N" with
     *     N = 1 + (weight − 10) × 9999 / 990 (maps 10-1000 onto 1-10000)
     * @param leafWeight OCI {@code leafWeight}: v1 {@code blkio.leaf_weight}; v2 none
     * @param weightDevices OCI {@code weightDevice}: v1 {@code blkio.weight_device}; v2
     *     {@code io.weight} "major:minor N" (converted as above)
     * @param throttleReadBps OCI {@code throttleReadBpsDevice}: v1
     *     {@code blkio.throttle.read_bps_device}; v2 {@code io.max} "major:minor rbps=N"
     * @param throttleWriteBps OCI {@code throttleWriteBpsDevice}: ... {@code wbps}
     * @param throttleReadIops OCI {@code throttleReadIOPSDevice}: ... {@code riops}
     * @param throttleWriteIops OCI {@code throttleWriteIOPSDevice}: ... {@code wiops}
     */
    public record BlockIo(Integer weight, Integer leafWeight, List<WeightDevice> weightDevices,
            List<ThrottleDevice> throttleReadBps, List<ThrottleDevice> throttleWriteBps,
            List<ThrottleDevice> throttleReadIops, List<ThrottleDevice> throttleWriteIops) {
        /** Nothing set. */
        public static final BlockIo NONE = new BlockIo(null, null, null, null, null, null, null);

        public BlockIo {
            weightDevices = weightDevices == null ? List.of() : List.copyOf(weightDevices);
            throttleReadBps = throttleReadBps == null ? List.of() : List.copyOf(throttleReadBps);
            throttleWriteBps = throttleWriteBps == null ? List.of() : List.copyOf(throttleWriteBps);
            throttleReadIops = throttleReadIops == null ? List.of() : List.copyOf(throttleReadIops);
            throttleWriteIops = throttleWriteIops == null ? List.of() : List.copyOf(throttleWriteIops);
        }

        /** v2 {@code io.weight} for a v1 blkio weight: 0 stays 0 (unset), 10-1000 → 1-10000. */
        public static long ioWeightOf(long blkioWeight) {
            return blkioWeight == 0 ? 0 : 1 + (blkioWeight - 10) * 9999 / 990;
        }

        boolean isEmpty() {
            return equals(NONE);
        }
    }

    /** OCI {@code blockIO.weightDevice[]}: a per-device weight (and v1 leaf weight). */
    public record WeightDevice(long major, long minor, Integer weight, Integer leafWeight) {}

    /** OCI {@code blockIO.throttle*Device[]}: a per-device rate, bytes or operations per second. */
    public record ThrottleDevice(long major, long minor, long rate) {}

    /**
     * OCI {@code hugepageLimits[]}: v1 {@code hugetlb.<size>.limit_in_bytes}, v2
     * {@code hugetlb.<size>.max}.
     *
     * @param pageSize as the kernel names it: "2MB", "1GB"
     * @param limit bytes
     */
    public record HugepageLimit(String pageSize, long limit) {
        public HugepageLimit {
            Objects.requireNonNull(pageSize, "pageSize");
        }
    }

    /**
     * OCI {@code rdma.<device>}: {@code rdma.max} "device hca_handle=N hca_object=M" on both.
     *
     * @param hcaHandles maximum HCA handles, null for "max"
     * @param hcaObjects maximum HCA objects, null for "max"
     */
    public record Rdma(Integer hcaHandles, Integer hcaObjects) {}

    /**
     * OCI {@code network}: v1 only ({@code net_cls.classid}, {@code net_prio.ifpriomap}); v2 has no
     * such controller (use eBPF), so on v2 it is unsupported.
     *
     * @param classId the class id, null when unset
     * @param priorities interface name → priority
     */
    public record Network(Long classId, List<InterfacePriority> priorities) {
        /** Nothing set. */
        public static final Network NONE = new Network(null, null);

        public Network {
            priorities = priorities == null ? List.of() : List.copyOf(priorities);
        }

        boolean isEmpty() {
            return equals(NONE);
        }
    }

    /** OCI {@code network.priorities[]}. */
    public record InterfacePriority(String name, int priority) {}

    /**
     * OCI {@code devices[]}: v1 {@code devices.allow}/{@code devices.deny} as
     * "type major:minor access", a null major or minor written as "*"; v2: left to core's eBPF
     * program.
     *
     * @param allow allow or deny
     * @param type "a", "b" or "c"; null means "a"
     * @param major null for any
     * @param minor null for any
     * @param access a subset of "rwm"; null means "rwm"
     */
    public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {
        /** The rule as {@code devices.allow} / {@code devices.deny} take it. */
        public String toV1() {
            return (type == null ? "a" : type) + " " + (major == null ? "*" : major) + ":"
                    + (minor == null ? "*" : minor) + " " + (access == null ? "rwm" : access);
        }
    }

    /**
     * Builds a {@link Resources}. Setters validate at once and name the field; the one-call
     * equivalents of podman's flags sit beside the OCI-shaped setters. Not thread-safe.
     */
    public static final class Builder {
        private Memory memory;
        private Cpu cpu;
        private Pids pids;
        private BlockIo blockIo;
        private final List<HugepageLimit> hugepageLimits;
        private final Map<String, Rdma> rdma;
        private Network network;
        private final List<DeviceRule> devices;
        private final Map<String, String> unified;

        private Builder(Resources from) {
            memory = from.memory;
            cpu = from.cpu;
            pids = from.pids;
            blockIo = from.blockIo;
            hugepageLimits = new ArrayList<>(from.hugepageLimits);
            rdma = new LinkedHashMap<>(from.rdma);
            network = from.network;
            devices = new ArrayList<>(from.devices);
            unified = new LinkedHashMap<>(from.unified);
        }

        /** Replaces the whole OCI {@code memory} object. */
        public Builder memory(Memory value) {
            memory = Objects.requireNonNull(value, "memory");
            return this;
        }

        /** Replaces the whole OCI {@code cpu} object. */
        public Builder cpu(Cpu value) {
            cpu = Objects.requireNonNull(value, "cpu");
            return this;
        }

        /** Replaces the whole OCI {@code blockIO} object. */
        public Builder blockIo(BlockIo value) {
            blockIo = Objects.requireNonNull(value, "blockIO");
            return this;
        }

        /** Replaces the OCI {@code network} object. */
        public Builder network(Network value) {
            network = Objects.requireNonNull(value, "network");
            return this;
        }

        /** {@code podman run --memory=512m}: the memory limit, as a size or -1. */
        public Builder memory(String size) {
            return memoryLimit(ByteSize.parse("memory.limit", size));
        }

        /** OCI {@code memory.limit} in bytes, -1 unlimited. */
        public Builder memoryLimit(long bytes) {
            positiveOrUnlimited("memory.limit", bytes);
            memory = withMemory(bytes, memory.swap());
            return this;
        }

        /**
         * {@code podman run --memory-swap=1g}: memory <em>plus</em> swap (OCI {@code memory.swap});
         * equal to the memory limit means no swap; -1 unlimited swap.
         */
        public Builder memorySwap(String size) {
            long bytes = ByteSize.parse("memory.swap", size);
            positiveOrUnlimited("memory.swap", bytes);
            memory = withMemory(memory.limit(), bytes);
            return this;
        }

        private Memory withMemory(Long limit, Long swap) {
            Memory m = memory;
            return new Memory(limit, m.reservation(), swap, m.kernel(), m.kernelTcp(), m.swappiness(),
                    m.disableOomKiller(), m.useHierarchy(), m.checkBeforeUpdate(), m.high(), m.low(),
                    m.min(), m.oomGroup());
        }

        /**
         * {@code podman run --cpus=1.5}: quota = cpus × period with the default 100 ms period
         * (150000 100000 here).
         */
        public Builder cpus(double cpus) {
            if (!(cpus > 0) || cpus > 100_000) {
                throw new InvalidResourceException("cpus", String.valueOf(cpus), "a number of CPUs > 0");
            }
            long period = cpu.period() != null ? cpu.period() : Cpu.DEFAULT_PERIOD;
            long quota = Math.round(cpus * period);
            Cpu c = cpu;
            cpu = new Cpu(c.shares(), quota, period, c.burst(), c.realtimeRuntime(), c.realtimePeriod(),
                    c.cpus(), c.mems(), c.idle());
            return this;
        }

        /**
         * {@code podman run --cpu-period=100000}: OCI {@code cpu.period} in µs (1000-1000000). Set
         * it before {@link #cpus(double)}, which computes the quota over it.
         */
        public Builder cpuPeriod(long micros) {
            if (micros < 1000 || micros > 1_000_000) {
                throw new InvalidResourceException("cpu.period", String.valueOf(micros), "1000 to 1000000 µs");
            }
            Cpu c = cpu;
            cpu = new Cpu(c.shares(), c.quota(), micros, c.burst(), c.realtimeRuntime(), c.realtimePeriod(),
                    c.cpus(), c.mems(), c.idle());
            return this;
        }

        /** {@code podman run --cpu-quota=50000}: OCI {@code cpu.quota} in µs per period; -1 unlimited. */
        public Builder cpuQuota(long micros) {
            if (micros == 0 || micros < -1) {
                throw new InvalidResourceException("cpu.quota", String.valueOf(micros), "a positive number of µs or -1");
            }
            Cpu c = cpu;
            cpu = new Cpu(c.shares(), micros, c.period(), c.burst(), c.realtimeRuntime(), c.realtimePeriod(),
                    c.cpus(), c.mems(), c.idle());
            return this;
        }

        /** {@code podman run --cpu-shares=512}: OCI {@code cpu.shares}, 2-262144. */
        public Builder cpuShares(long shares) {
            if (shares < 2 || shares > 262_144) {
                throw new InvalidResourceException("cpu.shares", String.valueOf(shares), "2 to 262144");
            }
            Cpu c = cpu;
            cpu = new Cpu(shares, c.quota(), c.period(), c.burst(), c.realtimeRuntime(), c.realtimePeriod(),
                    c.cpus(), c.mems(), c.idle());
            return this;
        }

        /** {@code podman run --cpuset-cpus=0-1}: OCI {@code cpu.cpus}. */
        public Builder cpusetCpus(String list) {
            Cpu c = cpu;
            cpu = new Cpu(c.shares(), c.quota(), c.period(), c.burst(), c.realtimeRuntime(), c.realtimePeriod(),
                    Objects.requireNonNull(list, "cpu.cpus"), c.mems(), c.idle());
            return this;
        }

        /** {@code podman run --pids-limit=100}: OCI {@code pids.limit}; -1 unlimited. */
        public Builder pidsLimit(long limit) {
            pids = new Pids(limit);
            return this;
        }

        /** {@code podman run --blkio-weight=500}: OCI {@code blockIO.weight}, 10-1000. */
        public Builder blkioWeight(int weight) {
            if (weight < 10 || weight > 1000) {
                throw new InvalidResourceException("blockIO.weight", String.valueOf(weight), "10 to 1000");
            }
            BlockIo b = blockIo;
            blockIo = new BlockIo(weight, b.leafWeight(), b.weightDevices(), b.throttleReadBps(),
                    b.throttleWriteBps(), b.throttleReadIops(), b.throttleWriteIops());
            return this;
        }

        /** Adds an OCI {@code hugepageLimits[]} entry. */
        public Builder hugepageLimit(String pageSize, long bytes) {
            hugepageLimits.add(new HugepageLimit(pageSize, bytes));
            return this;
        }

        /** Sets OCI {@code rdma.<device>}. */
        public Builder rdma(String device, Rdma limit) {
            rdma.put(Objects.requireNonNull(device, "rdma device"), Objects.requireNonNull(limit, "rdma"));
            return this;
        }

        /** Adds an OCI {@code devices[]} rule (written on v1; on v2 core's eBPF program enforces it). */
        public Builder device(DeviceRule rule) {
            devices.add(Objects.requireNonNull(rule, "devices[]"));
            return this;
        }

        /**
         * Sets an OCI {@code unified} key: a v2 control file name and its exact content, written
         * after the typed fields. Unsupported on v1.
         */
        public Builder unified(String file, String value) {
            if (file == null || file.contains("/") || file.startsWith(".") || file.isEmpty()) {
                throw new InvalidResourceException("unified", String.valueOf(file), "a control file name");
            }
            unified.put(file, Objects.requireNonNull(value, "unified." + file));
            return this;
        }

        /** The value; checks OCI's cross-field rule swap ≥ limit. */
        public Resources build() {
            Long limit = memory.limit();
            Long swap = memory.swap();
            if (limit != null && swap != null && limit > 0 && swap > 0 && swap < limit) {
                throw new InvalidResourceException("memory.swap", String.valueOf(swap),
                        "memory+swap, at least memory.limit (" + limit + ")");
            }
            return new Resources(memory, cpu, pids, blockIo, hugepageLimits, rdma, network, devices, unified);
        }

        private static void positiveOrUnlimited(String field, long bytes) {
            if (bytes == 0 || bytes < -1) {
                throw new InvalidResourceException(field, String.valueOf(bytes), "a positive size or -1");
            }
        }
    }
}
