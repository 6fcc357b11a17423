package dev.gatun.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The file {@value #FILE} in a container's state directory ({@code <state dir>/<id>/owner}): who
 * made the container and which cgroup directories it has, so that the sweep can remove what a
 * dead JVM left. Text, one fact per line:
 *
 * <pre>
 * owner 12345 987654      (the JVM's pid and start time, see {@link Owner})
 * cgroup /sys/fs/cgroup/memory/gatun-web      (one line per cgroup directory, any hierarchy)
 * </pre>
 *
 * <p>Written whole to a temporary file and renamed over the old one, so a reader sees the old
 * record or the new, never half of one. A state directory without the file is not judged: it
 * belongs to a container being made this instant, to an older Gatun, or to something else.
 *
 * @param owner the JVM that made the container
 * @param cgroups the container's cgroup directories, absolute
 */
record OwnerRecord(Owner owner, List<Path> cgroups) {

    /** The record's file name in a container's state directory. */
    static final String FILE = "owner";

    OwnerRecord {
        cgroups = List.copyOf(cgroups);
    }

    /** Writes the record into {@code stateDir}, replacing the one there atomically. */
    void write(Path stateDir) throws IOException {
        StringBuilder text = new StringBuilder("owner ").append(owner.pid()).append(' ').append(owner.startTime()).append('\n');
        for (Path c : cgroups) {
            text.append("cgroup ").append(c).append('\n');
        }
        Path tmp = stateDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, stateDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * The record in {@code stateDir}; empty when there is none.
     *
     * @throws IOException naming the file when it is there but not a record
     */
    static Optional<OwnerRecord> read(Path stateDir) throws IOException {
        Path file = stateDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Owner owner = null;
        List<Path> cgroups = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.split(" ", 2);
            if (f[0].equals("owner") && f.length == 2) {
                String[] p = f[1].split(" ");
                try {
                    owner = new Owner(Long.parseLong(p[0]), Long.parseLong(p[1]));
                } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                    throw new IOException(file + ": not an owner record (line \"" + line + "\")", e);
                }
            } else if (f[0].equals("cgroup") && f.length == 2 && f[1].startsWith("/")) {
                cgroups.add(Path.of(f[1]));
            }
        }
        if (owner == null) {
            throw new IOException(file + ": not an owner record (no \"owner <pid> <start time>\" line)");
        }
        return Optional.of(new OwnerRecord(owner, cgroups));
    }

    /** Removes the record from {@code stateDir}. */
    static void delete(Path stateDir) throws IOException {
        Files.deleteIfExists(stateDir.resolve(FILE));
    }
}
