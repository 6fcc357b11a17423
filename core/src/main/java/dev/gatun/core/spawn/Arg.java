package dev.gatun.core.spawn;

import dev.gatun.core.linux.Flags;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One argument of a {@link Step}: a plain value, or something the spawner places in the spawn's
 * off-heap memory and passes by address (a string, a string array, bytes, a buffer), or a value
 * read at run time from a {@link Slot} or taken from a {@link SyncPipe}.
 *
 * <p>Every argument knows how a person would write it ({@link #render()}): {@code "proc"},
 * {@code MS_NOSUID|MS_NODEV}, {@code ["/bin/sh", "-c", "true"]}, {@code $fd}, {@code NULL}.
 * Immutable and thread-safe.
 */
public sealed interface Arg {

    /** How this argument reads in the program's rendering. */
    String render();

    /** A number passed as is, rendered as {@code text}. */
    record Value(long value, String text) implements Arg {
        public Value {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public String render() {
            return text;
        }
    }

    /**
     * A number passed as is and rendered only when asked: in decimal, through {@code flags} when
     * given, or in octal as a file mode. The common argument; a spawn never renders it (only the
     * dry run and error messages do), so it carries no text.
     */
    record Number(long value, Flags flags, boolean octal) implements Arg {
        @Override
        public String render() {
            if (octal) {
                return "0" + Long.toOctalString(value);
            }
            return flags == null ? Long.toString(value) : flags.render(value);
        }
    }

    /** A NUL-terminated UTF-8 string, passed by address. */
    record Text(String value) implements Arg {
        public Text {
            Objects.requireNonNull(value, "value");
            if (value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("string argument contains NUL: " + quote(value));
            }
        }

        @Override
        public String render() {
            return quote(value);
        }
    }

    /** A NULL-terminated array of strings ({@code argv}, {@code envp}), passed by address. */
    record Strings(List<String> values) implements Arg {
        public Strings {
            values = List.copyOf(values);
            for (String v : values) {
                new Text(v); // validates: no NUL
            }
        }

        @Override
        public String render() {
            return values.stream().map(Arg::quote).collect(Collectors.joining(", ", "[", "]"));
        }
    }

    /** Bytes copied into the spawn's memory and passed by address (a struct, data to write). */
    record Bytes(byte[] data, String text) implements Arg {
        public Bytes {
            data = data.clone();
            Objects.requireNonNull(text, "text");
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public String render() {
            return text;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes b && Arrays.equals(data, b.data) && text.equals(b.text);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data) * 31 + text.hashCode();
        }

        @Override
        public String toString() {
            return "Bytes[" + text + "]";
        }
    }

    /** A zeroed, writable buffer of {@code size} bytes, passed by address (what {@code read} fills). */
    record Buffer(long size) implements Arg {
        public Buffer {
            if (size <= 0) {
                throw new IllegalArgumentException("buffer size must be positive: " + size);
            }
        }

        @Override
        public String render() {
            return "buf[" + size + "]";
        }
    }

    /** The value an earlier step stored in {@code slot}, read when this step runs. */
    record FromSlot(Slot slot) implements Arg {
        public FromSlot {
            Objects.requireNonNull(slot, "slot");
        }

        @Override
        public String render() {
            return slot.toString();
        }
    }

    /** The fd number of a handshake pipe end, filled in by the spawner. */
    record Sync(SyncPipe end) implements Arg {
        public Sync {
            Objects.requireNonNull(end, "end");
        }

        @Override
        public String render() {
            return end.rendered();
        }
    }

    /** A number, rendered in decimal. */
    static Arg of(long value) {
        return new Number(value, null, false);
    }

    /** A flag word, rendered through {@code flags}. */
    static Arg flags(long value, Flags flags) {
        return new Number(value, Objects.requireNonNull(flags, "flags"), false);
    }

    /** A file mode, rendered in octal. */
    static Arg mode(int mode) {
        return new Number(mode, null, true);
    }

    /** A directory fd: {@code AT_FDCWD} or the number. */
    static Arg dirfd(int fd) {
        return new Value(fd, Flags.fd(fd));
    }

    /** The null pointer. */
    static Arg nul() {
        return new Value(0, "NULL");
    }

    /** A string, or NULL when {@code value} is null. */
    static Arg text(String value) {
        return value == null ? nul() : new Text(value);
    }

    /** The value stored in {@code slot}. */
    static Arg valueOf(Slot slot) {
        return new FromSlot(slot);
    }

    /** A handshake pipe end. */
    static Arg sync(SyncPipe end) {
        return new Sync(end);
    }

    /** Bytes rendered as a quoted string when they are printable text. */
    static Arg bytes(byte[] data) {
        String s = new String(data, StandardCharsets.UTF_8);
        boolean printable = s.chars().allMatch(c -> c >= 0x20 && c < 0x7f || c == '\n' || c == '\t');
        return new Bytes(data, printable ? quote(s) : "bytes[" + data.length + "]");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }
}
