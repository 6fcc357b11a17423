package dev.gatun.core;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Which network a container gets ({@link ContainerBuilder#network(NetworkMode)}), as podman's
 * {@code --network} names them.
 *
 * <ul>
 *   <li>{@link #none()}, the default: a network namespace of its own with only {@code lo}, up
 *       ({@code 127.0.0.1} and {@code ::1}); nothing outside can reach it except through
 *       {@linkplain ContainerBuilder#publish(int, int) published ports}, and it reaches nothing.
 *   <li>{@link #host()}: no network namespace; the container uses the host's interfaces and ports
 *       as any process of the host does. Publishing is refused (its ports are the host's).
 *   <li>{@link #pasta()}: a namespace of its own, connected by {@code pasta} (Debian package
 *       {@code passt}) as podman 5 connects rootless containers: an interface with the host's
 *       addresses and routes, outbound access to what the host reaches (the host's own loopback
 *       services through the gateway's address), DNS through {@code 169.254.1.1}, and published
 *       ports carried by pasta. It works for a JVM that is not root, which {@link #none()} cannot
 *       publish from.
 *   <li>{@link #joined(Path)}: the network namespace a file stands for, {@code /proc/<pid>/ns/net}
 *       or a bind mount such as {@code /run/netns/x} ({@code ip netns add x});
 *       {@link #container(Container)}: another container's, as podman's {@code container:<id>}.
 *       Root only today: a JVM that is not root is refused at build (its container's new user
 *       namespace has no capability over another's network namespace).
 * </ul>
 *
 * <p>Not here yet: a bridge. Immutable.
 */
public sealed interface NetworkMode {

    /** A network namespace of the container's own, loopback only. */
    record None() implements NetworkMode {
        @Override
        public String toString() {
            return "none";
        }
    }

    /** A network namespace of its own, connected to the host's network by pasta. */
    record Pasta() implements NetworkMode {
        @Override
        public String toString() {
            return "pasta";
        }
    }

    /** The host's network namespace. */
    record Host() implements NetworkMode {
        @Override
        public String toString() {
            return "host";
        }
    }

    /**
     * The network namespace {@code namespace} stands for, opened when the container is created.
     *
     * @param namespace an absolute path
     */
    record Joined(Path namespace) implements NetworkMode {
        public Joined {
            Objects.requireNonNull(namespace, "network");
            if (!namespace.isAbsolute()) {
                throw new IllegalArgumentException("network: \"" + namespace + "\" must be an absolute path "
                        + "(a /proc/<pid>/ns/net file or a bind mount of one, such as /run/netns/<name>)");
            }
        }

        @Override
        public String toString() {
            return "ns:" + namespace;
        }
    }

    /** The default: own namespace, {@code lo} up. */
    static NetworkMode none() {
        return new None();
    }

    /** Its own namespace, connected by pasta: outbound access, DNS, published ports, also rootless. */
    static NetworkMode pasta() {
        return new Pasta();
    }

    /**
     * Why {@link #pasta()} cannot run for this user here (no {@code pasta} command: Debian package
     * {@code passt}; a {@code /dev/net/tun} this user cannot open), or empty when it can.
     */
    static java.util.Optional<String> pastaUnavailableCause() {
        return java.util.Optional.ofNullable(dev.gatun.core.net.Pasta.unavailabilityCause());
    }

    /** The host's network. */
    static NetworkMode host() {
        return new Host();
    }

    /** The network namespace file {@code namespace} ({@code /run/netns/x}, {@code /proc/<pid>/ns/net}). */
    static NetworkMode joined(Path namespace) {
        return new Joined(namespace);
    }

    /**
     * The network namespace of {@code other}, which must be created or running now: its init's
     * {@code /proc/<pid>/ns/net}, read here. The other container must stay alive until this one is
     * created; then both hold the namespace.
     *
     * @throws ContainerStateException unless {@code other} is created or running
     */
    static NetworkMode container(Container other) {
        Integer pid = other.state().pid();
        if (pid == null) {
            throw new ContainerStateException("network container:" + other.id(), other.id(), other.status(),
                    "created or running");
        }
        return new Joined(Path.of("/proc", pid.toString(), "ns", "net"));
    }

    /**
     * podman's {@code --network} text: {@code none}, {@code host}, {@code pasta}, {@code ns:<path>}.
     *
     * @throws IllegalArgumentException naming {@code network}, for anything else (a {@code bridge}
     *     mode is named as not supported yet)
     */
    static NetworkMode parse(String text) {
        Objects.requireNonNull(text, "network");
        if (text.equals("none")) {
            return none();
        }
        if (text.equals("host")) {
            return host();
        }
        if (text.equals("pasta")) {
            return pasta();
        }
        if (text.startsWith("ns:")) {
            return joined(Path.of(text.substring(3)));
        }
        if (text.equals("bridge") || text.startsWith("pasta:") || text.startsWith("slirp4netns")) {
            throw new IllegalArgumentException("network: \"" + text + "\" is not supported yet (none, host, pasta, ns:<path>)");
        }
        throw new IllegalArgumentException("network: \"" + text + "\" is not none, host, pasta or ns:<path>");
    }
}
