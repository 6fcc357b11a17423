package dev.gatun.oci;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A signal by name and number, as {@code runc kill} and the {@code stopSignal} annotation name
 * them. {@link #parse(String)} accepts {@code SIGTERM}, {@code TERM}, {@code term}, {@code 15}
 * and the real-time forms {@code SIGRTMIN+3} and {@code RTMAX-1}. Numbers are those of x86-64
 * and aarch64 (not mips, sparc or alpha). Immutable.
 *
 * @param name the canonical name, like {@code SIGTERM} or {@code SIGRTMIN+3}
 * @param number the signal number, 1 to 64
 * @see <a href="https://man7.org/linux/man-pages/man7/signal.7.html">signal(7)</a>
 */
public record Signal(String name, int number) {

    /** The first real-time signal as glibc and musl expose it (the kernel's 32 and 33 are theirs). */
    public static final int SIGRTMIN = 34;
    /** The last real-time signal. */
    public static final int SIGRTMAX = 64;

    private static final List<String> STANDARD = List.of(
            "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
            "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
            "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
            "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS");

    /** SIGKILL (9), which cannot be caught or ignored. */
    public static final Signal SIGKILL = of(9);
    /** SIGTERM (15), the default of {@code kill}. */
    public static final Signal SIGTERM = of(15);

    /** Checks the components. */
    public Signal {
        Objects.requireNonNull(name, "name");
        if (number < 1 || number > SIGRTMAX) {
            throw new IllegalArgumentException("signal number " + number + " is outside 1 to " + SIGRTMAX);
        }
    }

    /**
     * Returns the signal numbered {@code number}.
     *
     * @throws IllegalArgumentException when it is not 1 to 31 or 34 to 64
     */
    public static Signal of(int number) {
        if (number >= 1 && number <= STANDARD.size()) {
            return new Signal(STANDARD.get(number - 1), number);
        }
        if (number >= SIGRTMIN && number <= SIGRTMAX) {
            return new Signal(number == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + (number - SIGRTMIN), number);
        }
        throw new IllegalArgumentException("no signal numbered " + number + " (1 to 31, " + SIGRTMIN + " to " + SIGRTMAX + ")");
    }

    /**
     * Returns the signal {@code text} names: a name with or without {@code SIG}, any case, or a
     * number.
     *
     * @throws IllegalArgumentException naming the text, when it names no signal
     */
    public static Signal parse(String text) {
        Objects.requireNonNull(text, "text");
        if (!text.isEmpty() && text.chars().allMatch(Character::isDigit) && text.length() <= 3) {
            return of(Integer.parseInt(text));
        }
        String name = text.toUpperCase(Locale.ROOT);
        if (!name.startsWith("SIG")) {
            name = "SIG" + name;
        }
        int standard = STANDARD.indexOf(name);
        if (standard >= 0) {
            return of(standard + 1);
        }
        switch (name) {
            case "SIGIOT": return of(6);
            case "SIGPOLL": return of(29);
            case "SIGCLD": return of(17);
            default: break;
        }
        Integer rt = realtime(name);
        if (rt != null && rt >= SIGRTMIN && rt <= SIGRTMAX) {
            return of(rt);
        }
        throw new IllegalArgumentException("unknown signal \"" + text + "\"");
    }

    private static Integer realtime(String name) {
        for (String base : List.of("SIGRTMIN", "SIGRTMAX")) {
            if (name.startsWith(base)) {
                int origin = base.equals("SIGRTMIN") ? SIGRTMIN : SIGRTMAX;
                String rest = name.substring(base.length());
                if (rest.isEmpty()) {
                    return origin;
                }
                if (rest.length() > 1 && rest.length() <= 3 && (rest.charAt(0) == '+' || rest.charAt(0) == '-')
                        && rest.substring(1).chars().allMatch(Character::isDigit)) {
                    int n = Integer.parseInt(rest.substring(1));
                    return rest.charAt(0) == '+' ? origin + n : origin - n;
                }
            }
        }
        return null;
    }
}
