package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The state of a container as {@code runc state} reports it ({@code state.json}).
 *
 * <p>Every component is {@code null} when its property is absent from the document, and
 * absent properties are left out when written. Lists and maps are unmodifiable copies.
 * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
 * copies the caller must not mutate).
 *
 * @param ociVersion the runtime-spec version; required
 * @param id the container ID; required
 * @param status {@code creating}, {@code created}, {@code running} or {@code stopped}; required
 * @param pid the container process's ID on the host; required when created or running
 * @param bundle the absolute path of the bundle; required
 * @param annotations the annotations of the configuration
 * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/runtime.md#state">runtime.md state</a>
 */
public record State(
        String ociVersion,
        String id,
        String status,
        Integer pid,
        String bundle,
        Map<String, String> annotations,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    /** Copies lists and maps so that the record stays immutable. */
    public State {
        annotations = Copies.map(annotations);
        extra = Copies.extra(extra);
    }

    /** Creates the value without unknown properties. */
    public State(String ociVersion, String id, String status, Integer pid, String bundle, Map<String, String> annotations) {
        this(ociVersion, id, status, pid, bundle, annotations, Map.of());
    }
}
