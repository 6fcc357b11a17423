package dev.gatun.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Freezing a container's processes for {@code pause}/{@code resume}: the v1 freezer's
 * {@code freezer.state} (FROZEN, THAWED) or v2's {@code cgroup.freeze} (1, 0), whichever of the
 * container's recorded cgroup directories has one. A freeze is complete when the kernel says so
 * ({@code freezer.state} reads FROZEN, {@code cgroup.events} says "frozen 1"), so callers wait.
 */
record Freezer(Path directory, boolean v2) {

    /** The freezer among {@code r}'s cgroup directories, if the host has one. */
    static Optional<Freezer> of(ContainerRecord r) {
        for (String d : r.cgroups()) {
            Path dir = Path.of(d);
            if (Files.exists(dir.resolve("freezer.state"))) {
                return Optional.of(new Freezer(dir, false));
            }
        }
        for (String d : r.cgroups()) {
            Path dir = Path.of(d);
            if (Files.exists(dir.resolve("cgroup.freeze"))) {
                return Optional.of(new Freezer(dir, true));
            }
        }
        return Optional.empty();
    }

    boolean frozen() throws IOException {
        if (v2) {
            return Files.readString(directory.resolve("cgroup.events")).contains("frozen 1");
        }
        return !Files.readString(directory.resolve("freezer.state")).trim().equals("THAWED");
    }

    /** Freezes or thaws, and waits (10 s at most) until the kernel has done it. */
    void set(boolean freeze) throws IOException {
        Path file = directory.resolve(v2 ? "cgroup.freeze" : "freezer.state");
        Files.writeString(file, v2 ? (freeze ? "1" : "0") : (freeze ? "FROZEN" : "THAWED"));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (frozen() != freeze) {
            if (System.nanoTime() > deadline) {
                throw new IOException(file + ": the container is not " + (freeze ? "frozen" : "thawed") + " after 10 s");
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted waiting for " + file);
            }
            if (!freeze && !v2) {
                // a v1 thaw can be reported as FREEZING while a freeze is still going on: write again
                Files.writeString(file, "THAWED");
            }
        }
    }
}
