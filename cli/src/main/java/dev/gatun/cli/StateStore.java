package dev.gatun.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The containers under one {@code --root}: a directory per id holding {@code state.json} (a
 * {@link ContainerRecord}, written whole and renamed into place) and, while the container is
 * created, {@code exec.fifo}.
 *
 * <p>Locking: every command that changes a container holds an exclusive {@code fcntl} lock on
 * {@code <root>/gatun.lock} (never deleted, so that no command can hold the lock of a file another
 * has replaced) from its first read of the state to its last write. One lock for the whole root
 * is coarse — commands on different ids wait for each other — but it is simple and obviously
 * right; {@code state} and {@code list} read without it (the record is replaced atomically).
 */
final class StateStore {

    static final String STATE_FILE = "state.json";
    /** runc's rule for ids: no path separators, no dot-dot, nothing a shell or a path would mangle. */
    private static final Pattern ID = Pattern.compile("^[\\w+\\-.]+$");

    private final Path root;

    StateStore(Path root) {
        this.root = root.toAbsolutePath();
    }

    Path root() {
        return root;
    }

    /** The default root: {@code /run/gatun} as root, {@code $XDG_RUNTIME_DIR/gatun} otherwise. */
    static Path defaultRoot(boolean rootless) {
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if ((rootless || !"root".equals(System.getProperty("user.name"))) && xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "gatun");
        }
        return Path.of("/run/gatun");
    }

    static String checkId(String id) {
        if (id == null || id.isEmpty()) {
            throw new CliException("container id cannot be empty");
        }
        if (!ID.matcher(id).matches() || id.equals(".") || id.equals("..") || id.length() > 1024) {
            throw new CliException("invalid container id format: " + id);
        }
        return id;
    }

    Path directory(String id) {
        return root.resolve(checkId(id));
    }

    /** Takes the root's lock; close the result to release it. */
    FileLock lock() throws IOException {
        ensureRoot();
        FileChannel channel = FileChannel.open(root.resolve("gatun.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        try {
            return channel.lock();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    static void release(FileLock lock) throws IOException {
        lock.release();
        lock.channel().close();
    }

    private void ensureRoot() throws IOException {
        if (!Files.isDirectory(root)) {
            Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        }
    }

    /**
     * Makes the id's directory (0711: the container's user must reach exec.fifo in it); fails if a
     * container has it. Call with the lock held: a directory without {@code state.json} is then
     * what a create killed halfway left (a live create holds the lock until its record is
     * written), and is removed first.
     */
    Path createDirectory(String id) throws IOException {
        ensureRoot();
        Path dir = directory(id);
        if (isHalfCreated(id)) {
            remove(id);
        }
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new CliException("container with id exists: " + id);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        return dir;
    }

    /** What create makes before its record: nothing else is removed as a half-made create's. */
    private static final java.util.Set<String> BEFORE_RECORD = java.util.Set.of("exec.fifo", "config.json",
            STATE_FILE + ".tmp");

    /**
     * Whether the id's directory is what a create killed halfway left: no record, and nothing but
     * what create makes before it. (The library keeps its own containers' directories, with an
     * {@code owner} file, under the same default root: those are never taken for ours.)
     */
    boolean isHalfCreated(String id) throws IOException {
        Path dir = directory(id);
        if (!Files.isDirectory(dir) || Files.exists(dir.resolve(STATE_FILE))) {
            return false;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                if (!BEFORE_RECORD.contains(f.getFileName().toString())) {
                    return false;
                }
            }
        }
        return true;
    }

    Optional<ContainerRecord> find(String id) throws IOException {
        Path file = directory(id).resolve(STATE_FILE);
        try {
            return Optional.of(ContainerRecord.read(Files.readString(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    ContainerRecord get(String id) throws IOException {
        return find(id).orElseThrow(() -> new CliException("container does not exist: " + id));
    }

    void write(ContainerRecord record) throws IOException {
        Path dir = directory(record.id());
        Path tmp = dir.resolve(STATE_FILE + ".tmp");
        Files.writeString(tmp, record.toJson());
        Files.move(tmp, dir.resolve(STATE_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Removes the id's directory and what is in it (files only: the state, the FIFO, a temporary). */
    void remove(String id) throws IOException {
        Path dir = directory(id);
        if (!Files.exists(dir)) {
            return;
        }
        // the record last: a failure halfway leaves a directory that state and delete still find
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                if (!f.getFileName().toString().equals(STATE_FILE)) {
                    Files.deleteIfExists(f);
                }
            }
        }
        Files.deleteIfExists(dir.resolve(STATE_FILE));
        Files.deleteIfExists(dir);
    }

    /** The ids with a record, sorted. */
    List<String> ids() throws IOException {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return ids;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path d : dirs) {
                if (Files.exists(d.resolve(STATE_FILE))) {
                    ids.add(d.getFileName().toString());
                }
            }
        }
        ids.sort(null);
        return ids;
    }
}
