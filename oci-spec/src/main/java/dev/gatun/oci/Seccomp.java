package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The seccomp filter of the container ({@code linux.seccomp}), in libseccomp terms.
 *
 * <p>Every component is {@code null} when its property is absent from the document, and
 * absent properties are left out when written. Lists and maps are unmodifiable copies.
 * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
 * copies the caller must not mutate).
 *
 * @param defaultAction the action for syscalls no rule matches, an {@code SCMP_ACT_*} name;
 *     required
 * @param defaultErrnoRet the errno of an {@code SCMP_ACT_ERRNO} default action
 * @param architectures {@code SCMP_ARCH_*} names the filter also applies to
 * @param flags {@code SECCOMP_FILTER_FLAG_*} names
 * @param listenerPath the unix socket to send the notify fd to; required with {@code
 *     SCMP_ACT_NOTIFY}
 * @param listenerMetadata opaque data passed to the listener
 * @param syscalls the rules, matched in order
 * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#seccomp">config-linux.md seccomp</a>
 */
public record Seccomp(
        String defaultAction,
        Long defaultErrnoRet,
        List<String> architectures,
        List<String> flags,
        String listenerPath,
        String listenerMetadata,
        List<Syscall> syscalls,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    /** Copies lists and maps so that the record stays immutable. */
    public Seccomp {
        architectures = Copies.list(architectures);
        flags = Copies.list(flags);
        syscalls = Copies.list(syscalls);
        extra = Copies.extra(extra);
    }

    /** Creates the value without unknown properties. */
    public Seccomp(String defaultAction, Long defaultErrnoRet, List<String> architectures, List<String> flags, String listenerPath, String listenerMetadata, List<Syscall> syscalls) {
        this(defaultAction, defaultErrnoRet, architectures, flags, listenerPath, listenerMetadata, syscalls, Map.of());
    }

    /**
     * One seccomp rule: the action for the named syscalls whose arguments match.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param names syscall names; required, not empty
     * @param action an {@code SCMP_ACT_*} name; required
     * @param errnoRet the errno of {@code SCMP_ACT_ERRNO} or {@code SCMP_ACT_TRACE}
     * @param args argument conditions, all of which must hold
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#seccomp">config-linux.md seccomp</a>
     */
    public record Syscall(
            List<String> names,
            String action,
            Long errnoRet,
            List<Arg> args,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Syscall {
            names = Copies.list(names);
            args = Copies.list(args);
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public Syscall(List<String> names, String action, Long errnoRet, List<Arg> args) {
            this(names, action, errnoRet, args, Map.of());
        }
    }

    /**
     * One argument condition of a seccomp rule.
     *
     * <p>Every component is {@code null} when its property is absent from the document, and
     * absent properties are left out when written. Lists and maps are unmodifiable copies.
     * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
     * copies the caller must not mutate).
     *
     * @param index the argument index, 0 to 5; required
     * @param value the value to compare with; required (an unsigned 64-bit value: read it with
     *     {@link Long#toUnsignedString(long)})
     * @param valueTwo the second value of {@code SCMP_CMP_MASKED_EQ} (an unsigned 64-bit value:
     *     read it with {@link Long#toUnsignedString(long)})
     * @param op an {@code SCMP_CMP_*} operator; required
     * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#seccomp">config-linux.md seccomp</a>
     */
    public record Arg(
            Long index,
            @Unsigned Long value,
            @Unsigned Long valueTwo,
            String op,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        /** Copies lists and maps so that the record stays immutable. */
        public Arg {
            extra = Copies.extra(extra);
        }

        /** Creates the value without unknown properties. */
        public Arg(Long index, Long value, Long valueTwo, String op) {
            this(index, value, valueTwo, op, Map.of());
        }
    }
}
