package dev.gatun.namespaces;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The namespaces a process is in, one {@link NamespaceId} per type, read from
 * {@code /proc/<pid>/ns/*} at one moment.
 *
 * <p>A type the kernel does not have (time before Linux 5.6, cgroup before 4.6) is absent. The
 * set is a snapshot: the process may change namespaces or exit afterwards. Reading another user's
 * process needs ptrace access (CAP_SYS_PTRACE or the same uid). Immutable.
 *
 * @param pid the process, as seen in the PID namespace of {@code /proc}
 * @param ids each type's namespace
 * @see <a href="https://man7.org/linux/man-pages/man7/namespaces.7.html">namespaces(7)</a>
 */
public record NamespaceSet(long pid, Map<NamespaceType, NamespaceId> ids) {

    public NamespaceSet {
        ids = Collections.unmodifiableMap(new EnumMap<>(ids));
    }

    /**
     * Reads the namespaces of {@code pid}.
     *
     * @throws NoSuchFileException if there is no such process
     * @throws java.nio.file.AccessDeniedException if this process may not inspect it
     */
    public static NamespaceSet of(long pid) throws IOException {
        return read(pid, Path.of("/proc", Long.toString(pid), "ns"));
    }

    /** Reads the namespaces of a process. */
    public static NamespaceSet of(ProcessHandle process) throws IOException {
        return of(process.pid());
    }

    /** Reads this process's namespaces. */
    public static NamespaceSet self() throws IOException {
        return of(ProcessHandle.current().pid());
    }

    static NamespaceSet read(long pid, Path nsDir) throws IOException {
        if (!Files.isDirectory(nsDir)) {
            throw new NoSuchFileException(nsDir.toString(), null, "no process " + pid);
        }
        Map<NamespaceType, NamespaceId> ids = new EnumMap<>(NamespaceType.class);
        for (NamespaceType t : NamespaceType.values()) {
            try {
                ids.put(t, NamespaceId.of(t, nsDir.resolve(t.procName())));
            } catch (NoSuchFileException e) {
                if (!Files.isDirectory(nsDir)) {
                    throw e;
                }
                // this kernel has no such namespace type
            }
        }
        return new NamespaceSet(pid, ids);
    }

    /** This process's namespace of {@code type}, if the kernel has the type. */
    public Optional<NamespaceId> get(NamespaceType type) {
        return Optional.ofNullable(ids.get(type));
    }

    /** The types in which both processes are in the same namespace. */
    public Set<NamespaceType> sharedWith(NamespaceSet other) {
        EnumSet<NamespaceType> s = EnumSet.noneOf(NamespaceType.class);
        ids.forEach((t, id) -> {
            if (id.equals(other.ids.get(t))) {
                s.add(t);
            }
        });
        return Collections.unmodifiableSet(s);
    }

    /** The types (present for both) in which the two processes are in different namespaces. */
    public Set<NamespaceType> differentFrom(NamespaceSet other) {
        EnumSet<NamespaceType> s = EnumSet.noneOf(NamespaceType.class);
        ids.forEach((t, id) -> {
            NamespaceId o = other.ids.get(t);
            if (o != null && !id.equals(o)) {
                s.add(t);
            }
        });
        return Collections.unmodifiableSet(s);
    }
}
