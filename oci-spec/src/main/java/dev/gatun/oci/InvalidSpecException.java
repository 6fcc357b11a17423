package dev.gatun.oci;

import java.io.Serial;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A document that cannot be read or is not valid: malformed JSON, a value of the wrong type, or
 * a broken rule of the runtime-spec. Carries every problem found, each with its JSON path; the
 * message lists them (the first ten, then a count).
 */
public final class InvalidSpecException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    private static final int LISTED = 10;

    /** The problems; a {@code List.copyOf}, so serializable. */
    @SuppressWarnings("serial")
    private final List<ValidationError> errors;

    /**
     * Creates the exception.
     *
     * @param what the document, like {@code config.json}
     * @param errors the problems, at least one
     * @param cause the parser's exception, or null
     */
    public InvalidSpecException(String what, List<ValidationError> errors, Throwable cause) {
        super(message(what, errors), cause);
        this.errors = List.copyOf(errors);
    }

    /** Creates the exception for problems the validator found. */
    public InvalidSpecException(String what, List<ValidationError> errors) {
        this(what, errors, null);
    }

    /** Returns every problem found, in document order; never empty. */
    public List<ValidationError> errors() {
        return errors;
    }

    private static String message(String what, List<ValidationError> errors) {
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("an InvalidSpecException needs at least one error");
        }
        String head = errors.size() == 1 ? "invalid " + what + ": " : "invalid " + what + " (" + errors.size() + " problems): ";
        String listed = errors.stream().limit(LISTED).map(ValidationError::toString).collect(Collectors.joining("; "));
        return head + listed + (errors.size() > LISTED ? "; and " + (errors.size() - LISTED) + " more" : "");
    }
}
