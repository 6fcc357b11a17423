package dev.gatun.core.plan;

import dev.gatun.cgroups.Cgroup;
import dev.gatun.core.io.Stdio;
import dev.gatun.core.linux.Flags;
import dev.gatun.core.ns.NamespaceSetup;
import dev.gatun.core.rootfs.RootfsPlan;
import dev.gatun.core.spawn.Handshake;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.Slot;
import dev.gatun.core.spawn.SpawnOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * Everything one container's spawn needs, made by {@link ContainerPlanner}: the child's syscall
 * program, the clone options, and the parent's part while the child waits. It holds resources
 * (namespace fds to join, off-heap memory the child reads until exec, mount points it created in
 * the rootfs); {@link #close()} releases the first two once the child has exec'd or died, and
 * {@link #removeCreatedPaths()} the last when the container is deleted.
 *
 * <p>The child's program has two pauses, both a {@code notifyParent} then {@code awaitParent}:
 * an optional early one ({@link #configureWaitingChild}) where the parent writes uid/gid maps and
 * places the child in v1 cgroups, and the "created" one just before {@code execve}, where the
 * parent {@linkplain #takeTerminal takes the terminal} the child made, and which {@code start}
 * releases.
 */
public final class ContainerPlan implements AutoCloseable {

    private final Program program;
    private final SpawnOptions options;
    private final NamespaceSetup namespaces;
    private final RootfsPlan rootfs;
    private final Cgroup parentPlacedCgroup;
    private final Arena memory;
    private final List<String> notes;
    private final int cgroupFd;
    private final int devNull;
    private final Slot terminalMaster;
    private final int[] waiterFds;
    private boolean closed;

    ContainerPlan(Program program, SpawnOptions options, NamespaceSetup namespaces, RootfsPlan rootfs,
            Cgroup parentPlacedCgroup, Arena memory, List<String> notes, int cgroupFd, int devNull,
            Slot terminalMaster, int... waiterFds) {
        this.program = program;
        this.options = options;
        this.namespaces = namespaces;
        this.rootfs = rootfs;
        this.parentPlacedCgroup = parentPlacedCgroup;
        this.memory = memory;
        this.notes = List.copyOf(notes);
        this.cgroupFd = cgroupFd;
        this.devNull = devNull;
        this.terminalMaster = terminalMaster;
        this.waiterFds = waiterFds.clone();
    }

    /** The child's program. */
    public Program program() {
        return program;
    }

    /** The clone options (namespace flags, cgroup fd). */
    public SpawnOptions options() {
        return options;
    }

    /** Things the planner decided that a user may want to know (limits dropped, fallbacks taken). */
    public List<String> notes() {
        return notes;
    }

    /**
     * The dry run: first, unnumbered, what the JVM's spawner thread does (the clone, with the
     * namespaces it creates, the cgroup it clones into, a PID namespace it visits around the
     * clone) and the fds the child keeps, then the child's program, one numbered line per step.
     */
    public String render() {
        StringBuilder clone = new StringBuilder("     clone3(")
                .append(options.namespaces() == 0 ? "no new namespaces" : Flags.CLONE.render(options.namespaces()));
        if (options.cgroupFd().isPresent()) {
            clone.append(", CLONE_INTO_CGROUP cgroup fd ").append(options.cgroupFd().getAsInt());
        }
        clone.append(')');
        if (options.pidNamespaceFd().isPresent()) {
            clone.append(" in the joined PID namespace (the spawner thread's setns around the clone)");
        }
        clone.append(" on the JVM's spawner thread\n");
        if (program.ownedFds().isPresent()) {
            // the spawner's prologue: its numbers are known only at the spawn
            clone.append("     the child's first steps keep only the fds ").append(program.renderOwnedFds())
                    .append(program.ownedFds().get().isEmpty() ? "" : " (child <- JVM)")
                    .append(" and the error, release and stage pipes on 3, 4, 5, and close every other fd\n");
        }
        return clone.append("     then it runs:\n").append(program.render()).toString();
    }

    /**
     * The parent's part of the early pause, when the program has one: waits for the child to
     * reach it, writes the uid/gid maps and time offsets, places it in its v1 cgroups, and
     * releases it. Does nothing when the program has no early pause.
     */
    public void configureWaitingChild(Handshake h) throws IOException {
        if (!namespaces.requiresHandshake()) {
            return;
        }
        namespaces.configureWaitingChild(h);
        if (parentPlacedCgroup != null) {
            parentPlacedCgroup.addProcess(h.process().pid());
        }
        h.release();
    }

    /**
     * The parent's part of the "created" pause for a terminal the container's init made
     * ({@link Stdio#terminalFromContainer()}): copies the pty master out of the waiting child
     * ({@code pidfd_getfd}) into {@code stdio}. Does nothing for any other stdio. Call after the
     * handshake reached the "created" stage; the child's own copy closes at its exec.
     */
    public void takeTerminal(Handshake h, Stdio stdio) throws IOException {
        if (terminalMaster != null) {
            stdio.adoptTerminalMaster(h.takeFd(terminalMaster));
        }
    }

    /** Removes what the rootfs planner created inside the rootfs (mount points); for delete. */
    public List<java.nio.file.Path> removeCreatedPaths() {
        return rootfs.cleanup();
    }

    /** Releases the namespace fds, the cgroup fd, /dev/null, the init waiter's fds and the memory the child read; call after exec or death. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        namespaces.close();
        if (cgroupFd >= 0) {
            dev.gatun.core.linux.LibC.close(cgroupFd);
        }
        if (devNull >= 0) {
            dev.gatun.core.linux.LibC.close(devNull);
        }
        for (int fd : waiterFds) {
            dev.gatun.core.linux.LibC.close(fd);
        }
        // the memory (an automatic arena) is freed once this plan is unreachable
    }

}
