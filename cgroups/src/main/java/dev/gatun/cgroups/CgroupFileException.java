package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Writing a cgroup control file failed: the kernel refused the value (EINVAL, EBUSY, EPERM...) or
 * the file could not be opened. The message names the file, the data and the kernel's reason, as in
 * {@code write "999" to /sys/fs/cgroup/cpuset/x/cpuset.cpus: Invalid argument}.
 */
public final class CgroupFileException extends IOException {

    private final Path file;
    private final String data;

    /**
     * @param file the control file
     * @param data what was written
     * @param cause the I/O error, whose message carries the kernel's reason
     */
    public CgroupFileException(Path file, String data, IOException cause) {
        super("write \"" + data.strip() + "\" to " + file + ": " + reason(cause), cause);
        this.file = Objects.requireNonNull(file, "file");
        this.data = data;
    }

    /** The control file. */
    public Path file() {
        return file;
    }

    /** The data that was written. */
    public String data() {
        return data;
    }

    private static String reason(IOException cause) {
        // FileSystemException's message repeats the path; its reason alone is the errno text
        if (cause instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return cause instanceof java.nio.file.NoSuchFileException ? "No such file or directory"
                : String.valueOf(cause.getMessage());
    }
}
