package dev.gatun.core.spawn;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Errno;

/**
 * A step of a syscall program failed in the child: names the step as a person would write it,
 * its index and the program's length, and the errno, e.g.
 * {@code mount("proc", "/r/proc", "proc", MS_NOSUID, NULL): Operation not permitted (EPERM) (step 14 of 52)}.
 * When the step returned a value other than its expected one, {@link #errno()} is 0 and the
 * message says what it returned: {@code read(release[0], buf[1], 1) returned 0, expected 1 (step 3 of 20)}.
 *
 * <p>The child has been reaped when this is thrown. Immutable.
 */
public final class StepFailedException extends ErrnoException {

    private static final long serialVersionUID = 1L;

    private final int stepIndex;
    private final int stepCount;
    private final String step;
    private final long result;

    StepFailedException(Step step, int stepIndex, int stepCount, int errno, long result) {
        this(step, stepIndex, stepCount, errno, result, "");
    }

    /** {@code origins}: "; $fd = openat(...) (step 52)" for each slot argument, or empty. */
    StepFailedException(Step step, int stepIndex, int stepCount, int errno, long result, String origins) {
        super(errno, step.syscall(), step.renderedArgs(), message(step, stepIndex, stepCount, errno, result, origins));
        this.stepIndex = stepIndex;
        this.stepCount = stepCount;
        this.step = step.render();
        this.result = result;
    }

    private static String message(Step step, int index, int count, int errno, long result, String origins) {
        String where = " (step " + index + " of " + count + origins + ")";
        if (errno == 0) {
            return step.call() + " returned " + result + ", expected " + step.expected().orElse(0) + where;
        }
        String hint = "";
        if (errno == Errno.EBADF && step.syscall().equals("dup3")) {
            // the kernel's EBADF also means "newfd is at or above RLIMIT_NOFILE": out of fds, not a bad fd
            hint = ": the new fd number is at or above the fd limit (RLIMIT_NOFILE), or the old fd is not open";
        }
        return step.call() + ": " + Errno.message(errno) + " (" + Errno.name(errno) + ")" + hint + where;
    }

    /** The failing step's index, from 0. */
    public int stepIndex() {
        return stepIndex;
    }

    /** The number of steps in the program. */
    public int stepCount() {
        return stepCount;
    }

    /** The failing step, rendered. */
    public String step() {
        return step;
    }

    /** The step's raw return value ({@code -errno}, or the unexpected value). */
    public long result() {
        return result;
    }
}
