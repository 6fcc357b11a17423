package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One entry of {@code mounts}. The options are kept as written; {@link MountOptions#parse(List)}
 * turns them into mount flags.
 *
 * <p>Every component is {@code null} when its property is absent from the document, and
 * absent properties are left out when written. Lists and maps are unmodifiable copies.
 * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
 * copies the caller must not mutate).
 *
 * @param destination the absolute path in the container; required
 * @param source the device name, directory or file to mount
 * @param type the file system type; absent for bind mounts
 * @param options the mount options, as for mount(8)
 * @param uidMappings the user ID mapping of an idmapped mount
 * @param gidMappings the group ID mapping of an idmapped mount
 * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#mounts">config.md mounts</a>
 */
public record Mount(
        String destination,
        String source,
        String type,
        List<String> options,
        List<IdMapping> uidMappings,
        List<IdMapping> gidMappings,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    /** Copies lists and maps so that the record stays immutable. */
    public Mount {
        options = Copies.list(options);
        uidMappings = Copies.list(uidMappings);
        gidMappings = Copies.list(gidMappings);
        extra = Copies.extra(extra);
    }

    /** Creates the value without unknown properties. */
    public Mount(String destination, String source, String type, List<String> options, List<IdMapping> uidMappings, List<IdMapping> gidMappings) {
        this(destination, source, type, options, uidMappings, gidMappings, Map.of());
    }
}
