package dev.gatun.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A container's init as another process sees it: a pid and the start time the kernel gave it
 * (field 22 of {@code /proc/<pid>/stat}), so that a pid the kernel reused for another process
 * never passes for the container's (stale state).
 */
record InitProcess(long pid, long startTime) {

    /** The init as it is now, if {@code pid} runs. */
    static Optional<InitProcess> of(long pid) throws IOException {
        return stat(pid).map(f -> new InitProcess(pid, Long.parseLong(f[19])));
    }

    /** Alive: the same process (same start time), and not a zombie waiting for its parent. */
    boolean alive() throws IOException {
        Optional<String[]> f = stat(pid);
        return f.isPresent() && Long.parseLong(f.get()[19]) == startTime && !f.get()[0].equals("Z")
                && !f.get()[0].equals("X");
    }

    /** The fields of {@code /proc/<pid>/stat} after the command name: [0] is field 3 (state). */
    private static Optional<String[]> stat(long pid) throws IOException {
        if (pid <= 0) {
            return Optional.empty();
        }
        String line;
        try {
            line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("No such process")) {
                return Optional.empty();
            }
            throw e;
        }
        // the command name is in parentheses and may itself hold spaces and parentheses
        return Optional.of(line.substring(line.lastIndexOf(')') + 2).trim().split(" "));
    }
}
