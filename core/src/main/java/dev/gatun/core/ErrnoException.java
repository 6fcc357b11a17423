package dev.gatun.core;

import dev.gatun.core.linux.Errno;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The operating system refused a call: carries the errno (number and name), the syscall and its
 * arguments as a person would write them. The message reads like the call that failed:
 *
 * <pre>{@code mount("proc", "/run/c1/rootfs/proc", "proc", MS_NOSUID|MS_NODEV, NULL): Operation not permitted (EPERM)}</pre>
 *
 * <p>Where the JDK has an exception type for the condition on a file ({@link NoSuchFileException}
 * for ENOENT, {@link AccessDeniedException} for EACCES ...), {@link #forFile} returns that type
 * with an {@code ErrnoException} as its cause, so callers that handle the JDK's file exceptions
 * keep working and the errno stays available through {@link #errnoOf(Throwable)}.
 *
 * <p>Immutable; the errno numbers are Linux's ({@code asm-generic/errno.h}).
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/errno.3.html">errno(3)</a>
 */
public class ErrnoException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String syscall;
    private final String arguments;

    /**
     * A refusal of {@code syscall(arguments)} with {@code errno}.
     *
     * @param errno the errno the call returned, positive; 0 only for a subclass that reports an
     *     unexpected result rather than an error
     * @param syscall the call's name, e.g. {@code mount}
     * @param arguments the arguments as rendered in the message (without parentheses), may be empty
     */
    public ErrnoException(int errno, String syscall, String arguments) {
        this(errno, syscall, arguments, syscall + "(" + arguments + "): " + Errno.message(errno) + " ("
                + Errno.name(errno) + ")");
    }

    /** For subclasses that word the message themselves. */
    protected ErrnoException(int errno, String syscall, String arguments, String message) {
        super(message);
        this.errno = errno;
        this.syscall = Objects.requireNonNull(syscall, "syscall");
        this.arguments = Objects.requireNonNull(arguments, "arguments");
    }

    /**
     * The best exception for {@code syscall} failing on {@code file}: a JDK file exception
     * ({@link NoSuchFileException}, {@link AccessDeniedException}, {@link FileAlreadyExistsException},
     * {@link NotDirectoryException}, {@link DirectoryNotEmptyException}) whose cause is the
     * {@code ErrnoException}, or the {@code ErrnoException} itself when no JDK type fits.
     */
    public static IOException forFile(int errno, String syscall, String file, String arguments) {
        ErrnoException cause = new ErrnoException(errno, syscall, arguments);
        FileSystemException mapped = switch (errno) {
            case Errno.ENOENT -> new NoSuchFileException(file, null, cause.getMessage());
            case Errno.EACCES -> new AccessDeniedException(file, null, cause.getMessage());
            case Errno.EEXIST -> new FileAlreadyExistsException(file, null, cause.getMessage());
            case Errno.ENOTDIR -> new NotDirectoryException(file);
            case Errno.ENOTEMPTY -> new DirectoryNotEmptyException(file);
            default -> null;
        };
        if (mapped == null) {
            return cause;
        }
        mapped.initCause(cause);
        return mapped;
    }

    /** The errno carried by {@code t} or by the first {@code ErrnoException} in its cause chain. */
    public static OptionalInt errnoOf(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ErrnoException e) {
                return OptionalInt.of(e.errno());
            }
        }
        return OptionalInt.empty();
    }

    /** The errno number, e.g. 1. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code EPERM}. */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** The syscall that failed, e.g. {@code mount}. */
    public String syscall() {
        return syscall;
    }

    /** The call's arguments as rendered in the message, without parentheses. */
    public String arguments() {
        return arguments;
    }
}
