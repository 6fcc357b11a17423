package dev.gatun.core.rootfs;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A root filesystem on disk, opened by the parent: resolves container paths inside it with
 * {@code openat2(RESOLVE_IN_ROOT)} and creates missing mount points, remembering what it created.
 *
 * <p>The escape rule, in two parts:
 *
 * <ol>
 *   <li><b>Clamp.</b> Every lookup is {@code openat2(rootfd, path, O_PATH, RESOLVE_IN_ROOT |
 *       RESOLVE_NO_MAGICLINKS)}: the kernel reads {@code ..} at the root and absolute symlinks as
 *       the container will, inside the rootfs. {@code var/run -> /run} resolves to
 *       {@code <rootfs>/run}. Whatever the links say, the result is under the rootfs; the child's
 *       mount target is that resolved host path, so no mount and no directory creation ever
 *       lands outside.
 *   <li><b>Reject the obvious attempt.</b> A symlink met on the way whose own target, read
 *       lexically from the directory that holds it, climbs above the container's {@code /}
 *       ({@code escape -> ../../../../tmp/hostdir}) is refused with an error: such a link in an
 *       image is a mistake or an attack, and the user should hear of it rather than find the
 *       mount somewhere unexpected. Links reached through other links are only clamped.
 * </ol>
 *
 * <p>Missing components are created as runc does: directories (0755), and the last one as an
 * empty regular file (0644) when the mount source is a file. A dangling symlink is not followed
 * to create its target: that is an error. A regular file where a directory is needed is an error.
 *
 * <p>The check is made before clone, so a rootfs that another process changes between this
 * check and the child's mount is not protected (the same window as runc's securejoin); a rootfs
 * is the container's own. Not thread-safe; close it to release the root fd.
 *
 * <p>{@linkplain #openView A view}: lookups in one tree (a {@link RootOverlay}'s lower directory,
 * what the overlay shows before the container writes), results named under another (the rootfs
 * directory the child mounts the overlay on), and nothing created: a missing component is
 * {@linkplain #takeMissing() listed} for the child to make in the overlay, never made in the tree.
 */
final class InRoot implements AutoCloseable {

    private static final int O_NOFOLLOW = 0400000;
    /** {@code RESOLVE_NO_MAGICLINKS}: refuse /proc/[pid]/fd-style links. */
    private static final long RESOLVE_NO_MAGICLINKS = 0x02;
    /** {@code RESOLVE_NO_XDEV}: a mount crossed on the way is EXDEV. */
    private static final long RESOLVE_NO_XDEV = 0x01;
    /** {@code RESOLVE_BENEATH}: the path may not leave dirfd ({@code ..} above it, an absolute path). */
    private static final long RESOLVE_BENEATH = 0x08;
    /** {@code RESOLVE_NO_SYMLINKS}: a symlink anywhere in the path is ELOOP. */
    private static final long RESOLVE_NO_SYMLINKS = 0x04;
    /** {@code RESOLVE_IN_ROOT}: resolve as if dirfd were the root: "..", absolute symlinks stay inside. */
    private static final long RESOLVE_IN_ROOT = 0x10;
    private static final int O_EXCL = 0200;

    private final int rootFd;
    /** The tree the lookups run in, as the kernel names it. */
    private final Path tree;
    /** Where results are named: the tree itself, or (a view) the directory the child mounts it on. */
    private final Path root;
    private final boolean view;
    private final List<Path> created = new ArrayList<>();
    private final List<Missing> missing = new ArrayList<>();

    private InRoot(int rootFd, Path tree, Path root, boolean view) {
        this.rootFd = rootFd;
        this.tree = tree;
        this.root = root;
        this.view = view;
    }

    /** A mount point a view found missing, for the child to make: a directory, or an empty file. */
    record Missing(Path path, boolean file) {}

    /** What to create when the last component is missing. */
    enum Create { NOTHING, DIRECTORY, FILE }

    /** Why a path cannot be resolved inside the rootfs; the message is for a person. */
    static final class Unresolvable extends Exception {
        private static final long serialVersionUID = 1L;

        Unresolvable(String message) {
            super(message);
        }
    }

    /** Opens {@code rootfs} (which must be a directory) as the root of later lookups. */
    static InRoot open(Path rootfs) throws IOException {
        return open(rootfs, null);
    }

    /**
     * Opens {@code tree} for lookups whose results are named under {@code shownAt} (the rootfs
     * directory an overlay of {@code tree} will be mounted on), creating nothing.
     */
    static InRoot openView(Path tree, Path shownAt) throws IOException {
        return open(tree, shownAt.toRealPath());
    }

    private static InRoot open(Path tree, Path shownAt) throws IOException {
        int fd = LibC.openat(LibC.AT_FDCWD, tree.toString(), LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
        try {
            Path real = hostPath(fd);
            return new InRoot(fd, real, shownAt == null ? real : shownAt, shownAt != null);
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    /** The rootfs as the kernel names it (symlinks in the bundle path resolved). */
    Path root() {
        return root;
    }

    /** The mount points found missing since the last call (a view only), oldest first; the list is then emptied. */
    List<Missing> takeMissing() {
        List<Missing> taken = List.copyOf(missing);
        missing.clear();
        return taken;
    }

    /** {@link #resolve} without creating, as a path to read now: in the tree looked in (for a view, not under {@link #root()}). */
    Optional<Path> readable(String path) throws Unresolvable, IOException {
        return resolve(path, Create.NOTHING).map(p -> tree.resolve(root.relativize(p).toString()));
    }

    /** The paths this instance created, in creation order. */
    List<Path> created() {
        return List.copyOf(created);
    }

    /**
     * Resolves the absolute container path {@code path} and returns the host path under
     * {@link #root()} it names, creating missing components as {@code last} says; empty when
     * the path is missing and {@code last} is {@link Create#NOTHING}.
     */
    Optional<Path> resolve(String path, Create last) throws Unresolvable, IOException {
        List<String> names = names(path);
        if (!names.isEmpty()) {
            // the common case, one lookup: every name there and none a symlink, so the path the
            // kernel resolved is the lexical one (names() took out "." and ".."); a link or a
            // missing name is ELOOP or ENOENT here, and the walk below reads it name by name
            String relative = String.join("/", names);
            try {
                LibC.close(LibC.openat2(rootFd, relative, LibC.O_PATH | LibC.O_CLOEXEC,
                        RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS));
                return Optional.of(root.resolve(relative));
            } catch (ErrnoException e) {
                // ELOOP, ENOENT, ENOTDIR, EACCES ...: the walk names the cause
            }
        }
        int dirFd = rootFd;
        try {
            String container = "";
            // the host path of dirFd: the lexical one while no link was met, the kernel's after one
            Path hostDir = tree;
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                boolean isLast = i == names.size() - 1;
                boolean link = checkLink(hostDir, container, name);
                String next = container + "/" + name;
                int fd;
                try {
                    // no link: opened with RESOLVE_NO_SYMLINKS, so one swapped in since the check is ELOOP
                    fd = LibC.openat2(rootFd, next.substring(1), LibC.O_PATH | LibC.O_CLOEXEC,
                            RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (link ? 0 : RESOLVE_NO_SYMLINKS));
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.ENOTDIR) {
                        throw new Unresolvable(container + " is not a directory");
                    }
                    if (e.errno() == Errno.ELOOP) {
                        throw new Unresolvable(next + (link ? " goes through too many symlinks (ELOOP)"
                                : " became a symlink while it was being resolved"));
                    }
                    if (e.errno() != Errno.ENOENT) {
                        throw e;
                    }
                    if (isLast && last == Create.NOTHING) {
                        return Optional.empty();
                    }
                    if (view) {
                        return Optional.of(leaveToChild(hostDir, container, names.subList(i, names.size()), last));
                    }
                    fd = create(dirFd, hostDir, container, name, isLast && last == Create.FILE);
                }
                if (dirFd != rootFd) {
                    LibC.close(dirFd);
                }
                dirFd = fd;
                hostDir = link ? hostPath(fd) : hostDir.resolve(name);
                container = Path.of("/").resolve(tree.relativize(hostDir)).toString();
                if (container.equals("/")) {
                    container = "";
                }
            }
            Path host = hostDir;
            if (!host.startsWith(tree)) { // cannot happen with RESOLVE_IN_ROOT; kept as the guarantee's guard
                throw new Unresolvable("resolves outside the rootfs, to " + host);
            }
            return Optional.of(root.resolve(tree.relativize(host).toString()));
        } finally {
            if (dirFd != rootFd) {
                LibC.close(dirFd);
            }
        }
    }

    /**
     * A view's missing {@code rest} below the container directory {@code container} (open as
     * {@code dirFd}): listed for the child to make, named under {@link #root()}. Below a missing
     * name nothing exists, so nothing in {@code rest} can be a link; a dangling link at its first
     * name is refused, as {@link #create} refuses it.
     */
    private Path leaveToChild(Path hostDir, String container, List<String> rest, Create last) throws Unresolvable {
        if (Files.isSymbolicLink(hostDir.resolve(rest.getFirst()))) {
            throw new Unresolvable(container + "/" + rest.getFirst() + " is a symlink to a path that does not exist "
                    + "(Gatun does not create a link's target)");
        }
        Path at = root.resolve(tree.relativize(hostDir).toString());
        for (int i = 0; i < rest.size(); i++) {
            at = at.resolve(rest.get(i));
            missing.add(new Missing(at, i == rest.size() - 1 && last == Create.FILE));
        }
        return at;
    }

    /** Creates {@code name} in the directory {@code dirFd} (the host's {@code hostDir}) and returns an O_PATH fd of it. */
    private int create(int dirFd, Path hostDir, String container, String name, boolean file) throws Unresolvable, IOException {
        try {
            if (file) {
                LibC.close(LibC.openat(dirFd, name, LibC.O_WRONLY | LibC.O_CREAT | O_EXCL | O_NOFOLLOW | LibC.O_CLOEXEC, 0644));
            } else {
                LibC.mkdirat(dirFd, name, 0755);
            }
        } catch (IOException e) {
            int errno = ErrnoException.errnoOf(e).orElse(0);
            if (errno == Errno.EEXIST) {
                throw new Unresolvable(container + "/" + name + " is a symlink to a path that does not exist "
                        + "(Gatun does not create a link's target)");
            }
            if (errno != 0) {
                // name the mount point as a path: "mkdirat(22, "proc")" does not say where (ENOSPC, EROFS)
                Path at = hostDir.resolve(name);
                IOException named = ErrnoException.forFile(errno, file ? "openat" : "mkdirat", at.toString(),
                        "\"" + at + "\", " + (file ? "O_CREAT|O_EXCL, 0644" : "0755"));
                named.addSuppressed(e);
                throw named;
            }
            throw e;
        }
        created.add(hostDir.resolve(name));
        return LibC.openat2(dirFd, name, LibC.O_PATH | LibC.O_CLOEXEC | O_NOFOLLOW, 0);
    }

    /**
     * Whether {@code name} in the directory {@code hostDir} is a symlink; rejects one whose target
     * climbs above {@code /}.
     */
    private boolean checkLink(Path hostDir, String container, String name) throws Unresolvable, IOException {
        Path entry = hostDir.resolve(name);
        if (!Files.isSymbolicLink(entry)) {
            return false;
        }
        String target;
        try {
            target = Files.readSymbolicLink(entry).toString();
        } catch (java.nio.file.NotLinkException | java.nio.file.NoSuchFileException e) {
            return false; // replaced since: the lookup that follows takes no symlink
        }
        if (target.startsWith("/")) {
            return true; // absolute: read inside the rootfs, as the container reads it
        }
        int depth = names(container.isEmpty() ? "/" : container).size();
        for (String part : target.split("/")) {
            if (part.equals("..")) {
                if (--depth < 0) {
                    throw new Unresolvable(container + "/" + name + " is a symlink to " + target
                            + ", which points outside the rootfs");
                }
            } else if (!part.isEmpty() && !part.equals(".")) {
                depth++;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        LibC.close(rootFd);
    }

    /**
     * Removes {@code made}, a path some runtime step created (a directory only while empty),
     * reached from its parent's path without following any symlink: the path was the kernel's,
     * with none in it. A container that replaced a directory on the way with a link cannot send
     * the removal through it to the host; the last name is never followed either (a link there
     * is removed, in the tree it was planted in).
     *
     * @return true when {@code made} is gone (removed now, or before with its directory); false
     *     when it stays: a directory not empty, or reached only through a symlink
     */
    static boolean removeMade(Path made) {
        int dir;
        try {
            dir = LibC.openat2(LibC.AT_FDCWD, made.getParent().toString(), LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC,
                    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        } catch (ErrnoException e) {
            return e.errno() == Errno.ENOENT;
        }
        try {
            // the name in the directory held open: /proc/self/fd/N is that directory, not a path walked again
            Files.deleteIfExists(Path.of("/proc/self/fd/" + dir, made.getFileName().toString()));
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            closeQuietly(dir);
        }
    }

    /**
     * Removes the tree {@code dir} and all it holds, without following a symlink (a link is
     * removed, never its target) and without crossing into another mount (one there stays, with
     * its mount point): each directory is opened from its parent's fd, its entries named through
     * that fd. For a runtime-owned tree a writable container root wrote in.
     *
     * @return the paths that stay (a mount, or what could not be removed); empty normally
     */
    static List<Path> removeTree(Path dir) {
        List<Path> left = new ArrayList<>();
        int fd;
        try {
            fd = LibC.openat2(LibC.AT_FDCWD, dir.toString(), LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC,
                    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOENT) {
                left.add(dir);
            }
            return left;
        }
        try {
            removeBelow(fd, dir, left);
        } finally {
            closeQuietly(fd);
        }
        if (left.isEmpty() && !removeMade(dir)) {
            left.add(dir);
        }
        return left;
    }

    private static void removeBelow(int dirFd, Path shown, List<Path> left) {
        Path at = Path.of("/proc/self/fd/" + dirFd);
        List<Path> entries;
        try (java.util.stream.Stream<Path> list = Files.list(at)) {
            entries = list.toList();
        } catch (IOException e) {
            left.add(shown);
            return;
        }
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            if (Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                int child;
                try {
                    child = LibC.openat2(dirFd, name, LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC,
                            RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH | RESOLVE_NO_XDEV);
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.ENOENT) {
                        left.add(shown.resolve(name)); // EXDEV: a mount; ELOOP: a link now
                    }
                    continue;
                }
                int before = left.size();
                try {
                    removeBelow(child, shown.resolve(name), left);
                } finally {
                    closeQuietly(child);
                }
                if (left.size() > before) {
                    continue;
                }
            }
            try {
                Files.deleteIfExists(entry);
            } catch (IOException e) {
                left.add(shown.resolve(name));
            }
        }
    }

    private static void closeQuietly(int fd) {
        try {
            LibC.close(fd);
        } catch (IOException e) {
            // an O_PATH fd: nothing to flush
        }
    }

    /** The names of an absolute path, lexically cleaned ({@code .} dropped, {@code ..} applied, clamped at /). */
    static List<String> names(String path) {
        List<String> names = new ArrayList<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!names.isEmpty()) {
                    names.removeLast();
                }
            } else {
                names.add(part);
            }
        }
        return names;
    }

    private static Path hostPath(int fd) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
    }
}
