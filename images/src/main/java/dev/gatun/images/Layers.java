package dev.gatun.images;

import io.airlift.compress.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Applies an image layer (a tar, gzip- or zstd-compressed or not) onto a directory, as the OCI
 * image-spec's "applying changesets" says: entries are created or replace what is there (two
 * directories merge), a whiteout {@code .wh.<name>} removes {@code <name>} of the lower layers, an
 * opaque marker {@code .wh..wh..opq} removes everything the lower layers put in its directory.
 *
 * <p>No entry leaves the target. Every name is split into components: {@code ..} is refused (the
 * entry and the layer fail with {@link InvalidImageException}), a leading {@code /} is dropped (as
 * GNU tar does), and each parent component is resolved inside the target with its symlinks
 * followed as if the target were {@code /} (an absolute or climbing link is clamped at the target,
 * as {@code openat2(RESOLVE_IN_ROOT)} does); the last component is never followed: an entry
 * replaces a symlink, never writes through it. A hard link's target is resolved the same way and
 * must be a non-directory inside the target. The target is assumed to be written by this
 * application alone while it runs (a store's private directory): the checks are path walks, not
 * fd-relative syscalls.
 *
 * <p>What is kept: file contents, directories, symlinks, hard links, the permission bits with
 * setuid, setgid and sticky, modification times, owners when {@link Options#chown()} (root), and
 * {@code user.*} extended attributes. What is skipped and reported in {@link Result#skipped()}:
 * device nodes and FIFOs (a pure-Java module cannot {@code mknod}; a container gets a fresh
 * {@code /dev} anyway) and extended attributes outside {@code user.*} ({@code security.capability}
 * among them). File capabilities are binary, and commons-compress decodes every PAX value as
 * UTF-8: a {@code security.capability} holding {@code 0x81} (cap_chown and cap_setuid) reads
 * back as {@code EF BF BD}, so setting what it returns would give the file capabilities the
 * image never had; they are reported instead.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/layer.md">image-spec: layers</a>
 */
public final class Layers {

    static final String WHITEOUT = ".wh.";
    static final String OPAQUE = ".wh..wh..opq";
    private static final int MAX_SYMLINKS = 40;

    /** How to apply: {@code chown} sets each entry's uid and gid (needs root). */
    public record Options(boolean chown) {
        /** Owners kept when this JVM runs as root. */
        public static Options defaults() {
            return new Options(ImageStore.isRoot());
        }
    }

    /**
     * What one application did: the entries read, the layer's diff ID (the sha256 of its
     * uncompressed tar, what an image config's {@code rootfs.diff_ids} lists) and what was
     * skipped, one line each naming the entry.
     */
    public record Result(int entries, Digest diffId, List<String> skipped) {}

    private final Path root;
    private final Options options;
    private final Set<Path> thisLayer = new HashSet<>();
    // a non-root JVM adds to a lower layer's read-only directory by giving it u+wx for the
    // while: the original modes, put back at the end (root needs none of this)
    private final java.util.LinkedHashMap<Path, Integer> restoreModes = new java.util.LinkedHashMap<>();
    // deferred: a directory's mode and times are set once its entries are in (a 0555 directory
    // would refuse them). Keyed by path, and dropped when the path is removed, so no task ever
    // runs on a path that a later entry turned into a symlink (it would chmod through it).
    private final java.util.LinkedHashMap<Path, Runnable> directoryMetadata = new java.util.LinkedHashMap<>();
    private final List<String> skipped = new ArrayList<>();

    private Layers(Path root, Options options) {
        this.root = root;
        this.options = options;
    }

    /**
     * Applies the layer read from {@code layer} (compression detected from its first bytes) onto
     * the existing directory {@code target}, and reads {@code layer} to its end (so that a
     * verifying stream checks its digest). On an exception the target is left as far as it got:
     * apply into a scratch directory and discard it on failure ({@link ImageStore} does).
     *
     * @throws InvalidImageException an entry that would leave the target, a hard link to nothing,
     *     an unknown compression, a corrupt archive
     */
    public static Result apply(InputStream layer, Path target, Options options) throws IOException {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(target.toString(), null, "layer target is not a directory");
        }
        Layers app = new Layers(target, options);
        MessageDigest md = Digest.messageDigest("sha256");
        InputStream raw = new BufferedInputStream(layer, 65536);
        InputStream tarBytes = new java.security.DigestInputStream(decompress(raw), md);
        int count = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(tarBytes)) {
            TarArchiveEntry entry;
            while ((entry = nextEntry(tar)) != null) {
                count++;
                app.applyEntry(tar, entry);
            }
            tarBytes.transferTo(OutputStream.nullOutputStream());
            raw.transferTo(OutputStream.nullOutputStream());
        } catch (java.io.EOFException e) {
            throw new InvalidImageException("layer: truncated (end of data inside an entry" + (count > 0
                    ? ", after " + count + " entries" : "") + ")", e);
        }
        for (Runnable task : app.directoryMetadata.sequencedValues().reversed()) {
            task.run();
        }
        for (Map.Entry<Path, Integer> m : app.restoreModes.sequencedEntrySet().reversed()) {
            if (!app.directoryMetadata.containsKey(m.getKey())) {
                Files.setAttribute(m.getKey(), "unix:mode", m.getValue());
            }
        }
        return new Result(count, new Digest("sha256", HexFormat.of().formatHex(md.digest())), List.copyOf(app.skipped));
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar) throws IOException {
        try {
            return tar.getNextEntry();
        } catch (java.io.EOFException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidImageException("layer: corrupt or truncated tar: "
                    + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), e);
        }
    }

    /** {@code in} decompressed as its magic bytes say: gzip, zstd, or a plain tar. */
    static InputStream decompress(InputStream in) throws IOException {
        in.mark(8);
        byte[] magic = in.readNBytes(6);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new GzipCompressorInputStream(in, true);
        }
        if (magic.length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            return new ZstdInputStream(in);
        }
        if (magic.length >= 6 && (magic[0] & 0xff) == 0xfd && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X') {
            throw new InvalidImageException("layer: xz compression is not supported (the image-spec allows gzip and zstd)");
        }
        if (magic.length >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') {
            throw new InvalidImageException("layer: bzip2 compression is not supported (the image-spec allows gzip and zstd)");
        }
        return in;
    }

    private void applyEntry(TarArchiveInputStream tar, TarArchiveEntry e) throws IOException {
        String name = e.getName();
        List<String> parts = components(name);
        if (parts.isEmpty()) {
            if (e.isDirectory()) {
                directoryMetadata.put(root, metadataTask(root, e));
            }
            return;
        }
        String base = parts.getLast();
        Path dir = resolveDirectory(parts.subList(0, parts.size() - 1), name);
        writable(dir);
        if (base.equals(OPAQUE)) {
            removeLower(dir);
            return;
        }
        if (base.startsWith(WHITEOUT)) {
            String hidden = base.substring(WHITEOUT.length());
            if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..") || hidden.startsWith(WHITEOUT)) {
                throw new InvalidImageException("layer entry \"" + name + "\": not a valid whiteout");
            }
            Path victim = dir.resolve(hidden);
            if (!thisLayer.contains(victim)) {
                remove(victim);
            }
            return;
        }
        Path p = dir.resolve(base);
        if (e.isDirectory()) {
            BasicFileAttributes a = attributes(p);
            if (a != null && !a.isDirectory()) {
                remove(p);
                a = null;
            }
            if (a == null) {
                Files.createDirectory(p);
            }
            thisLayer.add(p);
            directoryMetadata.remove(p);
            directoryMetadata.put(p, metadataTask(p, e));
            return;
        }
        if (e.isLink()) {
            Path target = resolveLinkTarget(e.getLinkName(), name);
            if (target.equals(p)) {
                return;
            }
            remove(p);
            Files.createLink(p, target);
            thisLayer.add(p);
            return;
        }
        if (e.isSymbolicLink()) {
            remove(p);
            Files.createSymbolicLink(p, Path.of(e.getLinkName()));
            thisLayer.add(p);
            owner(p, e);
            setTime(p, e);
            return;
        }
        if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            skipped.add(name + ": " + (e.isFIFO() ? "FIFO" : "device node") + " not created");
            return;
        }
        if (!e.isFile()) {
            skipped.add(name + ": tar entry type '" + (char) e.getLinkFlag() + "' not supported");
            return;
        }
        remove(p);
        copyContent(tar, p, name);
        thisLayer.add(p);
        owner(p, e);
        Files.setAttribute(p, "unix:mode", e.getMode() & 07777);
        xattrs(p, e);
        setTime(p, e);
    }

    /** Writes the entry's content to a new file {@code p}: CREATE_NEW is O_EXCL, never through a symlink. */
    private static void copyContent(TarArchiveInputStream tar, Path p, String name) throws IOException {
        byte[] buf = new byte[65536];
        try (OutputStream out = Files.newOutputStream(p, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            while (true) {
                int n;
                try {
                    n = tar.read(buf);
                } catch (IOException e) {
                    throw new InvalidImageException("layer entry \"" + name + "\": truncated or corrupt content: "
                            + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), e);
                }
                if (n < 0) {
                    return;
                }
                out.write(buf, 0, n);
            }
        }
    }

    /** The entry's name as components; {@code ..} refused, empty and {@code .} components dropped. */
    static List<String> components(String name) {
        if (name.indexOf('\0') >= 0) {
            throw new InvalidImageException("layer entry \"" + name.replace("\0", "\\0") + "\": NUL in name");
        }
        List<String> out = new ArrayList<>();
        for (String c : name.split("/")) {
            if (c.equals("..")) {
                throw new InvalidImageException("layer entry \"" + name + "\": \"..\" would leave the target");
            }
            if (!c.isEmpty() && !c.equals(".")) {
                out.add(c);
            }
        }
        return out;
    }

    /**
     * The directory {@code parts} names inside the root, each symlink on the way followed as if the
     * root were {@code /} ({@code ..} stops at the root); missing directories are made (0755:
     * tars often leave parents out).
     */
    private Path resolveDirectory(List<String> parts, String entry) throws IOException {
        Deque<String> todo = new ArrayDeque<>(parts);
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.removeLast();
                }
                continue;
            }
            Path p = inRoot(done).resolve(c);
            BasicFileAttributes a = attributes(p);
            if (a == null) {
                writable(inRoot(done));
                Files.createDirectory(p);
            } else if (a.isSymbolicLink()) {
                if (++links > MAX_SYMLINKS) {
                    throw new InvalidImageException("layer entry \"" + entry + "\": more than " + MAX_SYMLINKS
                            + " symlinks in its path (a loop?)");
                }
                String link = Files.readSymbolicLink(p).toString();
                if (link.startsWith("/")) {
                    done.clear();
                }
                String[] linkParts = link.split("/");
                for (int i = linkParts.length - 1; i >= 0; i--) {
                    todo.addFirst(linkParts[i]);
                }
                continue;
            } else if (!a.isDirectory()) {
                throw new InvalidImageException("layer entry \"" + entry + "\": /" + root.relativize(p)
                        + " is not a directory");
            }
            done.add(c);
        }
        return inRoot(done);
    }

    private Path resolveLinkTarget(String linkName, String entry) {
        try {
            List<String> parts = components(linkName);
            if (parts.isEmpty()) {
                throw new InvalidImageException("layer entry \"" + entry + "\": hard link to the root");
            }
            Path target = resolveDirectory(parts.subList(0, parts.size() - 1), entry).resolve(parts.getLast());
            BasicFileAttributes a = attributes(target);
            if (a == null || a.isDirectory()) {
                throw new InvalidImageException("layer entry \"" + entry + "\": hard link to \"" + linkName + "\", "
                        + (a == null ? "which is not in the layer or below it" : "a directory"));
            }
            return target;
        } catch (InvalidImageException ex) {
            throw ex.getMessage().startsWith("layer entry \"" + entry + "\"") ? ex
                    : new InvalidImageException("layer entry \"" + entry + "\" (hard link): " + ex.getMessage());
        } catch (IOException ex) {
            throw new InvalidImageException("layer entry \"" + entry + "\": hard link target \"" + linkName + "\": " + ex);
        }
    }

    private Path inRoot(List<String> parts) {
        return parts.isEmpty() ? root : root.resolve(String.join("/", parts));
    }

    /** Removes what the lower layers put in {@code dir}, keeping this layer's entries. */
    private void removeLower(Path dir) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                if (!thisLayer.contains(child)) {
                    writable(dir);
                    remove(child);
                } else if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                    removeLower(child);
                }
            }
        }
    }

    /** Removes {@code p} and all below it, and forgets the deferred metadata of what it removed. */
    private void remove(Path p) throws IOException {
        try {
            removeTree(p);
        } catch (java.nio.file.AccessDeniedException e) {
            if (options.chown()) {
                throw e;
            }
            Trees.makeWritable(p);
            removeTree(p);
        }
        directoryMetadata.keySet().removeIf(d -> d.startsWith(p));
        restoreModes.keySet().removeIf(d -> d.startsWith(p));
    }

    /** For a non-root JVM: gives {@code dir} its owner's write and search bits for the while (see {@link #restoreModes}). */
    private void writable(Path dir) throws IOException {
        if (options.chown()) {
            return;
        }
        int mode = (int) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        if ((mode & 0300) != 0300) {
            restoreModes.putIfAbsent(dir, mode);
            Files.setAttribute(dir, "unix:mode", mode | 0300);
        }
    }

    /** Removes {@code p} and, if it is a directory, all below it; never follows a symlink. */
    static void removeTree(Path p) throws IOException {
        BasicFileAttributes a = attributes(p);
        if (a == null) {
            return;
        }
        if (!a.isDirectory()) {
            Files.delete(p);
            return;
        }
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static BasicFileAttributes attributes(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private Runnable metadataTask(Path p, TarArchiveEntry e) {
        return () -> {
            try {
                owner(p, e);
                Files.setAttribute(p, "unix:mode", e.getMode() & 07777);
                xattrs(p, e);
                setTime(p, e);
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        };
    }

    private void owner(Path p, TarArchiveEntry e) throws IOException {
        if (options.chown()) {
            Files.setAttribute(p, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
        }
    }

    private static void setTime(Path p, TarArchiveEntry e) throws IOException {
        FileTime t = e.getLastModifiedTime();
        if (t != null) {
            Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(t, null, null);
        }
    }

    private void xattrs(Path p, TarArchiveEntry e) throws IOException {
        for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
            if (!h.getKey().startsWith("SCHILY.xattr.")) {
                continue;
            }
            String xattr = h.getKey().substring("SCHILY.xattr.".length());
            if (!xattr.startsWith("user.")) {
                skipped.add(e.getName() + ": extended attribute " + xattr + " not set");
                continue;
            }
            UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
            view.write(xattr.substring("user.".length()),
                    ByteBuffer.wrap(h.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
    }
}
