package dev.gatun.core;

import dev.gatun.core.linux.LibC;
import dev.gatun.core.rootfs.RootOverlay;
import dev.gatun.images.Digest;
import dev.gatun.images.ImageStore;
import dev.gatun.images.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An image's root filesystem for one container: the image's unpacked tree (in the
 * {@link dev.gatun.images.ImageStore}, never written) under a writable layer of the container's
 * own: an overlay with the tree as the lower directory, {@code upper/} and {@code work/} beside
 * {@code rootfs/} in the container's state directory (no copy; what the container writes lands in
 * {@code upper/}, removed with the container). Three ways, {@linkplain Kind decided} at
 * {@link #plan} before anything is made:
 *
 * <ul>
 *   <li>as root, the overlay is mounted in the JVM's mount namespace at {@link #prepare()};
 *   <li>rootless on Linux 5.11 or later, the container's init mounts it inside its own user and
 *       mount namespaces ({@code userxattr}), as the first mount of its program ({@link
 *       #childOverlay()}): nothing is mounted in the JVM's namespace;
 *   <li>rootless on an older kernel, or where the upper directory's file system cannot hold the
 *       overlay's {@code user.*} xattrs (a tmpfs before Linux 6.6: no opaque directories), a copy
 *       of the tree ({@link Trees#copy}).
 * </ul>
 *
 * <p>{@link #remove()} detaches a host overlay, then removes the container's directory, never
 * across a mount that is still there (a child's overlay went with its mount namespace).
 *
 * <p>From {@link #prepare()} to a {@link #remove()} that removed everything, the image is
 * {@linkplain ImageStore#hold held} in its store: a gc (of any process) keeps its tree and blobs
 * even when the image is removed meanwhile.
 */
final class ImageRoot implements PreparedRoot {

    private static final Logger LOG = LoggerFactory.getLogger(ImageRoot.class);

    /** How the root is made. */
    enum Kind {
        /** As root: an overlay mounted in the JVM's mount namespace. */
        HOST_OVERLAY,
        /** Rootless: an overlay the container's init mounts in its own namespaces. */
        CHILD_OVERLAY,
        /** Rootless where the kernel cannot do that: a copy of the tree. */
        COPY
    }

    /** The first kernel whose overlayfs mounts in a user namespace (with {@code userxattr}). */
    static final KernelVersion USERNS_OVERLAY = new KernelVersion(5, 11, 0);
    /**
     * The first kernel whose tmpfs holds {@code user.*} xattrs, which the overlay's upper directory
     * needs: without them the mount succeeds, but removing a directory of the image fails with EIO
     * (seen on Debian's 6.1 with the state directory on a tmpfs, the VM lane's).
     */
    static final KernelVersion TMPFS_USER_XATTRS = new KernelVersion(6, 6, 0);

    private final Path tree;
    private final Path bundle;
    private final Kind kind;
    private final ImageStore store;
    private final Digest image;
    private ImageStore.Hold hold;
    private boolean made;
    private boolean mounted;

    private ImageRoot(Path tree, Path bundle, Kind kind, ImageStore store, Digest image) {
        this.tree = tree;
        this.bundle = bundle;
        this.kind = kind;
        this.store = store;
        this.image = image;
    }

    /**
     * Plans container {@code id}'s root over the unpacked {@code tree} of {@code image} in
     * {@code store} (nothing is written or held yet).
     */
    static ImageRoot plan(String id, Path tree, ImageStore store, Digest image) {
        Path stateDirectory = SandboxRoot.stateDirectory();
        Kind kind = Rootless.active() ? rootlessKind() : Kind.HOST_OVERLAY;
        if (kind != Kind.HOST_OVERLAY) {
            LOG.debug("image root of {}: {} (kernel {}, state directory {} on {})", id,
                    kind == Kind.COPY ? "a copy of the image's tree" : "an overlay mounted by the container's init",
                    Gatun.kernelRelease(), stateDirectory, fileSystemType(stateDirectory));
        }
        return new ImageRoot(tree, stateDirectory.resolve(id), kind, store, image);
    }

    /** A rootless container's way on this kernel, with its state directory where it is now. */
    static Kind rootlessKind() {
        return kind(KernelVersion.parse(Gatun.kernelRelease()), fileSystemType(SandboxRoot.stateDirectory()));
    }

    /**
     * A rootless container's way on {@code kernel}, with its upper directory on a file system of
     * type {@code upperFileSystem} ("tmpfs", "ext4" ...): an overlay of the init's, or a copy.
     */
    static Kind kind(KernelVersion kernel, String upperFileSystem) {
        if (kernel.compareTo(USERNS_OVERLAY) < 0) {
            return Kind.COPY;
        }
        if ("tmpfs".equals(upperFileSystem) && kernel.compareTo(TMPFS_USER_XATTRS) < 0) {
            return Kind.COPY;
        }
        return Kind.CHILD_OVERLAY;
    }

    /** The type of the file system {@code dir} (or its nearest existing parent) is on; "" when unknown. */
    private static String fileSystemType(Path dir) {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            try {
                return Files.getFileStore(p).type();
            } catch (IOException e) {
                // missing (not made yet): its parent's
            }
        }
        return "";
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

    /** How the root is made. */
    Kind kind() {
        return kind;
    }

    /** The overlay the init mounts ({@link Kind#CHILD_OVERLAY}); null otherwise. */
    @Override
    public RootOverlay childOverlay() {
        return kind == Kind.CHILD_OVERLAY ? overlay() : null;
    }

    private RootOverlay overlay() {
        return new RootOverlay(tree, bundle.resolve("upper"), bundle.resolve("work"));
    }

    @Override
    public synchronized void prepare() throws IOException {
        // checked before anything is made: the paths must fit in the overlay's mount options
        RootOverlay overlay = kind == Kind.COPY ? null : overlay();
        hold = store.hold(image);
        SandboxRoot.makeContainerDirectory(bundle);
        made = true;
        if (overlay == null) {
            Trees.copy(tree, rootfs(), false);
            return;
        }
        Files.createDirectory(overlay.upper());
        Files.createDirectory(overlay.work());
        Files.createDirectory(rootfs());
        if (kind == Kind.HOST_OVERLAY) {
            LibC.overlayMount(tree.toString(), overlay.upper().toString(), overlay.work().toString(),
                    rootfs().toString());
            mounted = true;
        }
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
