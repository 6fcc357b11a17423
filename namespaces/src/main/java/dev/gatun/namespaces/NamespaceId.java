package dev.gatun.namespaces;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The identity of one namespace: its type and the device and inode of its nsfs file. Two
 * processes are in the same namespace exactly when {@code /proc/<pid>/ns/<type>} of both give the
 * same device and inode (namespaces(7)); the inode alone is what {@code readlink} shows
 * ({@code net:[4026531840]}) but is unique only per device.
 *
 * <p>Immutable. Reading one follows the symbolic link, as {@code stat(2)} does.
 *
 * @param type the namespace type
 * @param device {@code st_dev} of the nsfs file
 * @param inode {@code st_ino} of the nsfs file
 * @see <a href="https://man7.org/linux/man-pages/man7/namespaces.7.html">namespaces(7), "The
 *     /proc/[pid]/ns/ directory"</a>
 */
public record NamespaceId(NamespaceType type, long device, long inode) {

    /**
     * The namespace {@code file} stands for: a {@code /proc/<pid>/ns/*} link or a bind mount of one.
     *
     * @throws NoSuchFileException if it does not exist (the process exited, or the kernel lacks
     *     the type)
     * @throws AccessDeniedException if reading it needs ptrace access to the process
     */
    public static NamespaceId of(NamespaceType type, Path file) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino");
        return new NamespaceId(type, ((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue());
    }

    /** Process {@code pid}'s namespace of this type. */
    public static NamespaceId of(NamespaceType type, long pid) throws IOException {
        return of(type, type.procPath(pid));
    }

    /**
     * The pids, in the PID namespace of {@code /proc}, of the processes in this namespace, found by
     * scanning {@code /proc}. Processes that exit during the scan or whose namespace files this
     * process may not read (another user's, without CAP_SYS_PTRACE) are left out: the answer is a
     * snapshot of what is visible. Threads are not listed separately.
     */
    public List<Long> members() throws IOException {
        return members(Path.of("/proc"));
    }

    List<Long> members(Path proc) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(proc)) {
            for (Path p : dir) {
                long pid = parsePid(p.getFileName().toString());
                if (pid <= 0) {
                    continue;
                }
                try {
                    if (equals(of(type, p.resolve("ns").resolve(type.procName())))) {
                        pids.add(pid);
                    }
                } catch (NoSuchFileException | AccessDeniedException e) {
                    // exited during the scan, or not ours to look at: not visible
                }
            }
        }
        pids.sort(null);
        return List.copyOf(pids);
    }

    private static long parsePid(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return -1;
            }
        }
        return name.isEmpty() ? -1 : Long.parseLong(name);
    }

    /** As {@code readlink} shows it: {@code net:[4026531840]}. */
    @Override
    public String toString() {
        return type.procName() + ":[" + inode + "]";
    }
}
