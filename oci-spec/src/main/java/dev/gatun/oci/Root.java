package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The container's root filesystem ({@code root}).
 *
 * <p>Every component is {@code null} when its property is absent from the document, and
 * absent properties are left out when written. Lists and maps are unmodifiable copies.
 * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
 * copies the caller must not mutate).
 *
 * @param path the root filesystem, absolute or relative to the bundle; required
 * @param readonly whether the root filesystem is read-only in the container
 * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#root">config.md root</a>
 */
public record Root(
        String path,
        Boolean readonly,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    /** Copies lists and maps so that the record stays immutable. */
    public Root {
        extra = Copies.extra(extra);
    }

    /** Creates the value without unknown properties. */
    public Root(String path, Boolean readonly) {
        this(path, readonly, Map.of());
    }
}
