package dev.gatun.core.plan;

import dev.gatun.oci.InvalidSpecException;
import dev.gatun.oci.ValidationError;
import java.util.List;

/** Bad input found while planning a container: one {@link InvalidSpecException} with its JSON path. */
public final class Invalid {

    private Invalid() {}

    /** An {@link InvalidSpecException} for the container's configuration, with one error at {@code path}. */
    public static InvalidSpecException spec(String path, String message) {
        return new InvalidSpecException("container configuration", List.of(new ValidationError(path, message)));
    }

    /** The same, keeping {@code cause}. */
    public static InvalidSpecException spec(String path, String message, Throwable cause) {
        return new InvalidSpecException("container configuration", List.of(new ValidationError(path, message)), cause);
    }
}
