package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The container process ({@code process}): what to run, as whom, with which privileges and limits.
 * Named so as not to shadow {@link java.lang.Process}.
 *
 * <p>Every component is {@code null} when its property is absent from the document, and
 * absent properties are left out when written. Lists and maps are unmodifiable copies.
 * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
 * copies the caller must not mutate).
 *
 * @param terminal whether a pseudo-terminal is attached to the process
 * @param consoleSize the terminal size; only with a terminal
 * @param user the user the process runs as
 * @param args the argument vector, as for execvp(3)
 * @param commandLine the full command line (Windows)
 * @param env the environment, {@code KEY=value} entries
 * @param cwd the absolute working directory; required
 * @param capabilities the capability sets
 * @param rlimits the resource limits, at most one per type
 * @param noNewPrivileges whether to set no_new_privs
 * @param apparmorProfile the AppArmor profile
 * @param oomScoreAdj the oom_score_adj, -1000 to 1000
 * @param selinuxLabel the SELinux label of the process
 * @param ioPriority the I/O scheduling class and priority
 * @param scheduler the scheduling policy, as for sched_setattr(2)
 * @param execCPUAffinity the CPU affinity of {@code runc exec} processes
 * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#process">config.md process</a>
 */
public record ProcessSpec(
        Boolean terminal,
        ConsoleSize consoleSize,
        User user,
        List<String> args,
        String commandLine,
        List<String> env,
        String cwd,
        Capabilities capabilities,
        List<Rlimit> rlimits,
        Boolean noNewPrivileges,
        String apparmorProfile,
        Integer oomScoreAdj,
        String selinuxLabel,
        IoPriority ioPriority,
        Scheduler scheduler,
        ExecCpuAffinity execCPUAffinity,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    /** Copies lists and maps so that the record stays immutable. */
    public ProcessSpec {
        args = Copies.list(args);
        env = Copies.list(env);
        rlimits = Copies.list(rlimits);
        extra = Copies.extra(extra);
    }

    /** Returns an empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding this value's components, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.terminal = terminal;
        b.consoleSize = consoleSize;
        b.user = user;
        b.args = args;
        b.commandLine = commandLine;
        b.env = env;
        b.cwd = cwd;
        b.capabilities = capabilities;
        b.rlimits = rlimits;
        b.noNewPrivileges = noNewPrivileges;
        b.apparmorProfile = apparmorProfile;
        b.oomScoreAdj = oomScoreAdj;
        b.selinuxLabel = selinuxLabel;
        b.ioPriority = ioPriority;
        b.scheduler = scheduler;
        b.execCPUAffinity = execCPUAffinity;
        b.extra = extra;
        return b;
    }

    /**
     * The size of the console ({@code process.consoleSize}), in characters.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param height rows; required (an unsigned 64-bit value: read it with {@link
     *     Long#toUnsignedString(long)})
     * @param width columns; required (an unsigned 64-bit value: read it with {@link
     *     Long#toUnsignedString(long)})
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#process">config.md process</a>
     */
    public record ConsoleSize(
            @Unsigned Long height,
            @Unsigned Long width,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public ConsoleSize {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public ConsoleSize(Long height, Long width) {
            this(height, width, Map.of());
        }
    }

    /**
     * The user a process runs as ({@code process.user}). IDs are unsigned 32-bit values held in a
     * {@code Long}.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param uid the user ID in the container
     * @param gid the group ID in the container
     * @param umask the umask
     * @param additionalGids the supplementary groups
     * @param username the user name (Windows)
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#user">config.md user</a>
     */
    public record User(
            Long uid,
            Long gid,
            Long umask,
            List<Long> additionalGids,
            String username,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public User {
            additionalGids = Copies.list(additionalGids);
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public User(Long uid, Long gid, Long umask, List<Long> additionalGids, String username) {
            this(uid, gid, umask, additionalGids, username, Map.of());
        }
    }

    /**
     * The capability sets of a process ({@code process.capabilities}), each a list of names like
     * {@code CAP_KILL}; see {@link Capability}.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param bounding the bounding set
     * @param effective the effective set
     * @param inheritable the inheritable set
     * @param permitted the permitted set
     * @param ambient the ambient set
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#linux-process">config.md linux process</a>
     */
    public record Capabilities(
            List<String> bounding,
            List<String> effective,
            List<String> inheritable,
            List<String> permitted,
            List<String> ambient,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Capabilities {
            bounding = Copies.list(bounding);
            effective = Copies.list(effective);
            inheritable = Copies.list(inheritable);
            permitted = Copies.list(permitted);
            ambient = Copies.list(ambient);
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public Capabilities(List<String> bounding, List<String> effective, List<String> inheritable, List<String> permitted, List<String> ambient) {
            this(bounding, effective, inheritable, permitted, ambient, Map.of());
        }
    }

    /**
     * One resource limit, as for setrlimit(2); the type is a name like {@code RLIMIT_NOFILE}, see
     * {@link RlimitType}.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param type the resource; required
     * @param hard the ceiling of the soft limit; required (an unsigned 64-bit value: read it with
     *     {@link Long#toUnsignedString(long)})
     * @param soft the limit the kernel enforces; required (an unsigned 64-bit value: read it with
     *     {@link Long#toUnsignedString(long)})
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#posix-process">config.md posix process</a>
     */
    public record Rlimit(
            String type,
            @Unsigned Long hard,
            @Unsigned Long soft,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Rlimit {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public Rlimit(String type, Long hard, Long soft) {
            this(type, hard, soft, Map.of());
        }
    }

    /**
     * The I/O priority of the process, as for ioprio_set(2).
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param priorityClass {@code IOPRIO_CLASS_RT}, {@code IOPRIO_CLASS_BE} or {@code
     *     IOPRIO_CLASS_IDLE} (the JSON {@code class}); required
     * @param priority the level within the class, 0 (highest) to 7
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#linux-process">config.md linux process</a>
     */
    public record IoPriority(
            @JsonProperty("class") String priorityClass,
            Integer priority,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public IoPriority {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public IoPriority(String priorityClass, Integer priority) {
            this(priorityClass, priority, Map.of());
        }
    }

    /**
     * The scheduling policy and parameters of the process, as for sched_setattr(2).
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param policy {@code SCHED_OTHER}, {@code SCHED_FIFO} ...; required
     * @param nice the nice value, -20 to 19
     * @param priority the static priority of real-time policies
     * @param flags {@code SCHED_FLAG_*} names
     * @param runtime SCHED_DEADLINE runtime, nanoseconds (an unsigned 64-bit value: read it with
     *     {@link Long#toUnsignedString(long)})
     * @param deadline SCHED_DEADLINE deadline, nanoseconds (an unsigned 64-bit value: read it with
     *     {@link Long#toUnsignedString(long)})
     * @param period SCHED_DEADLINE period, nanoseconds (an unsigned 64-bit value: read it with
     *     {@link Long#toUnsignedString(long)})
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#linux-process">config.md linux process</a>
     */
    public record Scheduler(
            String policy,
            Integer nice,
            Integer priority,
            List<String> flags,
            @Unsigned Long runtime,
            @Unsigned Long deadline,
            @Unsigned Long period,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Scheduler {
            flags = Copies.list(flags);
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public Scheduler(String policy, Integer nice, Integer priority, List<String> flags, Long runtime, Long deadline, Long period) {
            this(policy, nice, priority, flags, runtime, deadline, period, Map.of());
        }
    }

    /**
     * The CPU affinity of processes joined to the container by exec, in cpuset list syntax ({@code
     * 0-3,7}).
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param initial the affinity on joining, before entering the cgroup
     * @param finalAffinity the affinity after entering the cgroup (the JSON {@code final})
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#linux-process">config.md linux process</a>
     */
    public record ExecCpuAffinity(
            String initial,
            @JsonProperty("final") String finalAffinity,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public ExecCpuAffinity {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public ExecCpuAffinity(String initial, String finalAffinity) {
            this(initial, finalAffinity, Map.of());
        }
    }

    /**
     * A mutable builder of {@link ProcessSpec}; every component starts {@code null} (absent) and
     * {@code extra} empty. {@link #build()} copies, so a builder can be reused. Not
     * thread-safe. The builder does not validate: use {@link OciSpecs#validate}.
     */
    public static final class Builder {
        private Boolean terminal;
        private ConsoleSize consoleSize;
        private User user;
        private List<String> args;
        private String commandLine;
        private List<String> env;
        private String cwd;
        private Capabilities capabilities;
        private List<Rlimit> rlimits;
        private Boolean noNewPrivileges;
        private String apparmorProfile;
        private Integer oomScoreAdj;
        private String selinuxLabel;
        private IoPriority ioPriority;
        private Scheduler scheduler;
        private ExecCpuAffinity execCPUAffinity;
        private Map<String, JsonNode> extra = Map.of();

        private Builder() {}

        /** Sets {@code terminal}; {@code null} makes it absent. */
        public Builder terminal(Boolean terminal) {
            this.terminal = terminal;
            return this;
        }

        /** Sets {@code consoleSize}; {@code null} makes it absent. */
        public Builder consoleSize(ConsoleSize consoleSize) {
            this.consoleSize = consoleSize;
            return this;
        }

        /** Sets {@code user}; {@code null} makes it absent. */
        public Builder user(User user) {
            this.user = user;
            return this;
        }

        /** Sets {@code args}; {@code null} makes it absent. */
        public Builder args(List<String> args) {
            this.args = args;
            return this;
        }

        /** Sets {@code commandLine}; {@code null} makes it absent. */
        public Builder commandLine(String commandLine) {
            this.commandLine = commandLine;
            return this;
        }

        /** Sets {@code env}; {@code null} makes it absent. */
        public Builder env(List<String> env) {
            this.env = env;
            return this;
        }

        /** Sets {@code cwd}; {@code null} makes it absent. */
        public Builder cwd(String cwd) {
            this.cwd = cwd;
            return this;
        }

        /** Sets {@code capabilities}; {@code null} makes it absent. */
        public Builder capabilities(Capabilities capabilities) {
            this.capabilities = capabilities;
            return this;
        }

        /** Sets {@code rlimits}; {@code null} makes it absent. */
        public Builder rlimits(List<Rlimit> rlimits) {
            this.rlimits = rlimits;
            return this;
        }

        /** Sets {@code noNewPrivileges}; {@code null} makes it absent. */
        public Builder noNewPrivileges(Boolean noNewPrivileges) {
            this.noNewPrivileges = noNewPrivileges;
            return this;
        }

        /** Sets {@code apparmorProfile}; {@code null} makes it absent. */
        public Builder apparmorProfile(String apparmorProfile) {
            this.apparmorProfile = apparmorProfile;
            return this;
        }

        /** Sets {@code oomScoreAdj}; {@code null} makes it absent. */
        public Builder oomScoreAdj(Integer oomScoreAdj) {
            this.oomScoreAdj = oomScoreAdj;
            return this;
        }

        /** Sets {@code selinuxLabel}; {@code null} makes it absent. */
        public Builder selinuxLabel(String selinuxLabel) {
            this.selinuxLabel = selinuxLabel;
            return this;
        }

        /** Sets {@code ioPriority}; {@code null} makes it absent. */
        public Builder ioPriority(IoPriority ioPriority) {
            this.ioPriority = ioPriority;
            return this;
        }

        /** Sets {@code scheduler}; {@code null} makes it absent. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** Sets {@code execCPUAffinity}; {@code null} makes it absent. */
        public Builder execCPUAffinity(ExecCpuAffinity execCPUAffinity) {
            this.execCPUAffinity = execCPUAffinity;
            return this;
        }

        /** Sets the unknown properties to carry through. */
        public Builder extra(Map<String, JsonNode> extra) {
            this.extra = extra;
            return this;
        }

        /** Returns the immutable value. */
        public ProcessSpec build() {
            return new ProcessSpec(terminal, consoleSize, user, args, commandLine, env, cwd, capabilities, rlimits, noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel, ioPriority, scheduler, execCPUAffinity, extra);
        }
    }
}
