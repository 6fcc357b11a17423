package dev.gatun.images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Unpacked images on disk, shared by every JVM of a user (root's at {@code /var/lib/gatun}, a
 * user's at {@code $XDG_DATA_HOME/gatun} or {@code ~/.local/share/gatun}). Layout:
 *
 * <pre>
 * &lt;root&gt;/lock                     held (flock) while anything is written
 * &lt;root&gt;/blobs/sha256/&lt;digest&gt;    blobs pulled from registries, each checked before it is kept
 * &lt;root&gt;/rootfs/sha256/&lt;chain id&gt;/  an image's layers applied in order, by the top layer's chain ID
 * &lt;root&gt;/tmp/                      where an unpack is assembled, then renamed into place
 * </pre>
 *
 * <p>Keyed by chain ID, not diff ID: a tree is the flattened result of all layers up to it, so
 * images that share a base share the work (an unpack starts from a copy of the longest stored
 * prefix) and the tree is usable as a single overlay lower directory. Per-layer directories
 * stacked as overlay lowers (no copy of a shared base) need whiteouts as {@code 0:0} devices,
 * hence {@code mknod}: not in this pure-Java module yet.
 *
 * <p>An unpack that fails (a digest or diff ID mismatch, a hostile entry, a truncated layer)
 * removes its scratch directory: nothing half-written is ever under {@code rootfs/}. Every
 * layer's diff ID is checked against the config's {@code rootfs.diff_ids}. Thread-safe, and safe
 * between JVMs (a {@link FileChannel#lock() file lock}). Not here yet: garbage collection, blobs
 * shared blobs of
 * layouts and archives (they are read where they are).
 */
public final class ImageStore {

    private static final ReentrantLock JVM_LOCK = new ReentrantLock(); // a FileLock is per JVM, not per thread

    private final Path root;
    private final Layers.Options options;

    private ImageStore(Path root, Layers.Options options) {
        this.root = root;
        this.options = options;
    }

    /** The store at {@code root}, made if missing; owners are kept when this JVM is root. */
    public static ImageStore open(Path root) throws IOException {
        Files.createDirectories(root.resolve("rootfs/sha256"));
        Files.createDirectories(root.resolve("tmp"));
        Files.createDirectories(root.resolve("blobs/sha256"));
        return new ImageStore(root, new Layers.Options(isRoot()));
    }

    /**
     * {@code -Dgatun.imageStore} when set; else root's {@code /var/lib/gatun}, a user's
     * {@code $XDG_DATA_HOME/gatun}, else {@code ~/.local/share/gatun}.
     */
    public static Path defaultLocation() {
        String configured = System.getProperty("gatun.imageStore");
        if (configured != null && !configured.isEmpty()) {
            return Path.of(configured).toAbsolutePath();
        }
        if (isRoot()) {
            return Path.of("/var/lib/gatun");
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        return xdg != null && xdg.startsWith("/") ? Path.of(xdg, "gatun")
                : Path.of(System.getProperty("user.home"), ".local", "share", "gatun");
    }

    /** Whether this JVM's effective uid is 0 (the owner of {@code /proc/self}). */
    static boolean isRoot() {
        try {
            return (int) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    public Path root() {
        return root;
    }

    /**
     * The directory holding {@code image}'s root filesystem, unpacked now if it is not stored yet.
     * The tree belongs to the store: a container must not write to it (mount it as an overlay
     * lower, or {@linkplain Trees#copy copy} it).
     *
     * @throws InvalidImageException a blob whose digest or size is not its descriptor's, a layer
     *     whose diff ID is not the config's, a hostile or corrupt layer
     */
    public Path unpack(Image image) throws IOException {
        List<Digest> chain = image.chainIds();
        if (chain.isEmpty()) {
            throw new InvalidImageException(image + ": no layers");
        }
        Path done = tree(chain.getLast());
        if (Files.isDirectory(done, LinkOption.NOFOLLOW_LINKS)) {
            return done;
        }
        JVM_LOCK.lock();
        try (FileChannel lockFile = FileChannel.open(root.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockFile.lock()) {
            if (Files.isDirectory(done, LinkOption.NOFOLLOW_LINKS)) {
                return done; // another JVM made it while this one waited
            }
            int start = chain.size() - 1;
            while (start >= 0 && !Files.isDirectory(tree(chain.get(start)), LinkOption.NOFOLLOW_LINKS)) {
                start--;
            }
            Path scratch = root.resolve("tmp").resolve(UUID.randomUUID().toString());
            try {
                if (start >= 0) {
                    Trees.copy(tree(chain.get(start)), scratch, options.chown());
                } else {
                    Files.createDirectory(scratch);
                }
                for (int i = start + 1; i < chain.size(); i++) {
                    applyLayer(image, i, scratch);
                }
                Files.setAttribute(scratch, "unix:mode", 0755);
                try {
                    Files.move(scratch, done, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                    throw new IOException("store " + root + ": cannot rename " + scratch + " to " + done, e);
                }
                return done;
            } finally {
                Trees.remove(scratch);
            }
        } finally {
            JVM_LOCK.unlock();
        }
    }

    /** Opens a blob's content from where it comes (a registry). */
    public interface Download {
        InputStream open() throws IOException;
    }

    /**
     * The stored blob {@code d}: downloaded with {@code download} first when it is not stored,
     * into {@code tmp/}, checked against its digest and size, then renamed into place (so a
     * stored blob is always whole and right; concurrent downloads of one blob are harmless).
     */
    public Path blob(Descriptor d, Download download, String what) throws IOException {
        Path done = root.resolve("blobs").resolve(d.digest().algorithm()).resolve(d.digest().hex());
        if (Files.isRegularFile(done, LinkOption.NOFOLLOW_LINKS)) {
            return done;
        }
        Files.createDirectories(done.getParent());
        Path scratch = root.resolve("tmp").resolve(UUID.randomUUID() + ".blob");
        try {
            try (InputStream in = d.digest().verifying(download.open(), d.size(), what)) {
                Files.copy(in, scratch);
            }
            Files.move(scratch, done, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return done;
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    private void applyLayer(Image image, int i, Path target) throws IOException {
        Digest expected = image.config().diffIds().get(i);
        Layers.Result r;
        try (InputStream in = image.openLayer(i)) {
            r = Layers.apply(in, target, options);
        } catch (InvalidImageException e) {
            throw new InvalidImageException(image + " layers[" + i + "]: " + e.getMessage(), e);
        }
        if (!r.diffId().equals(expected)) {
            throw new InvalidImageException(image + " layers[" + i + "]: its uncompressed content is " + r.diffId()
                    + ", the config's rootfs.diff_ids[" + i + "] says " + expected);
        }
    }

    private Path tree(Digest chainId) {
        return root.resolve("rootfs").resolve(chainId.algorithm()).resolve(chainId.hex());
    }
}
