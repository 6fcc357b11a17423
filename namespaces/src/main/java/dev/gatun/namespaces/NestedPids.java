package dev.gatun.namespaces;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A process's PID in each PID namespace it is visible in, from the {@code NSpid:} line of
 * {@code /proc/<pid>/status}: outermost first (the PID namespace of the {@code /proc} that was
 * read, usually the host's), innermost last (the one the process itself sees). A container's init
 * shows {@code [N, 1]}: PID 1 is namespace-relative.
 *
 * <p>Needs Linux 4.1 for {@code NSpid}. Immutable.
 *
 * @param pids the PIDs, outermost first; at least one
 * @see <a href="https://man7.org/linux/man-pages/man5/proc_pid_status.5.html">proc_pid_status(5)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/pid_namespaces.7.html">pid_namespaces(7)</a>
 */
public record NestedPids(List<Long> pids) {

    public NestedPids {
        pids = List.copyOf(pids);
        if (pids.isEmpty()) {
            throw new NamespaceConfigException("pids", "[]", "a process has at least one pid");
        }
    }

    /**
     * Reads {@code /proc/<pid>/status}.
     *
     * @throws NoSuchFileException if there is no such process
     * @throws IOException if the kernel has no NSpid line (before Linux 4.1)
     */
    public static NestedPids of(long pid) throws IOException {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        return parse(status.toString(), Files.readString(status));
    }

    static NestedPids parse(String source, String status) throws IOException {
        for (String line : status.split("\n")) {
            if (line.startsWith("NSpid:")) {
                List<Long> pids = new ArrayList<>();
                for (String f : line.substring(6).strip().split("\\s+")) {
                    pids.add(Long.parseLong(f));
                }
                return new NestedPids(pids);
            }
        }
        throw new IOException(source + ": no NSpid line (the kernel is older than 4.1)");
    }

    /** The PID in the outermost namespace: the one {@code /proc} belongs to. */
    public long outermost() {
        return pids.getFirst();
    }

    /** The PID the process sees for itself ({@code getpid()}). */
    public long innermost() {
        return pids.getLast();
    }

    /** How many PID namespaces the process is visible in: 1 for a process in the root namespace of /proc. */
    public int depth() {
        return pids.size();
    }
}
