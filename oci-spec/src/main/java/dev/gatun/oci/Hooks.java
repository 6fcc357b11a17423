package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The lifecycle hooks ({@code hooks}), each list run in order.
 *
 * <p>Every component is {@code null} when its property is absent from the document, and
 * absent properties are left out when written. Lists and maps are unmodifiable copies.
 * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
 * copies the caller must not mutate).
 *
 * @param prestart deprecated: run after the namespaces are created, in the runtime namespace
 * @param createRuntime run in the runtime namespace after the environment is created
 * @param createContainer run in the container namespace before pivot_root
 * @param startContainer run in the container before the user process
 * @param poststart run in the runtime namespace after the user process started
 * @param poststop run in the runtime namespace after the container is deleted
 * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#posix-platform-hooks">config.md posix platform hooks</a>
 */
public record Hooks(
        List<Hook> prestart,
        List<Hook> createRuntime,
        List<Hook> createContainer,
        List<Hook> startContainer,
        List<Hook> poststart,
        List<Hook> poststop,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    /** Copies lists and maps so that the record stays immutable. */
    public Hooks {
        prestart = Copies.list(prestart);
        createRuntime = Copies.list(createRuntime);
        createContainer = Copies.list(createContainer);
        startContainer = Copies.list(startContainer);
        poststart = Copies.list(poststart);
        poststop = Copies.list(poststop);
        extra = Copies.extra(extra);
    }

    /** Creates the value without unknown properties. */
    public Hooks(List<Hook> prestart, List<Hook> createRuntime, List<Hook> createContainer, List<Hook> startContainer, List<Hook> poststart, List<Hook> poststop) {
        this(prestart, createRuntime, createContainer, startContainer, poststart, poststop, Map.of());
    }
}
