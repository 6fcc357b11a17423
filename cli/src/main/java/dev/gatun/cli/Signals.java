package dev.gatun.cli;

import java.util.Locale;
import java.util.Map;

/** Signal names and numbers as {@code kill} takes them ("KILL", "SIGKILL", "9"), and errno texts. */
final class Signals {

    static final int SIGKILL = 9;

    /** Linux's numbers, the same on x86-64 and aarch64 (the generic ones). */
    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("TRAP", 5),
            Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7), Map.entry("FPE", 8), Map.entry("KILL", 9),
            Map.entry("USR1", 10), Map.entry("SEGV", 11), Map.entry("USR2", 12), Map.entry("PIPE", 13),
            Map.entry("ALRM", 14), Map.entry("TERM", 15), Map.entry("STKFLT", 16), Map.entry("CHLD", 17),
            Map.entry("CONT", 18), Map.entry("STOP", 19), Map.entry("TSTP", 20), Map.entry("TTIN", 21),
            Map.entry("TTOU", 22), Map.entry("URG", 23), Map.entry("XCPU", 24), Map.entry("XFSZ", 25),
            Map.entry("VTALRM", 26), Map.entry("PROF", 27), Map.entry("WINCH", 28), Map.entry("IO", 29),
            Map.entry("POLL", 29), Map.entry("PWR", 30), Map.entry("SYS", 31));

    private Signals() {}

    /** The signal {@code text} names: a number (1 to 64), a name with or without "SIG", any case, or RTMIN+n. */
    static int parse(String text) {
        String s = text.trim();
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            int n = Integer.parseInt(s.length() > 3 ? "999" : s);
            if (n >= 1 && n <= 64) {
                return n;
            }
            throw new CliException("invalid signal: " + text);
        }
        String name = s.toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) {
            name = name.substring(3);
        }
        Integer n = NUMBERS.get(name);
        if (n != null) {
            return n;
        }
        if (name.startsWith("RTMIN+") || name.startsWith("RTMAX-") || name.equals("RTMIN") || name.equals("RTMAX")) {
            try {
                int off = name.length() > 5 ? Integer.parseInt(name.substring(6)) : 0;
                int v = name.startsWith("RTMIN") ? 34 + off : 64 - off;
                if (v >= 34 && v <= 64) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // falls through to the error
            }
        }
        throw new CliException("unknown signal \"" + text + "\"");
    }

    /** A person's text for the errno values an exec reports. */
    static String strerror(int errno) {
        return switch (errno) {
            case 1 -> "operation not permitted (EPERM)";
            case 2 -> "no such file or directory (ENOENT)";
            case 7 -> "argument list too long (E2BIG)";
            case 8 -> "exec format error (ENOEXEC)";
            case 12 -> "cannot allocate memory (ENOMEM)";
            case 13 -> "permission denied (EACCES)";
            case 20 -> "not a directory (ENOTDIR)";
            case 26 -> "text file busy (ETXTBSY)";
            case 40 -> "too many levels of symbolic links (ELOOP)";
            default -> "errno " + errno;
        };
    }
}
