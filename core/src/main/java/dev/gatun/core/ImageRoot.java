package dev.gatun.core;

import dev.gatun.core.linux.LibC;
import dev.gatun.images.Digest;
import dev.gatun.images.ImageStore;
import dev.gatun.images.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An image's root filesystem for one container: the image's unpacked tree (in the
 * {@link dev.gatun.images.ImageStore}, never written) under a writable layer of the container's
 * own. As root, an overlay mount in the JVM's mount namespace: the tree as the lower directory,
 * {@code upper/} and {@code work/} beside {@code rootfs/} in the container's state directory (no
 * copy; what the container writes lands in {@code upper/}). Otherwise a copy of the tree (an
 * overlay in a user namespace needs the mount made inside it: not yet). {@link #remove()} detaches
 * the overlay, then removes the container's directory, never across a mount that is still there.
 *
 * <p>From {@link #prepare()} to a {@link #remove()} that removed everything, the image is
 * {@linkplain ImageStore#hold held} in its store: a gc (of any process) keeps its tree and blobs
 * even when the image is removed meanwhile.
 */
final class ImageRoot implements PreparedRoot {

    private final Path tree;
    private final Path bundle;
    private final boolean overlay;
    private final ImageStore store;
    private final Digest image;
    private ImageStore.Hold hold;
    private boolean made;
    private boolean mounted;

    private ImageRoot(Path tree, Path bundle, boolean overlay, ImageStore store, Digest image) {
        this.tree = tree;
        this.bundle = bundle;
        this.overlay = overlay;
        this.store = store;
        this.image = image;
    }

    /**
     * Plans container {@code id}'s root over the unpacked {@code tree} of {@code image} in
     * {@code store} (nothing is written or held yet).
     */
    static ImageRoot plan(String id, Path tree, ImageStore store, Digest image) {
        boolean overlay = !Rootless.active();
        return new ImageRoot(tree, SandboxRoot.stateDirectory().resolve(id), overlay, store, image);
    }

    @Override
    public Path bundle() {
        return bundle;
    }

    @Override
    public Path rootfs() {
        return bundle.resolve("rootfs");
    }

    @Override
    public Path passwd() {
        return tree.resolve("etc/passwd");
    }

    /** Whether the root is an overlay (root) or a copy. */
    boolean overlay() {
        return overlay;
    }

    @Override
    public synchronized void prepare() throws IOException {
        hold = store.hold(image);
        SandboxRoot.makeContainerDirectory(bundle);
        made = true;
        if (!overlay) {
            Trees.copy(tree, rootfs(), false);
            return;
        }
        Path upper = Files.createDirectory(bundle.resolve("upper"));
        Path work = Files.createDirectory(bundle.resolve("work"));
        Files.createDirectory(rootfs());
        for (Path p : List.of(tree, upper, work, rootfs())) {
            String s = p.toString();
            if (s.contains(",") || s.contains(":")) {
                throw new IllegalArgumentException("image root: the path " + s
                        + " holds ',' or ':', which an overlay mount's options cannot carry");
            }
        }
        LibC.overlayMount(tree.toString(), upper.toString(), work.toString(), rootfs().toString());
        mounted = true;
    }

    @Override
    public synchronized List<Path> remove() {
        List<Path> left = new ArrayList<>();
        if (!made) {
            release();
            return left;
        }
        if (mounted) {
            try {
                LibC.detachMount(rootfs().toString());
                mounted = false;
            } catch (IOException e) {
                left.add(rootfs());
                return left; // never delete through a mount that is still there
            }
        }
        try {
            Trees.remove(bundle);
            made = false;
        } catch (IOException e) {
            if (Files.exists(bundle, LinkOption.NOFOLLOW_LINKS)) {
                left.add(bundle);
            }
        }
        if (left.isEmpty()) {
            release();
        }
        return left;
    }

    /** Lets the store's gc have the image's tree again (kept while a mount or a copy of it may remain). */
    private void release() {
        try (ImageStore.Hold h = hold) {
            hold = null;
        } catch (IOException e) {
            // closing a lock file's descriptor: the lock is gone with it all the same
        }
    }
}
