package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What a runtime sends to the seccomp agent at {@code linux.seccomp.listenerPath} when a filter
 * uses {@code SCMP_ACT_NOTIFY}, alongside the file descriptors themselves (SCM_RIGHTS).
 *
 * <p>Every component is {@code null} when its property is absent from the document, and
 * absent properties are left out when written. Lists and maps are unmodifiable copies.
 * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
 * copies the caller must not mutate).
 *
 * @param ociVersion the runtime-spec version; required
 * @param fds the names of the descriptors sent, in order, such as {@code seccompFd}; required
 * @param pid the container process's ID in the runtime's pid namespace; required
 * @param metadata {@code linux.seccomp.listenerMetadata}, passed through
 * @param state the state of the container; required
 * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#containerprocessstate">config-linux.md container process state</a>
 */
public record ContainerProcessState(
        String ociVersion,
        List<String> fds,
        Integer pid,
        String metadata,
        State state,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    /** Copies lists and maps so that the record stays immutable. */
    public ContainerProcessState {
        fds = Copies.list(fds);
        extra = Copies.extra(extra);
    }

    /** Creates the value without unknown properties. */
    public ContainerProcessState(String ociVersion, List<String> fds, Integer pid, String metadata, State state) {
        this(ociVersion, fds, pid, metadata, state, Map.of());
    }
}
