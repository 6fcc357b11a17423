package dev.gatun.images;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whole directory trees: a faithful copy (what a container gets as its root filesystem where no
 * overlay can be mounted) and a removal; neither ever follows a symlink.
 */
public final class Trees {

    private Trees() {}

    /**
     * Copies the tree {@code from} to {@code to} (which must not exist): directories, files,
     * symlinks, hard links kept as links, permission bits with setuid/setgid/sticky,
     * modification times, and owners when {@code chown} (root). Extended attributes are not
     * copied. On failure the partial copy is removed.
     */
    public static void copy(Path from, Path to, boolean chown) throws IOException {
        Map<Object, Path> linked = new HashMap<>();
        List<Runnable> directoryTimes = new ArrayList<>();
        try {
            Files.walkFileTree(from, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Path target = to.resolve(from.relativize(dir).toString());
                    Files.createDirectory(target);
                    // the mode with the times, once the contents are in: a 0555 directory would
                    // refuse them to a non-root JVM
                    directoryTimes.add(() -> {
                        try {
                            metadata(dir, target, chown);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        setTimes(target, attrs);
                    });
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Path target = to.resolve(from.relativize(file).toString());
                    if (attrs.isSymbolicLink()) {
                        Files.createSymbolicLink(target, Files.readSymbolicLink(file));
                        if (chown) {
                            owner(file, target);
                        }
                        setTimes(target, attrs);
                        return FileVisitResult.CONTINUE;
                    }
                    if (!attrs.isRegularFile()) {
                        return FileVisitResult.CONTINUE; // a socket or FIFO: nothing layers make
                    }
                    int nlink = (int) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
                    Path first = nlink > 1 ? linked.putIfAbsent(attrs.fileKey(), target) : null;
                    if (first != null) {
                        Files.createLink(target, first);
                        return FileVisitResult.CONTINUE;
                    }
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                    metadata(file, target, chown);
                    setTimes(target, attrs);
                    return FileVisitResult.CONTINUE;
                }
            });
            for (int i = directoryTimes.size() - 1; i >= 0; i--) {
                directoryTimes.get(i).run();
            }
        } catch (IOException | RuntimeException e) {
            try {
                makeWritable(to);
                remove(to);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Gives the directories of {@code to} their owner's write and search bits back, so that a
     * non-root JVM can remove them: a copied 0555 one, or the 000 {@code work/work} overlayfs
     * makes in its work directory. Each directory is changed before it is listed.
     */
    static void makeWritable(Path to) throws IOException {
        if (!Files.isDirectory(to, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.setAttribute(to, "unix:mode", (int) Files.getAttribute(to, "unix:mode", LinkOption.NOFOLLOW_LINKS) | 0700);
        try (java.nio.file.DirectoryStream<Path> entries = Files.newDirectoryStream(to)) {
            for (Path p : entries) {
                makeWritable(p);
            }
        }
    }

    /**
     * Removes {@code p} and everything below it; a missing {@code p} is no error. A directory
     * without its owner's write bit (a copied 0555 one) gets it back first when that is what
     * stopped the removal (a non-root JVM).
     */
    public static void remove(Path p) throws IOException {
        try {
            Layers.removeTree(p);
        } catch (java.nio.file.AccessDeniedException e) {
            makeWritable(p);
            Layers.removeTree(p);
        }
    }

    /** The bytes of the regular files in {@code p} (itself one, or a tree), not following symlinks. */
    static long size(Path p) throws IOException {
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Files.size(p) : 0;
        }
        try (java.util.stream.Stream<Path> s = Files.walk(p)) {
            long total = 0;
            for (Path f : s.toList()) {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    total += Files.size(f);
                }
            }
            return total;
        }
    }

    private static void metadata(Path from, Path to, boolean chown) throws IOException {
        if (chown) {
            owner(from, to); // before the mode: chown clears setuid and setgid
        }
        Files.setAttribute(to, "unix:mode", (int) Files.getAttribute(from, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
    }

    private static void owner(Path from, Path to) throws IOException {
        Files.setAttribute(to, "unix:uid", Files.getAttribute(from, "unix:uid", LinkOption.NOFOLLOW_LINKS), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(to, "unix:gid", Files.getAttribute(from, "unix:gid", LinkOption.NOFOLLOW_LINKS), LinkOption.NOFOLLOW_LINKS);
    }

    private static void setTimes(Path p, BasicFileAttributes attrs) {
        try {
            Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(attrs.lastModifiedTime(), null, null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
