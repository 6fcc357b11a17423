package dev.gatun.core.spawn;

import dev.gatun.core.linux.Flags;

/**
 * How a process ended, decoded from {@code waitid(2)}'s {@code siginfo_t}: an exit code, or the
 * signal that killed it (and whether it dumped core). Immutable.
 *
 * @param code the exit code (0..255), or -1 when a signal killed the process
 * @param signal the killing signal, or 0 when the process exited
 * @param coreDumped whether the killing signal dumped core
 * @see <a href="https://man7.org/linux/man-pages/man2/waitid.2.html">waitid(2)</a>
 */
public record ExitStatus(int code, int signal, boolean coreDumped) {

    /** {@code si_code} CLD_EXITED. */
    static final int CLD_EXITED = 1;
    /** {@code si_code} CLD_KILLED. */
    static final int CLD_KILLED = 2;
    /** {@code si_code} CLD_DUMPED. */
    static final int CLD_DUMPED = 3;

    /** Decodes {@code si_code} and {@code si_status}. */
    static ExitStatus of(int siCode, int siStatus) {
        return switch (siCode) {
            case CLD_EXITED -> new ExitStatus(siStatus, 0, false);
            case CLD_KILLED -> new ExitStatus(-1, siStatus, false);
            case CLD_DUMPED -> new ExitStatus(-1, siStatus, true);
            default -> throw new IllegalArgumentException("si_code " + siCode + " is no termination");
        };
    }

    /** Whether the process exited (rather than being killed by a signal). */
    public boolean exited() {
        return signal == 0;
    }

    /** The shell's {@code $?}: the exit code, or 128 + the signal, like {@link Process#exitValue()}. */
    public int exitValue() {
        return exited() ? code : 128 + signal;
    }

    @Override
    public String toString() {
        return exited() ? "exit " + code : "killed by " + Flags.signal(signal) + (coreDumped ? " (core dumped)" : "");
    }
}
