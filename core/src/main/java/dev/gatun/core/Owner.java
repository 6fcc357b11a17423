package dev.gatun.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The process that owns a piece of Gatun's state: a pid and that process's start time (field 22
 * of {@code /proc/<pid>/stat}, clock ticks since boot). The pair names one process for good: a
 * pid alone can be reused by a later process, never with the same start time (within one boot;
 * after a reboot /run and every cgroup are fresh anyway). So "owner alive" is one read, with no
 * race: a later process that got the pid has another start time, and a dead owner never comes back.
 *
 * @param pid the owner's pid
 * @param startTime its start time in clock ticks since boot
 */
record Owner(long pid, long startTime) {

    private static final Owner SELF = read(ProcessHandle.current().pid())
            .orElseThrow(() -> new IllegalStateException("cannot read /proc/self/stat"));

    /** This JVM. */
    static Owner self() {
        return SELF;
    }

    /** The process {@code pid} as it is now; empty when there is none. */
    static Optional<Owner> read(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
        // the command in field 2 is in parentheses and may hold spaces and ')': count from the last ')'
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Optional.of(new Owner(pid, Long.parseLong(after[19])));
    }

    /** Whether this very process still runs (a zombie counts: its state is not released yet). */
    boolean alive() {
        return read(pid).map(this::equals).orElse(false);
    }

    /** {@code <pid>-<start time>}: how a name (the sentinel's cgroup directory) carries the owner. */
    String token() {
        return pid + "-" + startTime;
    }

    /** The owner a {@link #token()} names; empty when {@code token} is not one. */
    static Optional<Owner> parseToken(String token) {
        int dash = token.indexOf('-');
        try {
            return dash < 0 ? Optional.empty()
                    : Optional.of(new Owner(Long.parseLong(token.substring(0, dash)), Long.parseLong(token.substring(dash + 1))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
