package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One range of a user or group ID mapping: {@code size} IDs from {@code containerID} in the
 * container map to the IDs from {@code hostID} outside. All three are unsigned 32-bit values held
 * in a {@code Long} so that an out-of-range value is reported by the validator, not lost.
 *
 * <p>Every component is {@code null} when its property is absent from the document, and
 * absent properties are left out when written. Lists and maps are unmodifiable copies.
 * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
 * copies the caller must not mutate).
 *
 * @param containerID the first ID in the container
 * @param hostID the first ID on the host
 * @param size how many IDs the range holds
 * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#user-namespace-mappings">config-linux.md user namespace mappings</a>
 */
public record IdMapping(
        Long containerID,
        Long hostID,
        Long size,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    /** Copies lists and maps so that the record stays immutable. */
    public IdMapping {
        extra = Copies.extra(extra);
    }

    /** Creates the value without unknown properties. */
    public IdMapping(Long containerID, Long hostID, Long size) {
        this(containerID, hostID, size, Map.of());
    }
}
