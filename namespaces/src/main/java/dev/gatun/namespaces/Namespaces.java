package dev.gatun.namespaces;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The namespaces of a container to be spawned, and the plan that makes them: which to create,
 * which to join and which to share with the runtime, the uid/gid mappings of a new user namespace,
 * and the offsets of a new time namespace.
 *
 * <p>Build one with {@link #builder()}; every type not mentioned is {@linkplain NamespaceMode.Share
 * shared}. The builder validates in {@link Builder#build()}: a new user namespace needs
 * {@link IdMappings}, mappings need a new user namespace, time offsets need a new time namespace,
 * and a {@code /proc/<pid>/ns/<name>} path must name the type it is joined as.
 *
 * <p>The plan, read by the spawn engine in {@code dev.gatun.core}:
 * <ul>
 *   <li>{@link #cloneFlags()}: the {@code CLONE_NEW*} flags for {@code clone3} itself;
 *   <li>{@link #steps()}: what the child does next, in order — joins, {@code unshare}s, a wait for
 *       the parent to write ID maps and time offsets, a fork;
 *   <li>{@link #requiresFork()}, {@link #requiresPrivateMemory()}: what the engine must be able to
 *       do for these steps.
 * </ul>
 * The rules behind the order, as runc and crun apply them: a user namespace is joined first, so
 * that the joins and creations after it happen with its capabilities and the new namespaces are
 * owned by it; namespaces joined alongside a <em>new</em> user namespace are joined before it is
 * created (afterwards the child has no capability over the host's namespaces), so then everything
 * is created with {@code unshare} after the joins instead of by {@code clone3}; joining or
 * unsharing a PID namespace affects only children, hence a fork; time offsets must be written
 * before any process enters the time namespace, so it is unshared (not cloned) and entered on
 * {@code execve} (Linux 6.2 and later; before that only a fork enters it, and the engine must add
 * one).
 *
 * <p>Does not open, check or create anything: it is a value. Immutable and thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/clone.2.html">clone(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/setns.2.html">setns(2)</a>
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#namespaces">OCI
 *     runtime spec: namespaces</a>
 */
public final class Namespaces {

    /** The order namespaces are joined in: user first, mount late (runc's order). */
    static final List<NamespaceType> JOIN_ORDER = List.of(NamespaceType.USER, NamespaceType.IPC, NamespaceType.UTS,
            NamespaceType.NETWORK, NamespaceType.PID, NamespaceType.MOUNT, NamespaceType.CGROUP, NamespaceType.TIME);

    private final Map<NamespaceType, NamespaceMode> modes;
    private final IdMappings idMappings;
    private final TimeOffsets timeOffsets;
    private final long cloneFlags;
    private final List<NamespaceStep> steps;

    private Namespaces(Builder b) {
        this.modes = Collections.unmodifiableMap(new EnumMap<>(b.modes));
        this.idMappings = b.idMappings;
        this.timeOffsets = b.timeOffsets;
        validate();
        long flags = 0;
        List<NamespaceStep> plan = new ArrayList<>();
        makePlan(plan);
        for (NamespaceType t : cloneTypes()) {
            flags |= t.cloneFlag();
        }
        this.cloneFlags = flags;
        this.steps = List.copyOf(plan);
    }

    /** A builder with every namespace shared, no mappings, no offsets. */
    public static Builder builder() {
        return new Builder();
    }

    /** Every namespace shared with the runtime: no isolation. */
    public static Namespaces host() {
        return builder().build();
    }

    /** A builder holding this value's settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.modes.putAll(modes);
        b.idMappings = idMappings;
        b.timeOffsets = timeOffsets;
        return b;
    }

    /** What happens to {@code type}. */
    public NamespaceMode mode(NamespaceType type) {
        return modes.get(type);
    }

    /** Every type's mode. */
    public Map<NamespaceType, NamespaceMode> modes() {
        return modes;
    }

    /** The types created new. */
    public Set<NamespaceType> created() {
        EnumSet<NamespaceType> s = EnumSet.noneOf(NamespaceType.class);
        for (Map.Entry<NamespaceType, NamespaceMode> e : modes.entrySet()) {
            if (e.getValue() instanceof NamespaceMode.Create) {
                s.add(e.getKey());
            }
        }
        return Collections.unmodifiableSet(s);
    }

    /** The types joined, with their paths, in join order (user first). */
    public Map<NamespaceType, Path> joined() {
        Map<NamespaceType, Path> m = new LinkedHashMap<>();
        for (NamespaceType t : JOIN_ORDER) {
            if (modes.get(t) instanceof NamespaceMode.Join(Path path)) {
                m.put(t, path);
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** The mappings of the new user namespace; present exactly when the user namespace is created. */
    public Optional<IdMappings> idMappings() {
        return Optional.ofNullable(idMappings);
    }

    /** The offsets of the new time namespace; {@link TimeOffsets#NONE} when none. */
    public TimeOffsets timeOffsets() {
        return timeOffsets;
    }

    /**
     * The {@code CLONE_NEW*} flags to pass to {@code clone3}: the namespaces the clone itself
     * creates. Zero when the steps create them with {@code unshare}.
     *
     * <p>On a cgroup v1 host the engine may drop {@code CLONE_NEWCGROUP} from here and unshare it
     * after placing the child in its cgroups, so that the container sees its own cgroup as
     * {@code /}.
     */
    public long cloneFlags() {
        return cloneFlags;
    }

    /** The namespace steps of the child after the clone, in order; empty for the plainest cases. */
    public List<NamespaceStep> steps() {
        return steps;
    }

    /**
     * Whether the child must fork so that its child enters a PID namespace (joined, or created by
     * {@code unshare}): the process that runs the container is then the grandchild.
     */
    public boolean requiresFork() {
        for (NamespaceStep s : steps) {
            if (s instanceof NamespaceStep.Fork) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a step needs a child that shares its memory with no other process: joining a time
     * namespace (the kernel refuses it with EUSERS otherwise). A {@code CLONE_VM} child of the JVM
     * does not qualify. (Joining a user namespace only needs a child with its own thread group and
     * fs struct, which a {@code CLONE_VM} child without {@code CLONE_FS} has.)
     */
    public boolean requiresPrivateMemory() {
        return modes.get(NamespaceType.TIME) instanceof NamespaceMode.Join;
    }

    /** Whether the parent must act while the child waits: write ID maps or time offsets. */
    public boolean requiresParentSync() {
        for (NamespaceStep s : steps) {
            if (s instanceof NamespaceStep.AwaitParent) {
                return true;
            }
        }
        return false;
    }

    /**
     * Fails early, with the fix, when {@code caller} could not make these namespaces: without
     * CAP_SYS_ADMIN, every namespace but a user namespace can be created only together with (that
     * is, owned by) a new user namespace — otherwise the clone fails with a bare EPERM. Joins are
     * not checked: whether a join is permitted depends on the owner of the namespace joined, which
     * only the kernel knows.
     *
     * @throws NamespaceConfigException naming the types that need a new user namespace
     */
    public void checkPermitted(Caller caller) {
        if (caller.capSysAdmin() || modes.get(NamespaceType.USER) instanceof NamespaceMode.Create) {
            return;
        }
        Set<NamespaceType> needAdmin = EnumSet.noneOf(NamespaceType.class);
        needAdmin.addAll(created());
        if (!needAdmin.isEmpty()) {
            throw new NamespaceConfigException("namespaces", needAdmin.toString(), "creating these needs "
                    + "CAP_SYS_ADMIN, which " + caller.name() + " (uid " + caller.uid() + ") lacks; create a user "
                    + "namespace with them (create(USER).idMappings(IdMappings.rootless(" + caller.uid() + ", "
                    + caller.gid() + "))) so that they are owned by it");
        }
    }

    private boolean createsViaUnshare() {
        NamespaceMode user = modes.get(NamespaceType.USER);
        boolean anyJoin = false;
        for (NamespaceMode m : modes.values()) {
            anyJoin |= m instanceof NamespaceMode.Join;
        }
        return user instanceof NamespaceMode.Join || (user instanceof NamespaceMode.Create && anyJoin);
    }

    private Set<NamespaceType> cloneTypes() {
        if (createsViaUnshare()) {
            return Set.of();
        }
        EnumSet<NamespaceType> s = EnumSet.noneOf(NamespaceType.class);
        s.addAll(created());
        if (!timeOffsets.isEmpty()) {
            s.remove(NamespaceType.TIME);
        }
        return s;
    }

    private void makePlan(List<NamespaceStep> plan) {
        for (Map.Entry<NamespaceType, Path> e : joined().entrySet()) {
            plan.add(new NamespaceStep.Join(e.getKey(), e.getValue()));
        }
        boolean offsets = !timeOffsets.isEmpty();
        boolean newUser = modes.get(NamespaceType.USER) instanceof NamespaceMode.Create;
        boolean forkForPid = modes.get(NamespaceType.PID) instanceof NamespaceMode.Join;
        if (createsViaUnshare()) {
            if (!created().isEmpty()) {
                // with CLONE_NEWUSER in the same call the kernel creates the user namespace first
                // and the others owned by it
                plan.add(new NamespaceStep.Unshare(created()));
            }
            forkForPid |= modes.get(NamespaceType.PID) instanceof NamespaceMode.Create;
        } else if (offsets) {
            plan.add(new NamespaceStep.Unshare(EnumSet.of(NamespaceType.TIME)));
        }
        if (newUser || offsets) {
            plan.add(new NamespaceStep.AwaitParent(newUser, offsets));
        }
        if (forkForPid) {
            plan.add(new NamespaceStep.Fork());
        }
    }

    private void validate() {
        NamespaceMode user = modes.get(NamespaceType.USER);
        if (user instanceof NamespaceMode.Create && idMappings == null) {
            throw new NamespaceConfigException("idMappings", "none", "a new user namespace needs uid and gid "
                    + "mappings; IdMappings.rootless(uid, gid) maps the caller's ids to root");
        }
        if (!(user instanceof NamespaceMode.Create) && idMappings != null) {
            throw new NamespaceConfigException("idMappings", idMappings.uidMapText().strip().replace('\n', ';'),
                    "mappings apply only to a new user namespace, and the user namespace is " + user);
        }
        if (!timeOffsets.isEmpty() && !(modes.get(NamespaceType.TIME) instanceof NamespaceMode.Create)) {
            throw new NamespaceConfigException("timeOffsets", timeOffsets.toProcText().strip().replace('\n', ';'),
                    "offsets apply only to a new time namespace, and the time namespace is "
                            + modes.get(NamespaceType.TIME));
        }
        for (Map.Entry<NamespaceType, NamespaceMode> e : modes.entrySet()) {
            if (e.getValue() instanceof NamespaceMode.Join(Path path)) {
                checkProcPath(e.getKey(), path);
            }
        }
    }

    /** A /proc/<pid>/ns/<name> path joined as another type is a mistake we can see. */
    private static void checkProcPath(NamespaceType t, Path path) {
        if (path.getNameCount() == 4 && path.getName(0).toString().equals("proc")
                && path.getName(2).toString().equals("ns")) {
            String name = path.getFileName().toString();
            boolean ok = name.equals(t.procName()) || name.equals(t.procName() + "_for_children");
            if (!ok) {
                throw new NamespaceConfigException(t.ociName() + ".path", path.toString(),
                        "names a '" + name + "' namespace, not a " + t.procName() + " one");
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Namespaces n && n.modes.equals(modes) && Objects.equals(n.idMappings, idMappings)
                && n.timeOffsets.equals(timeOffsets);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modes, idMappings, timeOffsets);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Namespaces[");
        String sep = "";
        for (NamespaceType t : NamespaceType.values()) {
            if (!(modes.get(t) instanceof NamespaceMode.Share)) {
                sb.append(sep).append(t).append('=').append(modes.get(t));
                sep = ", ";
            }
        }
        if (idMappings != null) {
            sb.append(sep).append("uids=").append(idMappings.uids()).append(", gids=").append(idMappings.gids())
                    .append(", setgroups=").append(idMappings.setgroups().word());
        }
        if (!timeOffsets.isEmpty()) {
            sb.append(", timeOffsets=").append(timeOffsets.toProcText().strip().replace('\n', ';'));
        }
        return sb.append(']').toString();
    }

    /**
     * Collects the settings of a {@link Namespaces}. Every type starts {@linkplain
     * NamespaceMode.Share shared}; a later call for a type replaces an earlier one. Setters check
     * their argument at once; {@link #build()} checks the combination. Not thread-safe.
     *
     * <table>
     *   <caption>Attributes</caption>
     *   <tr><th>attribute</th><th>default</th></tr>
     *   <tr><td>mode per type ({@link #create}, {@link #join}, {@link #share})</td><td>shared</td></tr>
     *   <tr><td>{@link #idMappings(IdMappings)}</td><td>none (required when the user namespace is new)</td></tr>
     *   <tr><td>{@link #timeOffsets(TimeOffsets)}</td><td>{@link TimeOffsets#NONE}</td></tr>
     * </table>
     */
    public static final class Builder {

        private final EnumMap<NamespaceType, NamespaceMode> modes = new EnumMap<>(NamespaceType.class);
        private IdMappings idMappings;
        private TimeOffsets timeOffsets = TimeOffsets.NONE;

        private Builder() {
            for (NamespaceType t : NamespaceType.values()) {
                modes.put(t, NamespaceMode.share());
            }
        }

        /** Create new namespaces of these types. */
        public Builder create(NamespaceType... types) {
            for (NamespaceType t : types) {
                modes.put(Objects.requireNonNull(t, "type"), NamespaceMode.create());
            }
            return this;
        }

        /** Join the namespace {@code path} stands for (a {@code /proc/<pid>/ns/*} file or a bind mount of one). */
        public Builder join(NamespaceType type, Path path) {
            modes.put(Objects.requireNonNull(type, "type"), new NamespaceMode.Join(path));
            return this;
        }

        /** Join process {@code pid}'s namespace of this type, through {@code /proc/<pid>/ns/<name>}. */
        public Builder join(NamespaceType type, long pid) {
            return join(type, type.procPath(pid));
        }

        /** Stay in the runtime's namespaces of these types (the default). */
        public Builder share(NamespaceType... types) {
            for (NamespaceType t : types) {
                modes.put(Objects.requireNonNull(t, "type"), NamespaceMode.share());
            }
            return this;
        }

        /** Sets one type's mode. */
        public Builder mode(NamespaceType type, NamespaceMode mode) {
            modes.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(mode, "mode"));
            return this;
        }

        /** The mappings of the new user namespace; {@code null} clears them. */
        public Builder idMappings(IdMappings mappings) {
            this.idMappings = mappings;
            return this;
        }

        /** The offsets of the new time namespace; {@code null} means {@link TimeOffsets#NONE}. */
        public Builder timeOffsets(TimeOffsets offsets) {
            this.timeOffsets = offsets == null ? TimeOffsets.NONE : offsets;
            return this;
        }

        /**
         * The value.
         *
         * @throws NamespaceConfigException if the settings contradict each other
         */
        public Namespaces build() {
            return new Namespaces(this);
        }
    }
}
