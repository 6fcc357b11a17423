package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The Linux section of a container configuration ({@code linux}): namespaces, ID mappings,
 * devices, cgroup, security and mount settings.
 *
 * <p>Every component is {@code null} when its property is absent from the document, and
 * absent properties are left out when written. Lists and maps are unmodifiable copies.
 * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
 * copies the caller must not mutate).
 *
 * @param namespaces the namespaces to create (no path) or join (path), at most one per type
 * @param uidMappings the user ID mappings of a new user namespace
 * @param gidMappings the group ID mappings of a new user namespace
 * @param timeOffsets the clock offsets of a new time namespace, by clock ({@code boottime}, {@code
 *     monotonic})
 * @param devices the device nodes to create in the container
 * @param netDevices the host network interfaces to move into the container, by host name
 * @param cgroupsPath the cgroup: an absolute or relative path, or {@code slice:prefix:name} for
 *     systemd
 * @param resources the cgroup resource limits
 * @param intelRdt the Intel RDT (resctrl) configuration
 * @param memoryPolicy the NUMA memory policy, as for set_mempolicy(2)
 * @param sysctl the kernel parameters to set in the container
 * @param seccomp the seccomp filter
 * @param rootfsPropagation the propagation of the root mount: private, shared, slave or unbindable
 * @param maskedPaths absolute paths made inaccessible in the container
 * @param readonlyPaths absolute paths made read-only in the container
 * @param mountLabel the SELinux context of the mounts
 * @param personality the execution domain, as for personality(2)
 * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md">config-linux.md</a>
 */
public record Linux(
        List<Namespace> namespaces,
        List<IdMapping> uidMappings,
        List<IdMapping> gidMappings,
        Map<String, TimeOffset> timeOffsets,
        List<Device> devices,
        Map<String, NetDevice> netDevices,
        String cgroupsPath,
        Resources resources,
        IntelRdt intelRdt,
        MemoryPolicy memoryPolicy,
        Map<String, String> sysctl,
        Seccomp seccomp,
        String rootfsPropagation,
        List<String> maskedPaths,
        List<String> readonlyPaths,
        String mountLabel,
        Personality personality,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    /** Copies lists and maps so that the record stays immutable. */
    public Linux {
        namespaces = Copies.list(namespaces);
        uidMappings = Copies.list(uidMappings);
        gidMappings = Copies.list(gidMappings);
        timeOffsets = Copies.map(timeOffsets);
        devices = Copies.list(devices);
        netDevices = Copies.map(netDevices);
        sysctl = Copies.map(sysctl);
        maskedPaths = Copies.list(maskedPaths);
        readonlyPaths = Copies.list(readonlyPaths);
        extra = Copies.extra(extra);
    }

    /** Returns an empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding this value's components, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.namespaces = namespaces;
        b.uidMappings = uidMappings;
        b.gidMappings = gidMappings;
        b.timeOffsets = timeOffsets;
        b.devices = devices;
        b.netDevices = netDevices;
        b.cgroupsPath = cgroupsPath;
        b.resources = resources;
        b.intelRdt = intelRdt;
        b.memoryPolicy = memoryPolicy;
        b.sysctl = sysctl;
        b.seccomp = seccomp;
        b.rootfsPropagation = rootfsPropagation;
        b.maskedPaths = maskedPaths;
        b.readonlyPaths = readonlyPaths;
        b.mountLabel = mountLabel;
        b.personality = personality;
        b.extra = extra;
        return b;
    }

    /**
     * One namespace of {@code linux.namespaces}: create a new one when {@code path} is absent,
     * join the one at {@code path} otherwise.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param type mount, pid, network, uts, ipc, user, cgroup or time; required
     * @param path a namespace file such as {@code /proc/1234/ns/net} to join
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#namespaces">config-linux.md namespaces</a>
     */
    public record Namespace(
            String type,
            String path,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Namespace {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public Namespace(String type, String path) {
            this(type, path, Map.of());
        }
    }

    /**
     * The offset of one clock in a new time namespace.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param secs whole seconds, signed
     * @param nanosecs nanoseconds, below one billion
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#offset-for-time-namespace">config-linux.md offset for time namespace</a>
     */
    public record TimeOffset(
            Long secs,
            Long nanosecs,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public TimeOffset {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public TimeOffset(Long secs, Long nanosecs) {
            this(secs, nanosecs, Map.of());
        }
    }

    /**
     * A device node to create in the container ({@code linux.devices}).
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param type {@code c}, {@code b}, {@code u} or {@code p}; required
     * @param path the absolute path in the container; required
     * @param major the major number; required except for {@code p}
     * @param minor the minor number; required except for {@code p}
     * @param fileMode the permission bits, 0 to 0777
     * @param uid the owner
     * @param gid the group
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#devices">config-linux.md devices</a>
     */
    public record Device(
            String type,
            String path,
            Long major,
            Long minor,
            Long fileMode,
            Long uid,
            Long gid,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Device {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public Device(String type, String path, Long major, Long minor, Long fileMode, Long uid, Long gid) {
            this(type, path, major, minor, fileMode, uid, gid, Map.of());
        }
    }

    /**
     * A host network interface to move into the container.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param name the name in the container; the host name when absent
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#network-devices">config-linux.md network devices</a>
     */
    public record NetDevice(
            String name,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public NetDevice {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public NetDevice(String name) {
            this(name, Map.of());
        }
    }

    /**
     * The Intel Resource Director Technology configuration (resctrl).
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param closID the resctrl group (CLOS) name
     * @param l3CacheSchema the L3 cache schema line
     * @param memBwSchema the memory bandwidth schema line, {@code MB:...}
     * @param schemata full schemata lines
     * @param enableMonitoring whether to collect monitoring data
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#intelrdt">config-linux.md intelrdt</a>
     */
    public record IntelRdt(
            String closID,
            String l3CacheSchema,
            String memBwSchema,
            List<String> schemata,
            Boolean enableMonitoring,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public IntelRdt {
            schemata = Copies.list(schemata);
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public IntelRdt(String closID, String l3CacheSchema, String memBwSchema, List<String> schemata, Boolean enableMonitoring) {
            this(closID, l3CacheSchema, memBwSchema, schemata, enableMonitoring, Map.of());
        }
    }

    /**
     * The NUMA memory policy of the container, as for set_mempolicy(2).
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param mode an {@code MPOL_*} mode; required
     * @param nodes the NUMA nodes, in list syntax
     * @param flags {@code MPOL_F_*} flags
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#memory-policy">config-linux.md memory policy</a>
     */
    public record MemoryPolicy(
            String mode,
            String nodes,
            List<String> flags,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public MemoryPolicy {
            flags = Copies.list(flags);
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public MemoryPolicy(String mode, String nodes, List<String> flags) {
            this(mode, nodes, flags, Map.of());
        }
    }

    /**
     * The execution domain of the container, as for personality(2).
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param domain {@code LINUX} or {@code LINUX32}
     * @param flags additional personality flags
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#personality">config-linux.md personality</a>
     */
    public record Personality(
            String domain,
            List<String> flags,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Personality {
            flags = Copies.list(flags);
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public Personality(String domain, List<String> flags) {
            this(domain, flags, Map.of());
        }
    }

    /**
     * A mutable builder of {@link Linux}; every component starts {@code null} (absent) and
     * {@code extra} empty. {@link #build()} copies, so a builder can be reused. Not
     * thread-safe. The builder does not validate: use {@link OciSpecs#validate}.
     */
    public static final class Builder {
        private List<Namespace> namespaces;
        private List<IdMapping> uidMappings;
        private List<IdMapping> gidMappings;
        private Map<String, TimeOffset> timeOffsets;
        private List<Device> devices;
        private Map<String, NetDevice> netDevices;
        private String cgroupsPath;
        private Resources resources;
        private IntelRdt intelRdt;
        private MemoryPolicy memoryPolicy;
        private Map<String, String> sysctl;
        private Seccomp seccomp;
        private String rootfsPropagation;
        private List<String> maskedPaths;
        private List<String> readonlyPaths;
        private String mountLabel;
        private Personality personality;
        private Map<String, JsonNode> extra = Map.of();

        private Builder() {}

        /** Sets {@code namespaces}; {@code null} makes it absent. */
        public Builder namespaces(List<Namespace> namespaces) {
            this.namespaces = namespaces;
            return this;
        }

        /** Sets {@code uidMappings}; {@code null} makes it absent. */
        public Builder uidMappings(List<IdMapping> uidMappings) {
            this.uidMappings = uidMappings;
            return this;
        }

        /** Sets {@code gidMappings}; {@code null} makes it absent. */
        public Builder gidMappings(List<IdMapping> gidMappings) {
            this.gidMappings = gidMappings;
            return this;
        }

        /** Sets {@code timeOffsets}; {@code null} makes it absent. */
        public Builder timeOffsets(Map<String, TimeOffset> timeOffsets) {
            this.timeOffsets = timeOffsets;
            return this;
        }

        /** Sets {@code devices}; {@code null} makes it absent. */
        public Builder devices(List<Device> devices) {
            this.devices = devices;
            return this;
        }

        /** Sets {@code netDevices}; {@code null} makes it absent. */
        public Builder netDevices(Map<String, NetDevice> netDevices) {
            this.netDevices = netDevices;
            return this;
        }

        /** Sets {@code cgroupsPath}; {@code null} makes it absent. */
        public Builder cgroupsPath(String cgroupsPath) {
            this.cgroupsPath = cgroupsPath;
            return this;
        }

        /** Sets {@code resources}; {@code null} makes it absent. */
        public Builder resources(Resources resources) {
            this.resources = resources;
            return this;
        }

        /** Sets {@code intelRdt}; {@code null} makes it absent. */
        public Builder intelRdt(IntelRdt intelRdt) {
            this.intelRdt = intelRdt;
            return this;
        }

        /** Sets {@code memoryPolicy}; {@code null} makes it absent. */
        public Builder memoryPolicy(MemoryPolicy memoryPolicy) {
            this.memoryPolicy = memoryPolicy;
            return this;
        }

        /** Sets {@code sysctl}; {@code null} makes it absent. */
        public Builder sysctl(Map<String, String> sysctl) {
            this.sysctl = sysctl;
            return this;
        }

        /** Sets {@code seccomp}; {@code null} makes it absent. */
        public Builder seccomp(Seccomp seccomp) {
            this.seccomp = seccomp;
            return this;
        }

        /** Sets {@code rootfsPropagation}; {@code null} makes it absent. */
        public Builder rootfsPropagation(String rootfsPropagation) {
            this.rootfsPropagation = rootfsPropagation;
            return this;
        }

        /** Sets {@code maskedPaths}; {@code null} makes it absent. */
        public Builder maskedPaths(List<String> maskedPaths) {
            this.maskedPaths = maskedPaths;
            return this;
        }

        /** Sets {@code readonlyPaths}; {@code null} makes it absent. */
        public Builder readonlyPaths(List<String> readonlyPaths) {
            this.readonlyPaths = readonlyPaths;
            return this;
        }

        /** Sets {@code mountLabel}; {@code null} makes it absent. */
        public Builder mountLabel(String mountLabel) {
            this.mountLabel = mountLabel;
            return this;
        }

        /** Sets {@code personality}; {@code null} makes it absent. */
        public Builder personality(Personality personality) {
            this.personality = personality;
            return this;
        }

        /** Sets the unknown properties to carry through. */
        public Builder extra(Map<String, JsonNode> extra) {
            this.extra = extra;
            return this;
        }

        /** Returns the immutable value. */
        public Linux build() {
            return new Linux(namespaces, uidMappings, gidMappings, timeOffsets, devices, netDevices, cgroupsPath, resources, intelRdt, memoryPolicy, sysctl, seccomp, rootfsPropagation, maskedPaths, readonlyPaths, mountLabel, personality, extra);
        }
    }
}
