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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Unpacked images on disk, shared by every JVM of a user (root's at {@code /var/lib/gatun}, a
 * user's at {@code $XDG_DATA_HOME/gatun} or {@code ~/.local/share/gatun}). Layout:
 *
 * <pre>
 * &lt;root&gt;/lock                     held (an fcntl lock) while a tree or an image record is written
 * &lt;root&gt;/gc.lock                  shared (fcntl) by every pull and unpack, exclusive for {@link #gc()}
 * &lt;root&gt;/blobs/sha256/&lt;digest&gt;    blobs pulled from registries, each checked before it is kept
 * &lt;root&gt;/rootfs/sha256/&lt;chain id&gt;/  an image's layers applied in order, by the top layer's chain ID
 * &lt;root&gt;/images/&lt;id&gt;.json         what an image holds: its names, its blobs, its tree's chain ID
 * &lt;root&gt;/holds/&lt;id&gt;               a copy of the image's record, locked shared (fcntl) by every
 *                                  process running a container from it ({@link #hold})
 * &lt;root&gt;/tmp/                      where an unpack is assembled, then renamed into place; partial
 *                                  downloads ({@code <digest>.partial}, resumed by the next pull)
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
 * between JVMs (a {@link FileChannel#lock() file lock}). Blobs of layouts and archives are not
 * copied into the store (they are read where they are).
 *
 * <p>{@link #gc()} removes the blobs and trees no image record references; {@link #remove} drops
 * a record (or one of its names). A record is written by every registry pull and every unpack.
 * A container running from an image {@linkplain #hold holds} it: a shared {@code flock}-like
 * (fcntl) lock on {@code holds/<id>} for the container's life, so that its tree and blobs outlive
 * the image's removal. {@code gc} keeps what a held file names: it tries each file's lock
 * exclusively without waiting, and removes the file only when that succeeds. A process that dies,
 * even by SIGKILL, loses its locks with its file descriptors, so nothing is held forever.
 */
public final class ImageStore {

    private static final ReentrantLock JVM_LOCK = new ReentrantLock(); // a FileLock is per JVM, not per thread
    /** One download per partial file in this JVM (the file lock keeps other JVMs out). */
    private static final Map<Path, ReentrantLock> PARTIALS = new ConcurrentHashMap<>();
    private static final Map<Path, UseLock> USE_LOCKS = new ConcurrentHashMap<>();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /**
     * This JVM's holds, by the real path of their file, guarded by itself: an fcntl lock is the
     * process's, so one lock per file, counted, and never a second descriptor opened on a held
     * file (closing any descriptor of a file drops the process's locks on it).
     */
    private static final Map<Path, HeldFile> HOLDS = new java.util.HashMap<>();

    private final Path root;
    private final Layers.Options options;
    private final UseLock use;

    private ImageStore(Path root, Layers.Options options) {
        this.root = root;
        this.options = options;
        // one lock object per real directory: fcntl locks are per process, and closing any channel on the file drops them all
        this.use = USE_LOCKS.computeIfAbsent(real(root), r -> new UseLock(r.resolve("gc.lock")));
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /** The store at {@code root}, made if missing; owners are kept when this JVM is root. */
    public static ImageStore open(Path root) throws IOException {
        Files.createDirectories(root.resolve("rootfs/sha256"));
        Files.createDirectories(root.resolve("tmp"));
        Files.createDirectories(root.resolve("blobs/sha256"));
        Files.createDirectories(root.resolve("images"));
        Files.createDirectories(root.resolve("holds"));
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
     * The directory holding {@code image}'s root filesystem, unpacked now if it is not stored yet,
     * and the image recorded (so that {@link #gc()} keeps the tree). The tree belongs to the store:
     * a container must not write to it (mount it as an overlay lower, or {@linkplain Trees#copy copy} it).
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
        try (UseLock.Held _ = use.shared()) {
            return writing(() -> {
                String name = image.source().startsWith("registry:") ? null : image.source(); // a pull named it
                if (Files.isDirectory(done, LinkOption.NOFOLLOW_LINKS)) {
                    record(image.id(), name, List.of(), chain.getLast());
                    return done;
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
                    record(image.id(), name, List.of(), chain.getLast()); // only once the tree is whole
                    return done;
                } finally {
                    Trees.remove(scratch);
                }
            });
        }
    }

    /**
     * A lock on the whole of {@code c} ({@code FileChannel.lock}), retried while the kernel answers
     * EDEADLK. POSIX record locks belong to the process, not the thread: two JVMs whose threads
     * wait on each other's different files (parallel layer downloads of one image into one store)
     * look like a deadlock to the kernel, though each holder thread finishes and lets go.
     */
    static FileLock lock(FileChannel c, boolean shared) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return c.lock(0, Long.MAX_VALUE, shared);
            } catch (IOException e) {
                if (!"Resource deadlock avoided".equals(e.getMessage()) || attempt == 2000) {
                    throw e;
                }
            }
            try {
                Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(2, 12));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for a lock of the image store");
            }
        }
    }

    private interface Write<T> {
        T run() throws IOException;
    }

    /** Runs {@code w} holding the store's write lock: this JVM's, then the file's (other JVMs'). */
    private <T> T writing(Write<T> w) throws IOException {
        JVM_LOCK.lock();
        try (FileChannel lockFile = FileChannel.open(root.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lock(lockFile, false)) {
            return w.run();
        } finally {
            JVM_LOCK.unlock();
        }
    }

    /**
     * Writes a blob's content into a {@link Partial}: from its current size on (a resumed
     * download), or from the start after {@link Partial#restart()} when the source cannot resume.
     */
    public interface Download {
        void into(Partial partial) throws IOException;
    }

    /**
     * A blob being downloaded into {@code tmp/}: appended to, its digest computed as it grows (so
     * that the check before the blob is kept reads nothing twice; a resumed file's bytes are read
     * once, when it is opened). Used by one thread, while the store holds the file's lock.
     */
    public static final class Partial {
        private final FileChannel channel;
        private final java.security.MessageDigest md;
        private long size;

        private Partial(FileChannel channel, String algorithm) throws IOException {
            this.channel = channel;
            this.md = Digest.messageDigest(algorithm);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1 << 16);
            channel.position(0);
            for (int n; (n = channel.read(b)) > 0; ) {
                b.flip();
                md.update(b);
                b.clear();
                size += n;
            }
        }

        /** The bytes it holds. */
        public long size() {
            return size;
        }

        /** Empties it, for a source that sends the blob from its start. */
        public void restart() throws IOException {
            channel.truncate(0);
            md.reset();
            size = 0;
        }

        /** Appends {@code len} bytes of {@code b}. */
        public void append(byte[] b, int off, int len) throws IOException {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(b, off, len);
            channel.position(size);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            md.update(b, off, len);
            size += len;
        }

        /** Throws unless it holds exactly {@code d}'s size and digest. */
        private void check(Descriptor d, String what) {
            if (size != d.size()) {
                throw new InvalidImageException(what + ": " + size + " bytes, its descriptor says " + d.size()
                        + (size < d.size() ? " (truncated?)" : ""));
            }
            String actual = java.util.HexFormat.of().formatHex(md.digest());
            if (!actual.equals(d.digest().hex())) {
                throw new InvalidImageException(what + ": digest mismatch: expected " + d.digest() + ", content is "
                        + d.digest().algorithm() + ":" + actual);
            }
        }
    }

    /**
     * The stored blob {@code d}: downloaded with {@code download} first when it is not stored,
     * into {@code tmp/<digest>.partial} (kept when the download fails, so that the next one resumes
     * it), checked against its digest and size, then renamed into place (so a stored blob is always
     * whole and right). A partial file that fails the check is deleted. One download of a blob at a
     * time, in this JVM and between JVMs (a file lock on the partial file).
     *
     * @throws InvalidImageException the content's digest or size is not the descriptor's
     */
    public Path blob(Descriptor d, Download download, String what) throws IOException {
        Path done = blobPath(d.digest());
        if (Files.isRegularFile(done, LinkOption.NOFOLLOW_LINKS)) {
            return done;
        }
        Files.createDirectories(done.getParent());
        Path partial = root.resolve("tmp").resolve(d.digest().algorithm() + "-" + d.digest().hex() + ".partial");
        ReentrantLock jvm = PARTIALS.computeIfAbsent(real(root).resolve(root.relativize(partial)), p -> new ReentrantLock());
        jvm.lock();
        try {
            if (Files.isRegularFile(done, LinkOption.NOFOLLOW_LINKS)) {
                return done; // another thread of this JVM stored it while this one waited
            }
            while (true) {
                try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE); FileLock lock = lock(ch, false)) {
                    if (Files.isRegularFile(done, LinkOption.NOFOLLOW_LINKS)) {
                        if (ch.size() == 0) {
                            Files.deleteIfExists(partial); // made by this open, after the other JVM's rename
                        }
                        return done; // another JVM stored it while this one waited
                    }
                    if (!Files.exists(partial, LinkOption.NOFOLLOW_LINKS)) {
                        continue; // its owner deleted the file this one waited for (a failed check): start anew
                    }
                    try {
                        Partial p = new Partial(ch, d.digest().algorithm());
                        download.into(p);
                        p.check(d, what);
                    } catch (InvalidImageException e) {
                        Files.deleteIfExists(partial); // never resumed: its bytes are wrong somewhere
                        throw e;
                    }
                    Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    return done;
                } catch (java.nio.file.NoSuchFileException raced) {
                    // the partial file went (renamed into place) between open and stat: look again
                    if (Files.isRegularFile(done, LinkOption.NOFOLLOW_LINKS)) {
                        return done;
                    }
                    throw raced;
                }
            }
        } finally {
            jvm.unlock();
        }
    }

    /** Where blob {@code d} is stored (whether it is or not). */
    Path blobPath(Digest d) {
        return root.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
    }

    /** An image the store records: its id (the config's digest), names, blobs and unpacked tree's chain ID (null until unpacked). */
    public record StoredImage(Digest id, List<String> names, List<Digest> blobs, Digest chainId) {}

    /** The images the store records, by id. */
    public List<StoredImage> images() throws IOException {
        List<StoredImage> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root.resolve("images"))) {
            for (Path p : s.sorted().toList()) {
                if (p.getFileName().toString().endsWith(".json")) {
                    out.add(readRecord(p));
                }
            }
        }
        return out;
    }

    /**
     * Records (or adds to the record of) image {@code id}: {@code name} (if not null) among its
     * names, {@code blobs} among its blobs, its tree's {@code chainId} (if not null). Called by a
     * pull, under the use lock, and by {@link #unpack}.
     */
    void record(Digest id, String name, List<Digest> blobs, Digest chainId) throws IOException {
        Path file = root.resolve("images").resolve(id.hex() + ".json");
        JsonNode old = Files.isRegularFile(file) ? ImageSource.parse(file.toString(), Files.readAllBytes(file)) : null;
        StoredImage before = old == null ? new StoredImage(id, List.of(), List.of(), null) : readRecord(file);
        Set<String> names = new LinkedHashSet<>(before.names());
        if (name != null) {
            names.add(name);
        }
        Set<Digest> allBlobs = new LinkedHashSet<>(before.blobs());
        allBlobs.addAll(blobs);
        Digest chain = chainId != null ? chainId : before.chainId();
        if (old != null && names.equals(new LinkedHashSet<>(before.names())) && allBlobs.size() == before.blobs().size()
                && java.util.Objects.equals(chain, before.chainId())) {
            return;
        }
        Path scratch = root.resolve("tmp").resolve(UUID.randomUUID() + ".json");
        try {
            Files.write(scratch, toJson(new StoredImage(id, List.copyOf(names), List.copyOf(allBlobs), chain)));
            Files.move(scratch, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    private static byte[] toJson(StoredImage image) {
        ObjectNode json = JSON.createObjectNode();
        json.put("id", image.id().toString());
        ArrayNode n = json.putArray("names");
        image.names().forEach(n::add);
        ArrayNode b = json.putArray("blobs");
        image.blobs().forEach(x -> b.add(x.toString()));
        if (image.chainId() != null) {
            json.put("chainId", image.chainId().toString());
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json);
    }

    /** Records a pulled image under the write lock (see {@link #record}). */
    void recordPull(Digest id, String name, List<Digest> blobs) throws IOException {
        writing(() -> {
            record(id, name, blobs, null);
            return null;
        });
    }

    private StoredImage readRecord(Path file) throws IOException {
        if (Files.size(file) > ImageSource.MAX_JSON) {
            throw new InvalidImageException(file + ": more than " + ImageSource.MAX_JSON + " bytes");
        }
        return parseRecord(file, Files.readAllBytes(file));
    }

    private static StoredImage parseRecord(Path file, byte[] content) {
        JsonNode json = ImageSource.parse(file.toString(), content);
        List<String> names = new ArrayList<>();
        json.path("names").forEach(x -> names.add(x.asString()));
        List<Digest> blobs = new ArrayList<>();
        for (int i = 0; i < json.path("blobs").size(); i++) {
            blobs.add(Digest.parse(file + " blobs[" + i + "]", json.path("blobs").get(i).asString(null)));
        }
        Digest chain = json.has("chainId") ? Digest.parse(file + " chainId", json.path("chainId").asString(null)) : null;
        return new StoredImage(Digest.parse(file + " id", json.path("id").asString(null)), List.copyOf(names),
                List.copyOf(blobs), chain);
    }

    /**
     * Forgets {@code nameOrId}: an image id ({@code sha256:…}, or a unique prefix of its hex of at
     * least 12 digits) drops the whole record; a name drops that name, and the record with its
     * last name. What it held stays until {@link #gc()}. Returns what was removed — the id of
     * each record dropped, or the name — or an empty list when nothing matched.
     */
    public List<String> remove(String nameOrId) throws IOException {
        java.util.Objects.requireNonNull(nameOrId, "nameOrId");
        try (UseLock.Held _ = use.shared()) {
            return writing(() -> {
                List<String> removed = new ArrayList<>();
                List<StoredImage> all = images();
                List<StoredImage> byId = all.stream().filter(i -> i.id().toString().equals(nameOrId)
                        || nameOrId.length() >= 12 && i.id().hex().startsWith(nameOrId.replaceFirst("^sha256:", ""))).toList();
                if (byId.size() > 1) {
                    throw new IllegalArgumentException("image id \"" + nameOrId + "\" is ambiguous: " + byId.size() + " images");
                }
                for (StoredImage i : all) {
                    Path file = root.resolve("images").resolve(i.id().hex() + ".json");
                    if (byId.contains(i) || i.names().equals(List.of(nameOrId))) {
                        Files.delete(file);
                        removed.add(i.id().toString());
                    } else if (i.names().contains(nameOrId)) {
                        List<String> rest = new ArrayList<>(i.names());
                        rest.remove(nameOrId);
                        Files.delete(file);
                        for (String n : rest) {
                            record(i.id(), n, i.blobs(), i.chainId());
                        }
                        removed.add(nameOrId);
                    }
                }
                return removed;
            });
        }
    }

    /**
     * What {@link #gc()} removed: blobs, trees, scratch entries (partial downloads, dead unpacks),
     * and the bytes freed (the sizes of the regular files removed; a hard-linked file counts once
     * per link).
     */
    public record Collected(int blobs, int trees, int scratch, long bytes) {}

    /**
     * Removes every blob and tree that no image record references, and everything in {@code tmp/}
     * (partial downloads, unpacks a killed JVM left). Holds {@code gc.lock} exclusively: it waits
     * for the pulls and unpacks of every JVM using the store to finish, and they wait for it.
     */
    public Collected gc() throws IOException {
        try (UseLock.Held _ = use.exclusive()) {
            return writing(() -> {
                Set<Digest> blobs = new HashSet<>();
                Set<Digest> trees = new HashSet<>();
                List<StoredImage> live = new ArrayList<>(images());
                live.addAll(heldImages());
                for (StoredImage i : live) {
                    blobs.addAll(i.blobs());
                    if (i.chainId() != null) {
                        trees.add(i.chainId());
                    }
                }
                int b = 0;
                int t = 0;
                int scratch = 0;
                long bytes = 0;
                for (Path p : list(root.resolve("blobs/sha256"))) {
                    if (!blobs.contains(new Digest("sha256", p.getFileName().toString()))) {
                        bytes += Files.size(p);
                        Files.delete(p);
                        b++;
                    }
                }
                for (Path p : list(root.resolve("rootfs/sha256"))) {
                    if (!trees.contains(new Digest("sha256", p.getFileName().toString()))) {
                        bytes += Trees.size(p);
                        Trees.remove(p);
                        t++;
                    }
                }
                for (Path p : list(root.resolve("tmp"))) {
                    bytes += Trees.size(p);
                    Trees.remove(p);
                    scratch++;
                }
                return new Collected(b, t, scratch, bytes);
            });
        }
    }

    /**
     * A hold on a stored image: its tree and blobs stay (through {@link #remove} and {@link #gc()},
     * in any process) until {@link #close()}. Closing twice is harmless. Thread-safe.
     */
    public static final class Hold implements AutoCloseable {
        private final Path file;
        private final Path tree;
        private boolean closed;

        private Hold(Path file, Path tree) {
            this.file = file;
            this.tree = tree;
        }

        /** The held image's unpacked tree. */
        public Path tree() {
            return tree;
        }

        /** Releases this hold; the lock goes with this JVM's last hold on the image. */
        @Override
        public void close() throws IOException {
            synchronized (HOLDS) {
                if (closed) {
                    return;
                }
                closed = true;
                HeldFile h = HOLDS.get(file);
                if (--h.count == 0) {
                    HOLDS.remove(file);
                    try (FileChannel c = h.channel) {
                        h.lock.release();
                    }
                }
            }
        }
    }

    /** This JVM's lock on one {@code holds/} file, the record it names, and how many holds share it. */
    private static final class HeldFile {
        final FileChannel channel;
        final FileLock lock;
        final StoredImage image;
        int count;

        HeldFile(FileChannel channel, FileLock lock, StoredImage image) {
            this.channel = channel;
            this.lock = lock;
            this.image = image;
        }
    }

    /**
     * Holds image {@code id}, unpacked, for as long as a container runs from it: until the
     * returned hold is closed, or this process ends, neither its tree nor its blobs are removed by
     * {@link #gc()} of any process, even after {@link #remove} of the image. Taken while no gc
     * runs (gc waits for it, and it for gc).
     *
     * @throws InvalidImageException the store has no record of {@code id}, or its tree is not unpacked
     */
    public Hold hold(Digest id) throws IOException {
        java.util.Objects.requireNonNull(id, "id");
        try (UseLock.Held _ = use.shared()) {
            return writing(() -> {
                Path recordFile = root.resolve("images").resolve(id.hex() + ".json");
                if (!Files.isRegularFile(recordFile)) {
                    throw new InvalidImageException("image " + id + ": not in the store " + root + " (removed?)");
                }
                StoredImage image = readRecord(recordFile);
                Path tree = image.chainId() == null ? null : tree(image.chainId());
                if (tree == null || !Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
                    throw new InvalidImageException("image " + id + ": not unpacked in the store " + root);
                }
                Path file = real(root).resolve("holds").resolve(id.hex());
                synchronized (HOLDS) {
                    HeldFile h = HOLDS.get(file);
                    if (h == null) {
                        h = lockHoldFile(file, image);
                        HOLDS.put(file, h);
                    }
                    h.count++;
                }
                return new Hold(file, tree);
            });
        }
    }

    /**
     * Writes {@code file} with {@code image}'s record when it is missing (never replaced: another
     * process may hold a lock on it) and locks it shared. Called with no other descriptor on it open here.
     */
    private static HeldFile lockHoldFile(Path file, StoredImage image) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            Path scratch = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".new");
            try {
                Files.write(scratch, toJson(image), StandardOpenOption.CREATE_NEW);
                Files.move(scratch, file, StandardCopyOption.ATOMIC_MOVE); // under the write lock: nobody else makes it
            } finally {
                Files.deleteIfExists(scratch);
            }
        }
        FileChannel c = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            return new HeldFile(c, lock(c, true), image);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /**
     * The images some process holds: this JVM's from memory, another's from the file it locks.
     * A file nobody locks (its holders closed or died) is removed. Called by gc, under both locks.
     */
    private List<StoredImage> heldImages() throws IOException {
        List<StoredImage> held = new ArrayList<>();
        for (Path p : list(root.resolve("holds"))) {
            Path file = real(root).resolve("holds").resolve(p.getFileName());
            synchronized (HOLDS) {
                HeldFile mine = HOLDS.get(file);
                if (mine != null) {
                    held.add(mine.image);
                    continue;
                }
                try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    FileLock l = c.tryLock();
                    if (l != null) {
                        Files.delete(file); // nobody holds it; a new hold waits for this gc, then makes it anew
                        continue;
                    }
                    if (c.size() > ImageSource.MAX_JSON) {
                        throw new InvalidImageException(file + ": more than " + ImageSource.MAX_JSON + " bytes");
                    }
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) c.size());
                    while (b.hasRemaining() && c.read(b) > 0) {
                        // read it all
                    }
                    held.add(parseRecord(file, b.array()));
                }
            }
        }
        return held;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /**
     * {@code gc.lock}: shared by pulls and unpacks, exclusive for gc. A {@link FileLock} belongs to
     * the whole JVM (a second lock on the file from the same JVM throws), so this JVM's threads
     * share one shared lock, counted, and a read-write lock orders them against this JVM's gc.
     */
    private static final class UseLock {
        private final Path file;
        private final ReentrantReadWriteLock jvm = new ReentrantReadWriteLock();
        private int users;
        private FileChannel channel;
        private FileLock lock;

        UseLock(Path file) {
            this.file = file;
        }

        interface Held extends AutoCloseable {
            @Override
            void close() throws IOException;
        }

        Held shared() throws IOException {
            jvm.readLock().lock();
            try {
                synchronized (this) {
                    if (users == 0) {
                        FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                                StandardOpenOption.WRITE);
                        try {
                            lock = ImageStore.lock(c, true);
                        } catch (IOException | RuntimeException e) {
                            c.close();
                            throw e;
                        }
                        channel = c;
                    }
                    users++;
                }
            } catch (IOException | RuntimeException e) {
                jvm.readLock().unlock();
                throw e;
            }
            return () -> {
                try {
                    synchronized (this) {
                        if (--users == 0) {
                            try (FileChannel c = channel) {
                                lock.release();
                            } finally {
                                channel = null;
                                lock = null;
                            }
                        }
                    }
                } finally {
                    jvm.readLock().unlock();
                }
            };
        }

        Held exclusive() throws IOException {
            jvm.writeLock().lock();
            FileChannel c = null;
            try {
                c = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock l = ImageStore.lock(c, false);
                FileChannel opened = c;
                return () -> {
                    try (opened) {
                        l.release();
                    } finally {
                        jvm.writeLock().unlock();
                    }
                };
            } catch (IOException | RuntimeException e) {
                if (c != null) {
                    c.close();
                }
                jvm.writeLock().unlock();
                throw e;
            }
        }
    }

    /** Holds the store in use (shared {@code gc.lock}) for a pull: gc waits until it is closed. */
    UseLock.Held inUse() throws IOException {
        return use.shared();
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
