package dev.gatun.cgroups;

import java.util.Locale;

/**
 * Byte counts as people write them on a command line: {@code "512m"}, {@code "1.5g"},
 * {@code "64MiB"}, {@code "100000"}, {@code "-1"} (unlimited) — the units podman and docker accept
 * for {@code --memory}: b, k, m, g, t, p (case-insensitive, binary multiples, an optional trailing
 * "b" or "ib"). Fractions are rounded down to a whole byte. Stateless and thread-safe.
 */
public final class ByteSize {

    private ByteSize() {}

    /**
     * Parses {@code text}; {@code "-1"} and {@code "max"} mean unlimited and return -1.
     *
     * @throws InvalidResourceException naming {@code field} and the text when it is not a size
     */
    public static long parse(String field, String text) {
        if (text == null) {
            throw new InvalidResourceException(field, "null", "a size such as 512m or 1.5g");
        }
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("-1") || t.equals("max")) {
            return -1;
        }
        if (t.endsWith("ib")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("b") && t.length() > 1 && Character.isLetter(t.charAt(t.length() - 2))) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (!t.isEmpty()) {
            int shift = switch (t.charAt(t.length() - 1)) {
                case 'b' -> 0;
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                case 't' -> 40;
                case 'p' -> 50;
                default -> -1;
            };
            if (shift >= 0) {
                unit = 1L << shift;
                t = t.substring(0, t.length() - 1);
            }
        }
        try {
            double number = Double.parseDouble(t);
            if (t.isEmpty() || !Character.isDigit(t.charAt(0)) || number * unit >= Long.MAX_VALUE) {
                throw new NumberFormatException(t);
            }
            return (long) Math.floor(number * unit);
        } catch (NumberFormatException e) {
            throw new InvalidResourceException(field, text, "a size such as 512m or 1.5g");
        }
    }
}
