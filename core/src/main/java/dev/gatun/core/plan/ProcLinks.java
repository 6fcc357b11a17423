package dev.gatun.core.plan;

import dev.gatun.oci.Mount;
import dev.gatun.oci.Spec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Refuses a {@code process.cwd} or {@code process.args[0]} inside a process's own directory of a
 * proc the container mounts ({@code /proc/self}, {@code /proc/thread-self}, {@code /proc/<pid>}):
 * its {@code fd/N}, {@code cwd}, {@code root} and {@code exe} are magic links that lead wherever
 * the process's fds, cwd and root are — for the init before exec, possibly the host
 * (CVE-2024-21626: {@code cwd=/proc/self/fd/N}). No container needs to start there.
 *
 * <p>The check is lexical, on the path as written. A symlink in the rootfs that leads there is
 * not seen here; what holds then is that the init has closed every fd it got from the JVM before
 * it resolves anything (see {@code FdPrologue}), so {@code /proc/self/fd} holds only its stdio and
 * its own pipes.
 */
final class ProcLinks {

    private ProcLinks() {}

    /**
     * @throws dev.gatun.oci.InvalidSpecException naming {@code jsonPath} when {@code path} lies in a
     *     process's directory of a proc mount of {@code spec}
     */
    static void refuse(Spec spec, String jsonPath, String path) {
        if (path == null || !path.startsWith("/")) {
            return;
        }
        List<String> target = normalize(path);
        for (Mount m : Absent.list(spec.mounts())) {
            boolean proc = "proc".equals(m.type()) || m.source() != null && normalize(m.source()).equals(List.of("proc"));
            if (!proc || m.destination() == null) {
                continue;
            }
            List<String> dest = normalize(m.destination());
            if (target.size() > dest.size() && target.subList(0, dest.size()).equals(dest)) {
                String dir = target.get(dest.size());
                if (dir.equals("self") || dir.equals("thread-self") || dir.chars().allMatch(Character::isDigit)) {
                    String in = "/" + String.join("/", target.subList(0, dest.size() + 1));
                    throw Invalid.spec(jsonPath, "\"" + path + "\" lies in " + in + ", a process's own directory in "
                            + "proc, whose fd, cwd, root and exe links can lead out of the container");
                }
            }
        }
    }

    /** The components of {@code path} with ".", ".." and empty ones resolved lexically. */
    private static List<String> normalize(String path) {
        Deque<String> parts = new ArrayDeque<>();
        for (String c : path.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(c);
            }
        }
        return new ArrayList<>(parts);
    }
}
