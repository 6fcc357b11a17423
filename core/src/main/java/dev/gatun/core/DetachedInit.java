package dev.gatun.core;

import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * What another process needs to act on a {@linkplain Container#detached(Path) detached}
 * container's init, given only its pid and start time (field 22 of {@code /proc/<pid>/stat}):
 * signal it without ever signalling a process that reused its pid, and make the FIFO it waits on.
 * For runtimes that keep containers across processes (the {@code gatun} command line).
 * Stateless and thread-safe.
 */
public final class DetachedInit {

    private DetachedInit() {}

    /**
     * Sends {@code signal} to the process {@code pid} if it is still the one that started at
     * {@code startTime}: through a pidfd opened first and checked after, so the pid cannot be
     * reused in between.
     *
     * @return false when that process is gone (or a zombie: it can no longer act on a signal)
     */
    public static boolean signal(long pid, long startTime, int signal) throws IOException {
        int pidfd;
        try {
            pidfd = LibC.pidfdOpen(pid);
        } catch (ErrnoException e) {
            if (e.errno() == 3 /* ESRCH */) {
                return false;
            }
            throw e;
        }
        try {
            if (!sameProcess(pid, startTime)) {
                return false;
            }
            LibC.pidfdSendSignal(pidfd, signal);
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == 3) {
                return false;
            }
            throw e;
        } finally {
            LibC.close(pidfd);
        }
    }

    /** Whether {@code pid} is the live (not zombie) process that started at {@code startTime}. */
    public static boolean sameProcess(long pid, long startTime) throws IOException {
        String line;
        try {
            line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (NoSuchFileException e) {
            return false;
        }
        String[] f = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(f[19]) == startTime && !f[0].equals("Z") && !f[0].equals("X");
    }

    /**
     * Runs the spec's {@code poststart} or {@code poststop} hooks as the library does (each gets
     * {@code state} on stdin and must exit 0 within its timeout), for a runtime whose start and
     * delete happen in other processes than its create.
     *
     * @throws IOException naming the first hook that failed (the spec says: log it, go on)
     */
    public static void runHooks(String kind, dev.gatun.oci.Spec spec, dev.gatun.oci.State state, Path bundle)
            throws IOException {
        if (spec.hooks() == null) {
            return;
        }
        java.util.List<dev.gatun.oci.Hook> hooks = switch (kind) {
            case "poststart" -> spec.hooks().poststart();
            case "poststop" -> spec.hooks().poststop();
            default -> throw new IllegalArgumentException("not a hook a detached container's runtime runs: " + kind);
        };
        HookRunner.run(kind, dev.gatun.core.plan.Absent.list(hooks), state, bundle);
    }

    /**
     * Runs the spec's {@code startContainer} hooks in the created container's namespaces, as
     * {@link Container#start()} does, for a runtime whose start happens in another process than
     * its create: its init by pid and start time, its cgroup directories. Call before letting the
     * init exec its command.
     *
     * @throws IOException naming the first hook that failed; the caller must then stop the
     *     container, as the runtime spec says
     */
    public static void runStartContainerHooks(dev.gatun.oci.Spec spec, dev.gatun.oci.State state, long pid,
            long startTime, java.util.Collection<Path> cgroupDirectories) throws IOException {
        if (spec.hooks() == null || dev.gatun.core.plan.Absent.list(spec.hooks().startContainer()).isEmpty()) {
            return;
        }
        HookRunner.runInContainer("startContainer", spec.hooks().startContainer(), state,
                () -> ContainerExec.intoDetached(state.id(), pid, startTime, spec, cgroupDirectories));
    }

    /**
     * Applies {@code resources} (OCI's {@code linux.resources}) to a container's cgroup, given the
     * directories its create made ({@link Container#cgroup()}'s {@code directories()}): a live
     * update, as {@code runc update}. Unset fields are left alone; device rules are refused (on v2
     * they are an eBPF program this does not replace).
     *
     * @throws dev.gatun.oci.InvalidSpecException for device rules or values the cgroups refuse as bad input
     */
    public static void updateResources(java.util.Map<String, Path> cgroupDirectories, dev.gatun.oci.Resources resources)
            throws IOException {
        if (resources.devices() != null && !resources.devices().isEmpty()) {
            throw new dev.gatun.oci.InvalidSpecException("resources", java.util.List.of(new dev.gatun.oci.ValidationError(
                    "$.devices", "device rules cannot be updated; they are fixed at create")));
        }
        dev.gatun.cgroups.Cgroups.existing(cgroupDirectories).apply(dev.gatun.core.plan.ResourceMapping.toCgroups(resources));
    }

    /**
     * Makes {@code directory/exec.fifo}, mode 0622 whatever the umask: the container's user,
     * whoever it is, opens it for writing; only the owner reads.
     */
    public static Path makeFifo(Path directory) throws IOException {
        Path fifo = directory.resolve(Container.EXEC_FIFO);
        LibC.mkfifo(fifo.toString(), 0622);
        Files.setPosixFilePermissions(fifo, PosixFilePermissions.fromString("rw--w--w-"));
        return fifo;
    }
}
