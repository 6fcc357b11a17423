package dev.gatun.namespaces;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Writes the uid and gid maps of a process waiting in a new user namespace, choosing for each map
 * between writing {@code /proc/<pid>/uid_map} directly and running {@code newuidmap} /
 * {@code newgidmap} (Debian package {@code uidmap}).
 *
 * <p>The choice follows the kernel's rules (user_namespaces(7)): a writer with CAP_SETUID
 * (CAP_SETGID for gids) may write any map of ids it has itself; a writer without it may write only
 * one line that maps its own effective id, with size 1, and for the gid_map only after
 * {@code setgroups} was set to {@code deny}. Anything else goes through the setuid helpers, which
 * accept the caller's own id and the caller's ranges in {@code /etc/subuid} / {@code /etc/subgid}
 * (by user name or uid). {@link #plan(IdMappings)} makes the choice without touching the process,
 * so it can be checked before the spawn; a range the caller owns neither way is a
 * {@link NamespaceConfigException} that names the range and the line to add.
 *
 * <p>{@link #apply(long, IdMappings)} writes {@code setgroups} (direct gid map and {@code DENY}),
 * then the uid map, then the gid map. Each direct write is a single {@code write(2)} of the whole
 * map: the kernel accepts a map only in one write at offset 0. {@code newgidmap} sets
 * {@code setgroups} itself ({@code allow} when a range comes from {@code /etc/subgid}, else
 * {@code deny}), so a plan that needs the helper for gids must ask for that same policy.
 *
 * <p>Does not create the user namespace, wait for the child or check that the pid is in a user
 * namespace of the caller's: the caller (the spawn engine) owns the process. Immutable and
 * thread-safe; {@code apply} blocks while a helper runs (at most {@link #helperTimeout()}).
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/user_namespaces.7.html">user_namespaces(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man1/newuidmap.1.html">newuidmap(1)</a>
 */
public final class IdMapper {

    /** Where Debian's {@code uidmap} package installs the uid helper. */
    public static final Path NEWUIDMAP = Path.of("/usr/bin/newuidmap");

    /** Where Debian's {@code uidmap} package installs the gid helper. */
    public static final Path NEWGIDMAP = Path.of("/usr/bin/newgidmap");

    /** How one map gets written. */
    public enum Writer {
        /** A single {@code write(2)} to {@code /proc/<pid>/uid_map} (or {@code gid_map}). */
        DIRECT,
        /** The setuid helper {@code newuidmap} (or {@code newgidmap}). */
        HELPER
    }

    /**
     * The decision for one set of mappings.
     *
     * @param mappings what will be written
     * @param uidWriter how the uid map is written
     * @param gidWriter how the gid map is written
     * @param writeSetgroups whether {@code setgroups} is written by this class before the gid map
     *     (a direct gid map with {@link SetGroups#DENY}); with the helper, {@code newgidmap}
     *     writes it
     */
    public record Plan(IdMappings mappings, Writer uidWriter, Writer gidWriter, boolean writeSetgroups) {}

    private final Caller caller;
    private final SubordinateIds subuids;
    private final SubordinateIds subgids;
    private final Path newuidmap;
    private final Path newgidmap;
    private final Duration helperTimeout;

    private IdMapper(Caller caller, SubordinateIds subuids, SubordinateIds subgids, Path newuidmap,
            Path newgidmap, Duration helperTimeout) {
        this.caller = caller;
        this.subuids = subuids;
        this.subgids = subgids;
        this.newuidmap = newuidmap;
        this.newgidmap = newgidmap;
        this.helperTimeout = helperTimeout;
    }

    /**
     * For this process: {@link Caller#current()}, {@code /etc/subuid}, {@code /etc/subgid}, the
     * helpers in {@code /usr/bin}, a 10 s helper timeout.
     *
     * @throws IOException if a subordinate id file exists but cannot be read
     */
    public static IdMapper forCurrentProcess() throws IOException {
        return of(Caller.current(), SubordinateIds.read(SubordinateIds.SUBUID), SubordinateIds.read(SubordinateIds.SUBGID));
    }

    /** For a given caller and subordinate ranges; helpers in {@code /usr/bin}, 10 s timeout. */
    public static IdMapper of(Caller caller, SubordinateIds subuids, SubordinateIds subgids) {
        return new IdMapper(caller, subuids, subgids, NEWUIDMAP, NEWGIDMAP, Duration.ofSeconds(10));
    }

    /** A copy that runs these helper programs (for a distribution that puts them elsewhere). */
    public IdMapper helpers(Path newuidmap, Path newgidmap) {
        return new IdMapper(caller, subuids, subgids, newuidmap, newgidmap, helperTimeout);
    }

    /** A copy that waits at most {@code timeout} for each helper. */
    public IdMapper helperTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new NamespaceConfigException("helperTimeout", timeout.toString(), "must be positive");
        }
        return new IdMapper(caller, subuids, subgids, newuidmap, newgidmap, timeout);
    }

    /** The caller whose rights decide. */
    public Caller caller() {
        return caller;
    }

    /** The {@code newuidmap} program. */
    public Path newuidmap() {
        return newuidmap;
    }

    /** The {@code newgidmap} program. */
    public Path newgidmap() {
        return newgidmap;
    }

    /** How long {@code apply} waits for each helper. */
    public Duration helperTimeout() {
        return helperTimeout;
    }

    /**
     * Decides how each map is written, without touching any process.
     *
     * @throws NamespaceConfigException if the caller may not map a range (naming it and the line
     *     to add to {@code /etc/subuid} or {@code /etc/subgid}), or the setgroups policy cannot be
     *     had with the writer the ranges need
     */
    public Plan plan(IdMappings m) {
        Writer uid = uidWriter(m.uids());
        Writer gid = gidWriter(m);
        return new Plan(m, uid, gid, gid == Writer.DIRECT && m.setgroups() == SetGroups.DENY);
    }

    /**
     * The setgroups policy these gid ranges can be written with by this caller, for configurations
     * that do not say (an OCI config has no such field): {@code ALLOW} (the kernel's default) with
     * CAP_SETGID; {@code DENY} when only the caller's own gid is mapped (the kernel requires it);
     * otherwise what {@code newgidmap} will write — {@code ALLOW} when a range comes from
     * {@code /etc/subgid}, else {@code DENY}.
     */
    public SetGroups setgroupsFor(List<IdMapping> gids) {
        if (caller.capSetgid()) {
            return SetGroups.ALLOW;
        }
        for (IdMapping r : gids) {
            if (subgids.covers(caller.name(), caller.uid(), r.hostId(), r.size())) {
                return SetGroups.ALLOW;
            }
        }
        return SetGroups.DENY;
    }

    private Writer uidWriter(List<IdMapping> uids) {
        if (caller.capSetuid() || isOwnIdOnly(uids, caller.uid())) {
            return Writer.DIRECT;
        }
        for (int i = 0; i < uids.size(); i++) {
            IdMapping r = uids.get(i);
            if (!isOwnId(r, caller.uid()) && !subuids.covers(caller.name(), caller.uid(), r.hostId(), r.size())) {
                throw notOwned("uidMappings[" + i + "]", r, subuids, "uid " + caller.uid(), "--add-subuids");
            }
        }
        return Writer.HELPER;
    }

    private Writer gidWriter(IdMappings m) {
        List<IdMapping> gids = m.gids();
        if (caller.capSetgid()) {
            return Writer.DIRECT;
        }
        if (isOwnIdOnly(gids, caller.gid()) && m.setgroups() == SetGroups.DENY) {
            return Writer.DIRECT;
        }
        boolean anyInSubgid = false;
        for (int i = 0; i < gids.size(); i++) {
            IdMapping r = gids.get(i);
            boolean sub = subgids.covers(caller.name(), caller.uid(), r.hostId(), r.size());
            if (!sub && !isOwnId(r, caller.gid())) {
                throw notOwned("gidMappings[" + i + "]", r, subgids, "gid " + caller.gid(), "--add-subgids");
            }
            anyInSubgid |= sub;
        }
        // newgidmap writes "allow" as soon as one range is a subordinate one, "deny" when it maps only
        // the caller's own gid; setgroups cannot be changed afterwards, so the plan must agree with it
        SetGroups helperPolicy = anyInSubgid ? SetGroups.ALLOW : SetGroups.DENY;
        if (m.setgroups() != helperPolicy) {
            throw new NamespaceConfigException("setgroups", m.setgroups().name(), anyInSubgid
                    ? "these gid ranges need newgidmap, which sets setgroups to allow when a range comes from "
                            + subgids.source() + "; ask for SetGroups.ALLOW"
                    : "mapping the caller's own gid without CAP_SETGID requires setgroups deny "
                            + "(otherwise a user could drop a group that denies it access); ask for SetGroups.DENY, "
                            + "or add the gid to " + subgids.source() + " for " + caller.name());
        }
        return Writer.HELPER;
    }

    private static boolean isOwnIdOnly(List<IdMapping> lines, long id) {
        return lines.size() == 1 && isOwnId(lines.getFirst(), id);
    }

    private static boolean isOwnId(IdMapping r, long id) {
        return r.size() == 1 && r.hostId() == id;
    }

    private NamespaceConfigException notOwned(String setting, IdMapping r, SubordinateIds file, String ownId, String flag) {
        return new NamespaceConfigException(setting, r.toLine(), "host ids " + r.hostId() + ".." + r.lastHostId()
                + " are not " + caller.name() + "'s to map: without CAP_SETUID/CAP_SETGID a user may map only its own "
                + ownId + " and its ranges in " + file.source() + " (which has "
                + describe(file.rangesOf(caller.name(), caller.uid())) + " for it); add a range, e.g. `usermod " + flag
                + " " + r.hostId() + "-" + r.lastHostId() + " " + caller.name() + "`");
    }

    private static String describe(List<SubordinateIds.Range> ranges) {
        if (ranges.isEmpty()) {
            return "no range";
        }
        List<String> s = new ArrayList<>();
        for (SubordinateIds.Range r : ranges) {
            s.add(r.owner() + ":" + r.start() + ":" + r.count());
        }
        return String.join(", ", s);
    }

    /**
     * The {@code newuidmap} command line for {@code pid}:
     * {@code newuidmap <pid> <containerId> <hostId> <size> ...}, one triple per line of the map.
     */
    public List<String> newuidmapCommand(long pid, List<IdMapping> uids) {
        return helperCommand(newuidmap, pid, uids);
    }

    /** The {@code newgidmap} command line for {@code pid}, in the same format as {@link #newuidmapCommand}. */
    public List<String> newgidmapCommand(long pid, List<IdMapping> gids) {
        return helperCommand(newgidmap, pid, gids);
    }

    private static List<String> helperCommand(Path program, long pid, List<IdMapping> lines) {
        List<String> cmd = new ArrayList<>();
        cmd.add(program.toString());
        cmd.add(Long.toString(pid));
        for (IdMapping m : lines) {
            cmd.add(Long.toString(m.containerId()));
            cmd.add(Long.toString(m.hostId()));
            cmd.add(Long.toString(m.size()));
        }
        return List.copyOf(cmd);
    }

    /**
     * Plans and writes the maps of {@code pid}, which must wait in a new user namespace whose maps
     * are not written yet.
     *
     * @throws NamespaceConfigException as {@link #plan(IdMappings)}
     * @throws IOException naming the file or command that failed, the kernel's or helper's words,
     *     and the usual cause
     */
    public Plan apply(long pid, IdMappings m) throws IOException {
        Plan plan = plan(m);
        apply(pid, plan);
        return plan;
    }

    /** Writes the maps of {@code pid} as {@code plan} says (a plan from this mapper). */
    public void apply(long pid, Plan plan) throws IOException {
        if (pid <= 0) {
            throw new NamespaceConfigException("pid", Long.toString(pid), "a pid is positive");
        }
        Path proc = Path.of("/proc", Long.toString(pid));
        IdMappings m = plan.mappings();
        if (plan.writeSetgroups()) {
            ProcFiles.writeOnce(proc.resolve("setgroups"), "deny\n", SETGROUPS_HINT);
        }
        if (plan.uidWriter() == Writer.DIRECT) {
            ProcFiles.writeOnce(proc.resolve("uid_map"), m.uidMapText(), MAP_HINT);
        } else {
            runHelper(newuidmapCommand(pid, m.uids()), subuids);
        }
        if (plan.gidWriter() == Writer.DIRECT) {
            ProcFiles.writeOnce(proc.resolve("gid_map"), m.gidMapText(), MAP_HINT);
        } else {
            runHelper(newgidmapCommand(pid, m.gids()), subgids);
        }
    }

    private static final String SETGROUPS_HINT = "setgroups can be written only before the gid_map, by a process "
            + "with CAP_SYS_ADMIN over the user namespace (its creator qualifies)";

    private static final String MAP_HINT = "a map can be written once; the writer needs CAP_SETUID/CAP_SETGID over the "
            + "namespace and may map only ids mapped in its own namespace; without those capabilities only its own "
            + "id, size 1, after setgroups deny (for gids); EINVAL means a malformed or overlapping map";

    private void runHelper(List<String> cmd, SubordinateIds file) throws IOException {
        Path program = Path.of(cmd.getFirst());
        if (!Files.isExecutable(program)) {
            throw new NoSuchFileException(program.toString(), null, "no executable " + program.getFileName()
                    + ": the mapping needs it (more than the caller's own id is mapped); install the uidmap package "
                    + "(Debian/Ubuntu: apt-get install uidmap; Fedora: shadow-utils)");
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        boolean done;
        try {
            done = p.waitFor(helperTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(String.join(" ", cmd) + ": interrupted");
        }
        if (!done) {
            p.destroyForcibly();
            reap(p);
            p.getInputStream().close();
            throw new IOException(String.join(" ", cmd) + ": did not finish within " + helperTimeout);
        }
        String output;
        try (var in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + output
                    + " (it accepts the caller's own id and the ranges " + file.source() + " gives " + caller.name()
                    + "; it must be setuid root, and the target process must belong to the caller)");
        }
    }

    private static void reap(Process p) {
        try {
            p.waitFor(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
