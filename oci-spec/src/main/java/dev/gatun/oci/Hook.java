package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One lifecycle hook: a program the runtime runs.
 *
 * <p>Every component is {@code null} when its property is absent from the document, and
 * absent properties are left out when written. Lists and maps are unmodifiable copies.
 * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
 * copies the caller must not mutate).
 *
 * @param path the absolute path of the program, as for execv(3); required
 * @param args the argument vector, as for execv(3)
 * @param env the environment, {@code KEY=value} entries
 * @param timeout seconds before the hook is aborted, at least 1
 * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#posix-platform-hooks">config.md posix platform hooks</a>
 */
public record Hook(
        String path,
        List<String> args,
        List<String> env,
        Integer timeout,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    /** Copies lists and maps so that the record stays immutable. */
    public Hook {
        args = Copies.list(args);
        env = Copies.list(env);
        extra = Copies.extra(extra);
    }

    /** Creates the value without unknown properties. */
    public Hook(String path, List<String> args, List<String> env, Integer timeout) {
        this(path, args, env, timeout, Map.of());
    }
}
