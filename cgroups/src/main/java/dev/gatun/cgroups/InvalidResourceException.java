package dev.gatun.cgroups;

/**
 * A resource value that cannot be right on any host: a negative CPU count, a size that is not a
 * size, swap below memory. The message names the field (OCI name, e.g. {@code memory.swap}) and
 * the value.
 */
public final class InvalidResourceException extends IllegalArgumentException {

    private final String field;
    private final String value;

    /**
     * @param field the OCI-style field name, e.g. {@code cpu.quota}
     * @param value the rejected value as text
     * @param expected what would have been accepted
     */
    public InvalidResourceException(String field, String value, String expected) {
        super(field + ": invalid value \"" + value + "\": expected " + expected);
        this.field = field;
        this.value = value;
    }

    /** The field, e.g. {@code memory.swap}. */
    public String field() {
        return field;
    }

    /** The rejected value, as text. */
    public String value() {
        return value;
    }
}
