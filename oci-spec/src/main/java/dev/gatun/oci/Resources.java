package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The cgroup resource limits of the container ({@code linux.resources}). Values are cgroup
 * v1-shaped as in the spec; the cgroups module converts them for v2.
 *
 * <p>Every component is {@code null} when its property is absent from the document, and
 * absent properties are left out when written. Lists and maps are unmodifiable copies.
 * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
 * copies the caller must not mutate).
 *
 * @param devices the device allow/deny rules, applied in order
 * @param memory the memory limits
 * @param cpu the CPU limits
 * @param pids the process-number limit
 * @param blockIO the block I/O limits
 * @param hugepageLimits the huge-page limits
 * @param network the net_cls and net_prio settings
 * @param rdma the RDMA limits, by device
 * @param unified cgroup v2 files to write, by file name
 * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#control-groups">config-linux.md control groups</a>
 */
public record Resources(
        List<DeviceRule> devices,
        Memory memory,
        Cpu cpu,
        Pids pids,
        BlockIo blockIO,
        List<HugepageLimit> hugepageLimits,
        Network network,
        Map<String, Rdma> rdma,
        Map<String, String> unified,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    /** Copies lists and maps so that the record stays immutable. */
    public Resources {
        devices = Copies.list(devices);
        hugepageLimits = Copies.list(hugepageLimits);
        rdma = Copies.map(rdma);
        unified = Copies.map(unified);
        extra = Copies.extra(extra);
    }

    /** Returns an empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding this value's components, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.devices = devices;
        b.memory = memory;
        b.cpu = cpu;
        b.pids = pids;
        b.blockIO = blockIO;
        b.hugepageLimits = hugepageLimits;
        b.network = network;
        b.rdma = rdma;
        b.unified = unified;
        b.extra = extra;
        return b;
    }

    /**
     * One device cgroup rule.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param allow allow or deny; required
     * @param type {@code a} (all), {@code c} or {@code b}
     * @param major the major number; all when absent
     * @param minor the minor number; all when absent
     * @param access a combination of {@code r}, {@code w} and {@code m}
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#allowed-device-list">config-linux.md allowed device list</a>
     */
    public record DeviceRule(
            Boolean allow,
            String type,
            Long major,
            Long minor,
            String access,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public DeviceRule {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public DeviceRule(Boolean allow, String type, Long major, Long minor, String access) {
            this(allow, type, major, minor, access, Map.of());
        }
    }

    /**
     * The memory limits, in bytes; {@code -1} means unlimited.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param limit the memory limit
     * @param reservation the soft limit
     * @param swap memory plus swap limit
     * @param kernel deprecated kernel memory limit
     * @param kernelTCP deprecated kernel TCP buffer limit
     * @param swappiness the swappiness, 0 to 100 (an unsigned 64-bit value: read it with {@link
     *     Long#toUnsignedString(long)})
     * @param disableOOMKiller whether to disable the OOM killer
     * @param useHierarchy whether to account hierarchically (v1)
     * @param checkBeforeUpdate whether an update below current usage fails
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#memory">config-linux.md memory</a>
     */
    public record Memory(
            Long limit,
            Long reservation,
            Long swap,
            Long kernel,
            Long kernelTCP,
            @Unsigned Long swappiness,
            Boolean disableOOMKiller,
            Boolean useHierarchy,
            Boolean checkBeforeUpdate,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Memory {
            extra = Copies.extra(extra);
        }
    }

    /**
     * The CPU limits.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param shares the relative weight (v1 shares) (an unsigned 64-bit value: read it with {@link
     *     Long#toUnsignedString(long)})
     * @param quota microseconds of CPU per period
     * @param burst microseconds the quota may be exceeded by (an unsigned 64-bit value: read it
     *     with {@link Long#toUnsignedString(long)})
     * @param period the period of the quota, microseconds (an unsigned 64-bit value: read it with
     *     {@link Long#toUnsignedString(long)})
     * @param realtimeRuntime real-time microseconds per real-time period
     * @param realtimePeriod the real-time period, microseconds (an unsigned 64-bit value: read it
     *     with {@link Long#toUnsignedString(long)})
     * @param cpus the CPUs, in list syntax
     * @param mems the memory nodes, in list syntax
     * @param idle 1 to make the cgroup SCHED_IDLE
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#cpu">config-linux.md cpu</a>
     */
    public record Cpu(
            @Unsigned Long shares,
            Long quota,
            @Unsigned Long burst,
            @Unsigned Long period,
            Long realtimeRuntime,
            @Unsigned Long realtimePeriod,
            String cpus,
            String mems,
            Long idle,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Cpu {
            extra = Copies.extra(extra);
        }
    }

    /**
     * The process-number limit.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param limit the maximum number of tasks; required, 0 or -1 for unlimited
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#pids">config-linux.md pids</a>
     */
    public record Pids(
            Long limit,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Pids {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public Pids(Long limit) {
            this(limit, Map.of());
        }
    }

    /**
     * The block I/O limits.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param weight the default weight, 10 to 1000
     * @param leafWeight the weight of tasks in the cgroup against its children (v1)
     * @param weightDevice per-device weights
     * @param throttleReadBpsDevice per-device read byte rates
     * @param throttleWriteBpsDevice per-device write byte rates
     * @param throttleReadIOPSDevice per-device read operation rates
     * @param throttleWriteIOPSDevice per-device write operation rates
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#block-io">config-linux.md block io</a>
     */
    public record BlockIo(
            Integer weight,
            Integer leafWeight,
            List<WeightDevice> weightDevice,
            List<ThrottleDevice> throttleReadBpsDevice,
            List<ThrottleDevice> throttleWriteBpsDevice,
            List<ThrottleDevice> throttleReadIOPSDevice,
            List<ThrottleDevice> throttleWriteIOPSDevice,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public BlockIo {
            weightDevice = Copies.list(weightDevice);
            throttleReadBpsDevice = Copies.list(throttleReadBpsDevice);
            throttleWriteBpsDevice = Copies.list(throttleWriteBpsDevice);
            throttleReadIOPSDevice = Copies.list(throttleReadIOPSDevice);
            throttleWriteIOPSDevice = Copies.list(throttleWriteIOPSDevice);
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public BlockIo(Integer weight, Integer leafWeight, List<WeightDevice> weightDevice, List<ThrottleDevice> throttleReadBpsDevice, List<ThrottleDevice> throttleWriteBpsDevice, List<ThrottleDevice> throttleReadIOPSDevice, List<ThrottleDevice> throttleWriteIOPSDevice) {
            this(weight, leafWeight, weightDevice, throttleReadBpsDevice, throttleWriteBpsDevice, throttleReadIOPSDevice, throttleWriteIOPSDevice, Map.of());
        }
    }

    /**
     * The block I/O weight of one device.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param major the major number; required
     * @param minor the minor number; required
     * @param weight the weight, 10 to 1000
     * @param leafWeight the leaf weight (v1)
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#block-io">config-linux.md block io</a>
     */
    public record WeightDevice(
            Long major,
            Long minor,
            Integer weight,
            Integer leafWeight,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public WeightDevice {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public WeightDevice(Long major, Long minor, Integer weight, Integer leafWeight) {
            this(major, minor, weight, leafWeight, Map.of());
        }
    }

    /**
     * A block I/O rate limit of one device.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param major the major number; required
     * @param minor the minor number; required
     * @param rate bytes or operations per second (an unsigned 64-bit value: read it with {@link
     *     Long#toUnsignedString(long)})
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#block-io">config-linux.md block io</a>
     */
    public record ThrottleDevice(
            Long major,
            Long minor,
            @Unsigned Long rate,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public ThrottleDevice {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public ThrottleDevice(Long major, Long minor, Long rate) {
            this(major, minor, rate, Map.of());
        }
    }

    /**
     * The limit of one huge-page size.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param pageSize the page size, like {@code 2MB}; required
     * @param limit bytes of huge pages; required (an unsigned 64-bit value: read it with {@link
     *     Long#toUnsignedString(long)})
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#huge-page-limits">config-linux.md huge page limits</a>
     */
    public record HugepageLimit(
            String pageSize,
            @Unsigned Long limit,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public HugepageLimit {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public HugepageLimit(String pageSize, Long limit) {
            this(pageSize, limit, Map.of());
        }
    }

    /**
     * The net_cls class and net_prio priorities.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param classID the net_cls class identifier
     * @param priorities net_prio priorities by interface
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#network">config-linux.md network</a>
     */
    public record Network(
            Long classID,
            List<InterfacePriority> priorities,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Network {
            priorities = Copies.list(priorities);
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public Network(Long classID, List<InterfacePriority> priorities) {
            this(classID, priorities, Map.of());
        }
    }

    /**
     * The net_prio priority of one interface.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param name the interface name; required
     * @param priority the priority; required
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#network">config-linux.md network</a>
     */
    public record InterfacePriority(
            String name,
            Long priority,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public InterfacePriority {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public InterfacePriority(String name, Long priority) {
            this(name, priority, Map.of());
        }
    }

    /**
     * The RDMA limits of one device.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param hcaHandles the maximum number of HCA handles
     * @param hcaObjects the maximum number of HCA objects
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#rdma">config-linux.md rdma</a>
     */
    public record Rdma(
            Long hcaHandles,
            Long hcaObjects,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Rdma {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public Rdma(Long hcaHandles, Long hcaObjects) {
            this(hcaHandles, hcaObjects, Map.of());
        }
    }

    /**
     * A mutable builder of {@link Resources}; every component starts {@code null} (absent) and
     * {@code extra} empty. {@link #build()} copies, so a builder can be reused. Not
     * thread-safe. The builder does not validate: use {@link OciSpecs#validate}.
     */
    public static final class Builder {
        private List<DeviceRule> devices;
        private Memory memory;
        private Cpu cpu;
        private Pids pids;
        private BlockIo blockIO;
        private List<HugepageLimit> hugepageLimits;
        private Network network;
        private Map<String, Rdma> rdma;
        private Map<String, String> unified;
        private Map<String, JsonNode> extra = Map.of();

        private Builder() {}

        /** Sets {@code devices}; {@code null} makes it absent. */
        public Builder devices(List<DeviceRule> devices) {
            this.devices = devices;
            return this;
        }

        /** Sets {@code memory}; {@code null} makes it absent. */
        public Builder memory(Memory memory) {
            this.memory = memory;
            return this;
        }

        /** Sets {@code cpu}; {@code null} makes it absent. */
        public Builder cpu(Cpu cpu) {
            this.cpu = cpu;
            return this;
        }

        /** Sets {@code pids}; {@code null} makes it absent. */
        public Builder pids(Pids pids) {
            this.pids = pids;
            return this;
        }

        /** Sets {@code blockIO}; {@code null} makes it absent. */
        public Builder blockIO(BlockIo blockIO) {
            this.blockIO = blockIO;
            return this;
        }

        /** Sets {@code hugepageLimits}; {@code null} makes it absent. */
        public Builder hugepageLimits(List<HugepageLimit> hugepageLimits) {
            this.hugepageLimits = hugepageLimits;
            return this;
        }

        /** Sets {@code network}; {@code null} makes it absent. */
        public Builder network(Network network) {
            this.network = network;
            return this;
        }

        /** Sets {@code rdma}; {@code null} makes it absent. */
        public Builder rdma(Map<String, Rdma> rdma) {
            this.rdma = rdma;
            return this;
        }

        /** Sets {@code unified}; {@code null} makes it absent. */
        public Builder unified(Map<String, String> unified) {
            this.unified = unified;
            return this;
        }

        /** Sets the unknown properties to carry through. */
        public Builder extra(Map<String, JsonNode> extra) {
            this.extra = extra;
            return this;
        }

        /** Returns the immutable value. */
        public Resources build() {
            return new Resources(devices, memory, cpu, pids, blockIO, hugepageLimits, network, rdma, unified, extra);
        }
    }
}
