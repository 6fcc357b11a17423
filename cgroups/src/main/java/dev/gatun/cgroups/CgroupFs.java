package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The four file-system operations the drivers use, so that unit tests can substitute a fake
 * cgroupfs that behaves like the kernel's (a new directory comes with its control files; rmdir
 * removes a directory that still holds them).
 */
interface CgroupFs {

    /** The real cgroupfs under {@code /sys/fs/cgroup}. */
    CgroupFs REAL = new CgroupFs() {
        @Override
        public void mkdir(Path dir) throws IOException {
            Files.createDirectory(dir);
        }

        @Override
        public void rmdir(Path dir) throws IOException {
            Files.delete(dir); // rmdir(2): cgroupfs removes a directory that only holds control files
        }
    };

    /** Creates one cgroup directory; fails if it exists. */
    void mkdir(Path dir) throws IOException;

    /** Removes one cgroup directory. */
    void rmdir(Path dir) throws IOException;

    /**
     * Writes {@code data} to an existing control file in one write(2), as the kernel expects: no
     * create, no append. The only write path of the module; its error names the file and the data.
     */
    default void write(Path file, String data) throws CgroupFileException {
        try {
            Files.write(file, data.getBytes(StandardCharsets.US_ASCII),
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new CgroupFileException(file, data, e);
        }
    }

    /** Reads a control file. */
    default String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII);
    }

    /** The child cgroups of {@code dir} (its subdirectories); none when it is gone. */
    default java.util.List<Path> children(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        } catch (java.nio.file.NoSuchFileException e) {
            return java.util.List.of();
        }
    }

    /** Whether a control file or directory exists. */
    default boolean exists(Path file) {
        return Files.exists(file);
    }
}
