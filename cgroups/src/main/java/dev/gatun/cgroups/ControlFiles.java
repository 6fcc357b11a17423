package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Reading the kernel's small file formats: a number, "key value" lines, a pid list. */
final class ControlFiles {

    private ControlFiles() {}

    /** The number in {@code file}; -1 when the file is absent or says "max". */
    static long number(CgroupFs fs, Path file) throws IOException {
        if (!fs.exists(file)) {
            return -1;
        }
        String text = fs.read(file).strip();
        return text.equals("max") || text.isEmpty() ? -1 : Long.parseLong(text);
    }

    /** "key value" lines as a map; empty when the file is absent. Non-numeric values are skipped. */
    static Map<String, Long> keyValues(CgroupFs fs, Path file) throws IOException {
        Map<String, Long> result = new LinkedHashMap<>();
        if (!fs.exists(file)) {
            return result;
        }
        for (String line : fs.read(file).split("\n")) {
            String[] kv = line.strip().split("\\s+");
            if (kv.length == 2) {
                try {
                    result.put(kv[0], Long.parseLong(kv[1]));
                } catch (NumberFormatException e) {
                    // "frozen" in freezer files and the like: not a counter
                }
            }
        }
        return result;
    }

    /** One key of a "key value" file, or -1. */
    static long key(CgroupFs fs, Path file, String key) throws IOException {
        return keyValues(fs, file).getOrDefault(key, -1L);
    }

    /** The content of an optional file, or "". */
    static String text(CgroupFs fs, Path file) throws IOException {
        return fs.exists(file) ? fs.read(file) : "";
    }

    /** Adds the pids listed in a {@code cgroup.procs} file; none when the cgroup is gone. */
    static void pids(CgroupFs fs, Path procs, TreeSet<Long> into) throws IOException {
        String text;
        try {
            text = fs.read(procs);
        } catch (NoSuchFileException e) {
            return;
        }
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                into.add(Long.parseLong(line.strip()));
            }
        }
    }

    /** The v2 limit form: -1 (or any negative) is "max". */
    static String max(long value) {
        return value < 0 ? "max" : Long.toString(value);
    }

    /**
     * Polls {@code condition} every 10 ms for up to {@code millis}; false on timeout. The kernel
     * finishes freezing and reaping asynchronously, with no file to block on.
     */
    static boolean await(long millis, IoCondition condition) throws IOException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for the cgroup");
            }
        }
        return true;
    }

    /** Sends SIGKILL to each pid (kill(2) through ProcessHandle); a pid already gone is fine. */
    static void sigkill(List<Long> pids) {
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @FunctionalInterface
    interface IoCondition {
        boolean holds() throws IOException;
    }

    /**
     * Makes the cgroup {@code leaf} below {@code mount}, and the missing directories on the way,
     * adding each it made to {@code made}, parents first. The leaf goes first: when its parent
     * exists (every container after the first under one parent) that is the only syscall; only
     * ENOENT sends it up a level. The leaf must be new ({@link #mkdirUnlessExists}).
     */
    static void mkdirs(CgroupFs fs, Path mount, Path leaf, List<Path> made) throws IOException {
        mkdirs(fs, mount, leaf, true, made);
    }

    private static void mkdirs(CgroupFs fs, Path mount, Path dir, boolean leaf, List<Path> made) throws IOException {
        try {
            if (mkdirUnlessExists(fs, dir, leaf)) {
                made.add(dir);
            }
        } catch (NoSuchFileException e) {
            Path parent = dir.getParent();
            if (parent == null || parent.equals(mount) || !parent.startsWith(mount)) {
                throw e;
            }
            mkdirs(fs, mount, parent, false, made);
            if (mkdirUnlessExists(fs, dir, leaf)) {
                made.add(dir);
            }
        }
    }

    /**
     * Makes {@code dir} (one level) and says whether this call made it. An existing directory is
     * fine on the way to a cgroup, but {@code leaf} (the container's own) must be new: Gatun never
     * takes over a cgroup it did not create.
     */
    static boolean mkdirUnlessExists(CgroupFs fs, Path dir, boolean leaf) throws IOException {
        try {
            fs.mkdir(dir);
            return true;
        } catch (FileAlreadyExistsException e) {
            if (leaf) {
                throw new FileAlreadyExistsException(dir.toString(), null,
                        "the cgroup exists already; Gatun does not take over cgroups it did not create");
            }
            return false;
        }
    }

    /**
     * One rmdir per directory of each list, deepest first, no retry: true when every leaf is gone
     * (or was). False at the first leaf that refused (EBUSY while a task is still being reaped, or
     * tasks inside); the caller then looks closer and retries. The fast path of a delete. Parents
     * go as {@link #removeCreated} takes them.
     */
    static boolean removeAtOnce(CgroupFs fs, List<List<Path>> created) {
        for (List<Path> made : created) {
            if (made.isEmpty()) {
                continue;
            }
            try {
                fs.rmdir(made.getLast());
            } catch (NoSuchFileException e) {
                // removed already (an earlier, interrupted delete)
            } catch (IOException e) {
                return false;
            }
            removeParents(fs, made);
        }
        return true;
    }

    /**
     * Removes {@code created} deepest first: the last, the container's own cgroup, with EBUSY
     * retried briefly (a just-emptied cgroup can be busy while its last task is reaped); then the
     * parents this container made on the way, each while it is empty. A parent that holds another
     * cgroup (a sibling container's, made later under it) stays, and so do the ones above it:
     * it is in use, not left behind by mistake, and deleting this container must not fail for it.
     */
    static void removeCreated(CgroupFs fs, List<Path> created, Throwable primary) throws IOException {
        if (created.isEmpty()) {
            return;
        }
        try {
            rmdirRetrying(fs, created.getLast());
        } catch (IOException e) {
            if (primary == null) {
                throw e;
            }
            primary.addSuppressed(e);
            return;
        }
        removeParents(fs, created);
    }

    /** rmdir of every directory of {@code made} but the last, deepest first, until one is in use. */
    private static void removeParents(CgroupFs fs, List<Path> made) {
        List<Path> parents = made.subList(0, made.size() - 1);
        for (Path d : parents.reversed()) {
            try {
                fs.rmdir(d);
            } catch (NoSuchFileException e) {
                // gone already
            } catch (IOException e) {
                return; // another cgroup lives in it: in use, and so is every directory above
            }
        }
    }

    static void rmdirRetrying(CgroupFs fs, Path d) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                fs.rmdir(d);
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (IOException e) {
                if (attempt >= 100) {
                    throw new IOException("rmdir " + d + ": " + e.getMessage(), e);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted removing " + d);
                }
            }
        }
    }
}
