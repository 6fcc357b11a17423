package dev.gatun.namespaces;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * What a container does with one namespace type: {@link Create} a new one, {@link Join} an existing
 * one, or {@link Share} the one the runtime itself is in (the host's, usually).
 *
 * <p>In an OCI {@code config.json} these are an entry without {@code path}, an entry with
 * {@code path}, and no entry. Immutable.
 *
 * @see Namespaces.Builder
 */
public sealed interface NamespaceMode {

    /** Create a new namespace of the type. */
    record Create() implements NamespaceMode {
        @Override
        public String toString() {
            return "new";
        }
    }

    /**
     * Join the namespace that {@code path} stands for: a {@code /proc/<pid>/ns/<type>} file or a
     * bind mount of one (as {@code ip netns add} makes under {@code /run/netns}). The path is
     * opened when the container is spawned, not when the plan is made.
     *
     * @param path an absolute path
     */
    record Join(Path path) implements NamespaceMode {
        public Join {
            if (path == null || !path.isAbsolute()) {
                throw new NamespaceConfigException("path", String.valueOf(path),
                        "a namespace to join is named by an absolute path such as /proc/<pid>/ns/net");
            }
        }

        /**
         * The pid when the path is {@code /proc/<pid>/ns/<name>}, so that the engine may join with
         * a pidfd ({@code setns(pidfd, flags)}, Linux 5.8) instead of the path, which is immune to
         * the pid being reused; empty for a bind-mounted file.
         */
        public OptionalLong pid() {
            if (path.getNameCount() == 4 && path.getName(0).toString().equals("proc")
                    && path.getName(2).toString().equals("ns")) {
                String p = path.getName(1).toString();
                if (!p.isEmpty() && p.chars().allMatch(c -> c >= '0' && c <= '9') && p.length() < 19) {
                    return OptionalLong.of(Long.parseLong(p));
                }
            }
            return OptionalLong.empty();
        }

        @Override
        public String toString() {
            return "join " + path;
        }
    }

    /** Stay in the namespace the runtime is in. */
    record Share() implements NamespaceMode {
        @Override
        public String toString() {
            return "shared";
        }
    }

    /** The {@link Create} mode. */
    static NamespaceMode create() {
        return new Create();
    }

    /** The {@link Share} mode. */
    static NamespaceMode share() {
        return new Share();
    }
}
