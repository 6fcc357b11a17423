package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A cgroup with everything below it: the sub-cgroups a container made inside its own (systemd in
 * a container does), which a plain rmdir of the container's directory refuses with EBUSY, and
 * whose processes a kill of the directory alone does not reach on v1.
 */
final class CgroupTree {

    /** How long a kill may take before the processes left are an error: the kernel reaps asynchronously. */
    static final long KILL_TIMEOUT_MILLIS = 10_000;

    private CgroupTree() {}

    /** {@code dir} and every cgroup below it, parents before their children. */
    static List<Path> topDown(CgroupFs fs, Path dir) throws IOException {
        List<Path> all = new ArrayList<>();
        collect(fs, dir, all);
        return all;
    }

    private static void collect(CgroupFs fs, Path dir, List<Path> into) throws IOException {
        if (!fs.exists(dir)) {
            return;
        }
        into.add(dir);
        for (Path child : fs.children(dir)) {
            collect(fs, child, into);
        }
    }

    /** The pids in {@code dir} and in every cgroup below it. */
    static List<Long> processes(CgroupFs fs, Path dir) throws IOException {
        TreeSet<Long> pids = new TreeSet<>();
        for (Path d : topDown(fs, dir)) {
            ControlFiles.pids(fs, d.resolve("cgroup.procs"), pids);
        }
        return List.copyOf(pids);
    }

    /**
     * Removes the cgroups below {@code dir} (not {@code dir} itself), deepest first, each rmdir
     * retried briefly while its last task is being reaped. They must be empty of processes.
     *
     * @return the directories removed
     */
    static List<Path> removeBelow(CgroupFs fs, Path dir) throws IOException {
        List<Path> below = topDown(fs, dir);
        if (below.isEmpty()) {
            return List.of();
        }
        List<Path> removed = new ArrayList<>();
        for (Path d : below.subList(1, below.size()).reversed()) {
            ControlFiles.rmdirRetrying(fs, d);
            removed.add(d);
        }
        return removed;
    }

    /**
     * Kills every process in {@code dir} and below it and removes them all, deepest first: for a
     * cgroup whose creator is gone (the sweep of a dead JVM's state). v2 (and a hybrid host's
     * unified hierarchy on 5.14+) through {@code cgroup.kill}; v1 by thawing a frozen freezer (a
     * frozen task does not die of SIGKILL until thawed) and SIGKILL of every pid until none is
     * left.
     *
     * @return the directories removed, deepest first; empty when {@code dir} did not exist
     * @throws IOException naming the directory and the pids when processes remain after
     *     {@value #KILL_TIMEOUT_MILLIS} ms, or the directory an rmdir refused
     */
    static List<Path> destroy(CgroupFs fs, Path dir) throws IOException {
        if (!fs.exists(dir)) {
            return List.of();
        }
        kill(fs, dir);
        List<Path> removed = new ArrayList<>(removeBelow(fs, dir));
        ControlFiles.rmdirRetrying(fs, dir);
        removed.add(dir);
        return removed;
    }

    /** SIGKILL to every process in {@code dir} and below; returns once none is left. */
    static void kill(CgroupFs fs, Path dir) throws IOException {
        Path kill = dir.resolve("cgroup.kill");
        if (fs.exists(kill)) {
            fs.write(kill, "1"); // the whole subtree, forks included
        } else {
            for (Path d : topDown(fs, dir)) {
                Path freezer = d.resolve("freezer.state");
                if (fs.exists(freezer) && !fs.read(freezer).strip().equals("THAWED")) {
                    fs.write(freezer, "THAWED");
                }
            }
        }
        if (!ControlFiles.await(KILL_TIMEOUT_MILLIS, () -> {
            List<Long> left = processes(fs, dir);
            ControlFiles.sigkill(left); // without cgroup.kill a fork may race each round
            return left.isEmpty();
        })) {
            throw new IOException(dir + ": processes " + processes(fs, dir) + " still inside (or below) "
                    + KILL_TIMEOUT_MILLIS / 1000 + " s after SIGKILL");
        }
    }
}
