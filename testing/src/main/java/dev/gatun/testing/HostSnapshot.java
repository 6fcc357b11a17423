package dev.gatun.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.opentest4j.AssertionFailedError;

/**
 * What a test could leave behind on the host, captured at one moment: this JVM's open file
 * descriptors, its child processes, and the mount table of its mount namespace.
 *
 * <p>Take one before the work and one after, then {@link #assertNoLeaksSince(HostSnapshot)}: the
 * message lists exactly what was left behind. Fds are compared by number and target, so an fd
 * closed and another opened at the same number with another target counts as a leak. Thread-safe
 * and immutable; it reads only {@code /proc/self}.
 *
 * @param fds "number -> target" of each open fd
 * @param children pids of this JVM's direct children (from every thread's {@code children} file)
 * @param mounts the lines of {@code /proc/self/mountinfo}, without their mount ids
 */
public record HostSnapshot(Set<String> fds, Set<Long> children, List<String> mounts) {

    public HostSnapshot {
        fds = Set.copyOf(fds);
        children = Set.copyOf(children);
        mounts = List.copyOf(mounts);
    }

    /** Captures the current state. */
    public static HostSnapshot take() {
        return new HostSnapshot(openFds(), readChildren(), readMounts());
    }

    /**
     * Fails with a list of what is here now and was not in {@code before}. Because the JDK closes
     * some fds of a finished {@code Process} a moment after it is reaped, and a child may still be
     * exiting, a leak must persist for {@code patience} (re-checked with fresh snapshots every
     * 50 ms) before it counts.
     */
    public void assertNoLeaksSince(HostSnapshot before, java.time.Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        List<String> leaks = leaksSince(before);
        while (!leaks.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionFailedError("left behind on the host:\n  " + String.join("\n  ", leaks));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionFailedError("interrupted while waiting for leaks to settle", e);
            }
            leaks = take().leaksSince(before);
        }
    }

    /** {@link #assertNoLeaksSince(HostSnapshot, java.time.Duration)} with one second of patience. */
    public void assertNoLeaksSince(HostSnapshot before) {
        assertNoLeaksSince(before, java.time.Duration.ofSeconds(1));
    }

    /** What is here in this snapshot and was not in {@code before}, one line each. */
    public List<String> leaksSince(HostSnapshot before) {
        List<String> leaks = new ArrayList<>();
        for (String fd : new TreeSet<>(fds)) {
            if (!before.fds.contains(fd)) {
                leaks.add("fd " + fd);
            }
        }
        for (long pid : new TreeSet<>(children)) {
            if (!before.children.contains(pid)) {
                leaks.add("child process " + pid + " (" + describe(pid) + ")");
            }
        }
        List<String> newMounts = new ArrayList<>(mounts);
        newMounts.removeAll(before.mounts);
        for (String m : newMounts) {
            leaks.add("mount " + m);
        }
        return leaks;
    }

    private static Set<String> openFds() {
        Set<String> result = new TreeSet<>();
        List<Path> entries;
        try (Stream<Path> listing = Files.list(Path.of("/proc/self/fd"))) {
            entries = listing.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // read the links after the listing is closed, so its own directory fd is not counted
        for (Path fd : entries) {
            try {
                result.add(fd.getFileName() + " -> " + Files.readSymbolicLink(fd));
            } catch (IOException e) {
                // the listing's own fd, gone by now
            }
        }
        return result;
    }

    private static Set<Long> readChildren() {
        Set<Long> result = new TreeSet<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    for (String pid : Files.readString(task.resolve("children")).trim().split("\\s+")) {
                        if (!pid.isEmpty() && !isSentinel(pid)) {
                            result.add(Long.parseLong(pid));
                        }
                    }
                } catch (IOException e) {
                    // the thread ended while we listed
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    /**
     * Whether the child is Gatun's sentinel ({@code comm} "gatun-sentinel"): one per JVM by design,
     * started with the first container and living as long as the JVM, so not a leak.
     */
    private static boolean isSentinel(String pid) {
        try {
            return Files.readString(Path.of("/proc", pid, "comm")).strip().equals("gatun-sentinel");
        } catch (IOException e) {
            return false; // gone already
        }
    }

    private static List<String> readMounts() {
        List<String> result = new ArrayList<>();
        for (String line : Kernel.read(Path.of("/proc/self/mountinfo")).split("\n")) {
            // drop the mount id and parent id: they change when an unrelated mount is replaced
            String[] fields = line.split(" ", 3);
            if (fields.length == 3) {
                result.add(fields[2]);
            }
        }
        return result;
    }

    private static String describe(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ').strip();
        } catch (IOException e) {
            return "gone";
        }
    }
}
