package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What a runtime supports ({@code runc features}, {@code features.json}).
 *
 * <p>Every component is {@code null} when its property is absent from the document, and
 * absent properties are left out when written. Lists and maps are unmodifiable copies.
 * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
 * copies the caller must not mutate).
 *
 * @param ociVersionMin the oldest runtime-spec version supported; required
 * @param ociVersionMax the newest runtime-spec version supported; required
 * @param hooks the hook names
 * @param mountOptions the mount options
 * @param annotations runtime-specific information
 * @param potentiallyUnsafeConfigAnnotations annotations that may change the runtime's behaviour
 * @param linux the Linux features
 * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/features.md">features.md</a>
 */
public record Features(
        String ociVersionMin,
        String ociVersionMax,
        List<String> hooks,
        List<String> mountOptions,
        Map<String, String> annotations,
        List<String> potentiallyUnsafeConfigAnnotations,
        LinuxFeatures linux,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    /** Copies lists and maps so that the record stays immutable. */
    public Features {
        hooks = Copies.list(hooks);
        mountOptions = Copies.list(mountOptions);
        annotations = Copies.map(annotations);
        potentiallyUnsafeConfigAnnotations = Copies.list(potentiallyUnsafeConfigAnnotations);
        extra = Copies.extra(extra);
    }

    /** Creates the value without unknown properties. */
    public Features(String ociVersionMin, String ociVersionMax, List<String> hooks, List<String> mountOptions, Map<String, String> annotations, List<String> potentiallyUnsafeConfigAnnotations, LinuxFeatures linux) {
        this(ociVersionMin, ociVersionMax, hooks, mountOptions, annotations, potentiallyUnsafeConfigAnnotations, linux, Map.of());
    }

    /**
     * The Linux features of a runtime.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param namespaces the namespace types
     * @param capabilities the capability names
     * @param cgroup the cgroup drivers
     * @param seccomp the seccomp support
     * @param apparmor AppArmor support
     * @param selinux SELinux support
     * @param intelRdt Intel RDT support
     * @param memoryPolicy NUMA memory policy support
     * @param mountExtensions mount extensions
     * @param netDevices network device support
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/features.md#linux">features.md linux</a>
     */
    public record LinuxFeatures(
            List<String> namespaces,
            List<String> capabilities,
            Cgroup cgroup,
            SeccompFeatures seccomp,
            Toggle apparmor,
            Toggle selinux,
            IntelRdtFeatures intelRdt,
            MemoryPolicyFeatures memoryPolicy,
            MountExtensions mountExtensions,
            Toggle netDevices,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public LinuxFeatures {
            namespaces = Copies.list(namespaces);
            capabilities = Copies.list(capabilities);
            extra = Copies.extra(extra);
        }
    }

    /**
     * The cgroup drivers a runtime supports.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param v1 cgroup v1
     * @param v2 cgroup v2
     * @param systemd the systemd driver
     * @param systemdUser the systemd user driver
     * @param rdma the rdma controller
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/features.md#cgroup">features.md cgroup</a>
     */
    public record Cgroup(
            Boolean v1,
            Boolean v2,
            Boolean systemd,
            Boolean systemdUser,
            Boolean rdma,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Cgroup {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public Cgroup(Boolean v1, Boolean v2, Boolean systemd, Boolean systemdUser, Boolean rdma) {
            this(v1, v2, systemd, systemdUser, rdma, Map.of());
        }
    }

    /**
     * The seccomp support of a runtime.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param enabled whether seccomp is supported
     * @param actions the {@code SCMP_ACT_*} actions
     * @param operators the {@code SCMP_CMP_*} operators
     * @param archs the {@code SCMP_ARCH_*} architectures
     * @param knownFlags the flags the runtime knows
     * @param supportedFlags the flags the runtime and kernel support
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/features.md#seccomp">features.md seccomp</a>
     */
    public record SeccompFeatures(
            Boolean enabled,
            List<String> actions,
            List<String> operators,
            List<String> archs,
            List<String> knownFlags,
            List<String> supportedFlags,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public SeccompFeatures {
            actions = Copies.list(actions);
            operators = Copies.list(operators);
            archs = Copies.list(archs);
            knownFlags = Copies.list(knownFlags);
            supportedFlags = Copies.list(supportedFlags);
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public SeccompFeatures(Boolean enabled, List<String> actions, List<String> operators, List<String> archs, List<String> knownFlags, List<String> supportedFlags) {
            this(enabled, actions, operators, archs, knownFlags, supportedFlags, Map.of());
        }
    }

    /**
     * The Intel RDT support of a runtime.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param enabled whether Intel RDT support is compiled in
     * @param schemata whether {@code linux.intelRdt.schemata} is implemented
     * @param monitoring whether {@code linux.intelRdt.enableMonitoring} is implemented
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/features.md#intelrdt">features.md intelRdt</a>
     */
    public record IntelRdtFeatures(
            Boolean enabled,
            Boolean schemata,
            Boolean monitoring,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public IntelRdtFeatures {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public IntelRdtFeatures(Boolean enabled, Boolean schemata, Boolean monitoring) {
            this(enabled, schemata, monitoring, Map.of());
        }
    }

    /**
     * The memory policy support of a runtime.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param modes the {@code MPOL_*} modes known
     * @param flags the {@code MPOL_F_*} flags known
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/features.md#memorypolicy">features.md memoryPolicy</a>
     */
    public record MemoryPolicyFeatures(
            List<String> modes,
            List<String> flags,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public MemoryPolicyFeatures {
            modes = Copies.list(modes);
            flags = Copies.list(flags);
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public MemoryPolicyFeatures(List<String> modes, List<String> flags) {
            this(modes, flags, Map.of());
        }
    }

    /**
     * The mount extensions a runtime supports.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param idmap idmapped mounts
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/features.md#mountextensions">features.md mountExtensions</a>
     */
    public record MountExtensions(
            Toggle idmap,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public MountExtensions {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public MountExtensions(Toggle idmap) {
            this(idmap, Map.of());
        }
    }

    /**
     * Whether one feature is supported.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param enabled whether it is supported
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/features.md">features.md</a>
     */
    public record Toggle(
            Boolean enabled,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Toggle {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public Toggle(Boolean enabled) {
            this(enabled, Map.of());
        }
    }
}
