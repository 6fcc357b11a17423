package dev.gatun.core.spawn;

import java.util.Objects;

/**
 * A named 8-byte cell in the spawn's memory where a step stores its raw return value, and from
 * which a later step can take an argument ({@link Arg#valueOf(Slot)}): the fd {@code openat}
 * returned, written to by the next {@code write}. Identity matters, not the name: two slots with
 * the same name are two cells. The name only shows in the rendering, as {@code $name}.
 *
 * <p>Immutable and thread-safe; the cell itself exists only while a spawn runs.
 */
public final class Slot {

    private final String name;

    private Slot(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** A new slot called {@code name} (a short identifier, e.g. {@code procs_fd}). */
    public static Slot named(String name) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("slot name must be an identifier: \"" + name + "\"");
        }
        return new Slot(name);
    }

    /** The name shown in the rendering. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "$" + name;
    }
}
