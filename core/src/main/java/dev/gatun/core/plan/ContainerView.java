package dev.gatun.core.plan;

import dev.gatun.oci.Mount;
import dev.gatun.oci.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The container's file tree as the parent can see it before the container exists: the rootfs
 * directory with the spec's bind mounts laid over it. Used to find the command on the
 * container's {@code PATH} and users in its {@code /etc/passwd} while an error can still be
 * reported at {@code create}, as runc does.
 *
 * <p>Symlinks are followed as the container will follow them: an absolute target restarts at
 * the container's root, {@code ..} never climbs above it. A path under a mount that is not a bind
 * (a tmpfs, proc …) has no content yet: {@link #resolve} says {@link Lookup#UNKNOWN} for it.
 */
final class ContainerView {

    /** What a lookup found. */
    enum Lookup { FOUND, MISSING, UNKNOWN }

    /** A mount seen from the parent: its destination, and the host directory for a bind. */
    private record Layer(List<String> destination, Optional<Path> source) {}

    private static final int MAX_SYMLINKS = 40;

    private final Path rootfs;
    private final List<Layer> layers = new ArrayList<>();

    private ContainerView(Path rootfs) {
        this.rootfs = rootfs;
    }

    /**
     * The view of {@code spec}, whose relative paths are relative to {@code bundle}, with {@code lower} (when not null) read in place of the rootfs
     * directory: the tree an overlay the init mounts there shows ({@link dev.gatun.core.rootfs.RootOverlay}).
     */
    static ContainerView of(Spec spec, Path bundle, Path lower) {
        ContainerView view = new ContainerView(lower != null ? lower : bundle.resolve(spec.root().path()));
        for (Mount m : Absent.list(spec.mounts())) {
            List<String> options = Absent.list(m.options());
            boolean bind = "bind".equals(m.type()) || options.contains("bind") || options.contains("rbind");
            Optional<Path> source = bind && m.source() != null ? Optional.of(bundle.resolve(m.source())) : Optional.empty();
            view.layers.add(new Layer(components(m.destination()), source));
        }
        return view;
    }

    /** The host path of the regular file at {@code containerPath}, following symlinks in the container's view. */
    Optional<Path> hostFile(String containerPath) {
        Optional<Path> p = walk(containerPath);
        return p.filter(Files::isRegularFile);
    }

    /** Whether {@code containerPath} names an executable regular file. */
    Lookup executable(String containerPath) {
        try {
            Optional<Path> p = walk(containerPath);
            if (p.isEmpty()) {
                return Lookup.MISSING;
            }
            return Files.isRegularFile(p.get()) && Files.isExecutable(p.get()) ? Lookup.FOUND : Lookup.MISSING;
        } catch (UnknownContent e) {
            return Lookup.UNKNOWN;
        }
    }

    /** Resolves a path of the container to the host file that will be there; empty when nothing is. */
    private Optional<Path> walk(String containerPath) {
        Deque<String> todo = new ArrayDeque<>(components(containerPath));
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.removeFirst();
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.removeLast();
                }
                continue;
            }
            done.add(c);
            Path host = hostPath(done);
            if (Files.isSymbolicLink(host)) {
                if (++links > MAX_SYMLINKS) {
                    return Optional.empty();
                }
                String target;
                try {
                    target = Files.readSymbolicLink(host).toString();
                } catch (IOException e) {
                    return Optional.empty();
                }
                done.removeLast();
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> t = components(target);
                for (int i = t.size() - 1; i >= 0; i--) {
                    todo.addFirst(t.get(i));
                }
            } else if (!Files.exists(host, LinkOption.NOFOLLOW_LINKS) && !onTheWayToAMount(done)) {
                // missing, unless it is a directory on the way to a mount point, which the runtime
                // makes (on disk, or in an overlay or tmpfs root by the child)
                return Optional.empty();
            }
        }
        return Optional.of(hostPath(done));
    }

    /** Whether {@code components} is a proper prefix of a mount's destination. */
    private boolean onTheWayToAMount(List<String> components) {
        for (Layer layer : layers) {
            List<String> d = layer.destination();
            if (d.size() > components.size() && d.subList(0, components.size()).equals(components)) {
                return true;
            }
        }
        return false;
    }

    /** The host path of a container path (no symlinks in it): through the last mount covering it. */
    private Path hostPath(List<String> components) {
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer layer = layers.get(i);
            List<String> d = layer.destination();
            if (components.size() >= d.size() && components.subList(0, d.size()).equals(d)) {
                if (layer.source().isEmpty()) {
                    throw new UnknownContent();
                }
                Path p = layer.source().get();
                for (String c : components.subList(d.size(), components.size())) {
                    p = p.resolve(c);
                }
                return p;
            }
        }
        Path p = rootfs;
        for (String c : components) {
            p = p.resolve(c);
        }
        return p;
    }

    private static List<String> components(String path) {
        List<String> result = new ArrayList<>();
        for (String c : path.split("/")) {
            if (!c.isEmpty() && !c.equals(".")) {
                result.add(c);
            }
        }
        return result;
    }

    /** A path lies under a mount whose content the parent cannot see (tmpfs, proc …). */
    private static final class UnknownContent extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnknownContent() {
            super(null, null, false, false);
        }
    }
}
