package dev.gatun.core.spawn;

import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a program needs when the child comes from legacy {@code clone} instead of {@code clone3}
 * (a seccomp profile refuses clone3, as Docker's default one does): legacy clone has neither
 * {@code CLONE_CLEAR_SIGHAND} nor {@code CLONE_INTO_CGROUP}, and a filter that refuses clone3 may
 * refuse {@code close_range} too. So:
 *
 * <ol>
 *   <li>every handler is reset with {@code rt_sigaction(sig, SIG_DFL)} first, while all signals
 *       are still blocked (the JVM's handlers must never run in the child);
 *   <li>the child writes {@code "0"} to {@code cgroup.procs} of the requested cgroup;
 *   <li>each {@code close_range(first, last, CLOSE_RANGE_CLOEXEC)} becomes one
 *       {@code fcntl(fd, F_SETFD, FD_CLOEXEC)} per fd in that range open in the JVM now, and each
 *       {@code close_range(first, last, 0)} one {@code close(fd)}, both tolerating EBADF (the
 *       {@link FdPrologue}'s staging fds, which the JVM does not hold, it closes one by one).
 *       An fd another thread opens between this listing and the clone is not covered; the JDK
 *       opens its own fds with O_CLOEXEC, so only third-party native code could leak one.
 * </ol>
 */
final class LegacyClone {

    private LegacyClone() {}

    /** {@code program} adapted for a child made by legacy clone with {@code options}. */
    static Program adapt(Program program, SpawnOptions options) {
        Program.Builder b = Program.builder().resetSignalHandlers();
        options.cgroupFd().ifPresent(dir -> {
            Slot procs = Slot.named("cgroup_procs");
            b.openat(procs, dir, "cgroup.procs", LibC.O_WRONLY | LibC.O_CLOEXEC, 0)
                    .write(procs, "0".getBytes(StandardCharsets.US_ASCII))
                    .close(procs);
        });
        for (Step step : program.steps()) {
            if (step.syscall().equals("close_range")) {
                long first = number(step.args().get(0));
                long last = number(step.args().get(1)) & 0xFFFF_FFFFL;
                boolean cloexec = number(step.args().get(2)) != 0;
                for (int fd : openFds()) {
                    if (fd < first || fd > last) {
                        continue;
                    }
                    if (cloexec) {
                        b.step(Step.of("fcntl", Arg.of(fd), new Arg.Value(2, "F_SETFD"), new Arg.Value(1, "FD_CLOEXEC"))
                                .allowing(Errno.EBADF));
                    } else {
                        b.step(Step.of("close", Arg.of(fd)).allowing(Errno.EBADF));
                    }
                }
            } else {
                b.step(step);
            }
        }
        return b.build();
    }

    private static long number(Arg arg) {
        return switch (arg) {
            case Arg.Number n -> n.value();
            case Arg.Value v -> v.value();
            default -> throw new IllegalArgumentException("close_range with a run-time argument: " + arg.render());
        };
    }

    private static List<Integer> openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(p -> Integer.parseInt(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("listing /proc/self/fd for the legacy-clone fallback", e);
        }
    }
}
