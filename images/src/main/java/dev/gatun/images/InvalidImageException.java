package dev.gatun.images;

/**
 * Bad image input: a layer entry that would leave its target, a digest that does not match, a
 * missing or malformed field. The message names the file or entry and the field, as
 * {@code dev.gatun.oci.InvalidSpecException} does for a config.json; an
 * {@link IllegalArgumentException}, the "bad input" family of {@code docs/errors.md}.
 */
public final class InvalidImageException extends IllegalArgumentException {

    public InvalidImageException(String message) {
        super(message);
    }

    public InvalidImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
