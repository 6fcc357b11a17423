package dev.gatun.core.spawn;

import dev.gatun.core.linux.Errno;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * One syscall of a {@link Program}: the call, its arguments, and how the executor judges the
 * result.
 *
 * <ul>
 *   <li>Success is a return value outside {@code [-4095, -1]}; with {@link #expected()} it must
 *       also equal that value (a handshake {@code read} that returns 0 because the parent died
 *       fails instead of passing).
 *   <li>{@link #allowedErrno()}: 0 (none, the default), an errno that counts as success (EEXIST
 *       for "mkdir if missing"), or {@link #ANY_ERRNO}.
 *   <li>{@link #result()}: a slot that receives the raw return value, always (also on failure).
 *   <li>{@link #parentExits()}: for the fork step only: the task that made the call exits 0 when
 *       the call returned a positive value (a pid), so only the new task walks on.
 * </ul>
 *
 * <p>Immutable and thread-safe; the {@code with...} methods return changed copies.
 *
 * @param syscall the syscall name as in {@code syscalls.tsv}, e.g. {@code mount}
 * @param args at most six arguments
 * @param allowedErrno 0, a positive errno, or {@link #ANY_ERRNO}
 * @param result the slot for the return value, or null
 * @param expected the only accepted success value, or empty
 * @param parentExits whether this is a fork step
 */
public record Step(String syscall, List<Arg> args, int allowedErrno, Slot result, OptionalLong expected,
                   boolean parentExits) {

    /** {@link #allowedErrno()} value that tolerates every error. */
    public static final int ANY_ERRNO = -1;

    public Step {
        Objects.requireNonNull(syscall, "syscall");
        args = List.copyOf(args);
        if (args.size() > 6) {
            throw new IllegalArgumentException(syscall + ": a syscall takes at most 6 arguments, got " + args.size());
        }
        if (allowedErrno < ANY_ERRNO) {
            throw new IllegalArgumentException(syscall + ": allowedErrno must be 0, positive or ANY_ERRNO: " + allowedErrno);
        }
        Objects.requireNonNull(expected, "expected");
    }

    /** {@code syscall(args)} with default judgement: any non-error result succeeds. */
    public static Step of(String syscall, Arg... args) {
        return new Step(syscall, List.of(args), 0, null, OptionalLong.empty(), false);
    }

    /** This step, with {@code errno} counting as success. */
    public Step allowing(int errno) {
        return new Step(syscall, args, errno, result, expected, parentExits);
    }

    /** This step, storing its return value in {@code slot}. */
    public Step storingIn(Slot slot) {
        return new Step(syscall, args, allowedErrno, Objects.requireNonNull(slot, "slot"), expected, parentExits);
    }

    /** This step, succeeding only when it returns {@code value}. */
    public Step expecting(long value) {
        return new Step(syscall, args, allowedErrno, result, OptionalLong.of(value), parentExits);
    }

    /** This step as a fork step: the caller exits 0 after a positive return. */
    Step withParentExits() {
        return new Step(syscall, args, allowedErrno, result, expected, true);
    }

    /** The result slot, if any. */
    public Optional<Slot> resultSlot() {
        return Optional.ofNullable(result);
    }

    /**
     * The call as a person would write it, with its judgement:
     * {@code $fd = openat(AT_FDCWD, "/proc/self/oom_score_adj", O_WRONLY|O_CLOEXEC, 0)},
     * {@code read(release[0], buf[1], 1) == 1}, {@code mkdirat(AT_FDCWD, "/x", 0755) allowing EEXIST}.
     */
    public String render() {
        StringBuilder sb = new StringBuilder();
        if (result != null) {
            sb.append(result).append(" = ");
        }
        sb.append(call());
        expected.ifPresent(v -> sb.append(" == ").append(v));
        if (allowedErrno == ANY_ERRNO) {
            sb.append(" allowing any error");
        } else if (allowedErrno > 0) {
            sb.append(" allowing ").append(Errno.name(allowedErrno));
        }
        if (parentExits) {
            sb.append(" (the caller exits; the new task goes on)");
        }
        return sb.toString();
    }

    /** Just the call: {@code name(args)}. */
    public String call() {
        return syscall + args.stream().map(Arg::render).collect(Collectors.joining(", ", "(", ")"));
    }

    /** The arguments as rendered inside the parentheses. */
    String renderedArgs() {
        return args.stream().map(Arg::render).collect(Collectors.joining(", "));
    }
}
