package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes one limit into one control file; a missing file is an
 * {@link UnsupportedLimitException} or, under {@link OnUnsupported#DROP}, a recorded drop.
 * One per apply; not thread-safe.
 */
final class LimitWriter {

    private final CgroupFs fs;
    private final OnUnsupported policy;
    private final List<String> dropped = new ArrayList<>();

    LimitWriter(CgroupFs fs, OnUnsupported policy) {
        this.fs = fs;
        this.policy = policy;
    }

    /**
     * Writes {@code value} to {@code dir/file} for {@code limit}; {@code dir} is null when the
     * controller is not mounted at all.
     */
    void write(String limit, Path dir, String file, String value) throws IOException {
        if (dir == null) {
            unsupported(limit, Path.of(file), "its controller is not available here (not mounted, or not enabled for this cgroup)");
            return;
        }
        Path path = dir.resolve(file);
        try {
            fs.write(path, value); // no stat first: a missing file fails the open, one syscall fewer
        } catch (CgroupFileException e) {
            if (!(e.getCause() instanceof NoSuchFileException)) {
                throw e;
            }
            unsupported(limit, path, "no such control file on this kernel");
        }
    }

    /** Records or throws for a limit this host cannot enforce. */
    void unsupported(String limit, Path file, String why) throws UnsupportedLimitException {
        UnsupportedLimitException e = new UnsupportedLimitException(limit, file, why);
        if (policy == OnUnsupported.FAIL) {
            throw e;
        }
        dropped.add(limit + ": " + file + " (" + why + ")");
    }

    /** {@code dir/file}, or just {@code file} when the controller has no directory. */
    static Path at(Path dir, String file) {
        return dir == null ? Path.of(file) : dir.resolve(file);
    }

    CgroupFs fs() {
        return fs;
    }

    List<String> dropped() {
        return List.copyOf(dropped);
    }
}
