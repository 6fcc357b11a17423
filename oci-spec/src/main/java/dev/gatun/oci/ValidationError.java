package dev.gatun.oci;

import java.util.Objects;

/**
 * One problem found in a document: where it is, as a JSON path such as
 * {@code $.linux.uidMappings[0].size}, and what is wrong with it, in words a person can act on.
 *
 * @param path the JSON path of the offending value ({@code $} for the document itself); never null
 * @param message what is wrong and, where it helps, what would be right; never null
 */
public record ValidationError(String path, String message) {

    /** Checks that neither component is null. */
    public ValidationError {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    /** Returns {@code path: message}. */
    @Override
    public String toString() {
        return path + ": " + message;
    }
}
