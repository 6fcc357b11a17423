package dev.gatun.core.ns;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Flags;
import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * This package's system calls and constants: {@code setns} (its error names what was joined),
 * {@code socket} and {@code ioctl}, made through {@link LibC}. Thread-safe.
 */
final class NamespaceLibC {

    /** {@code AF_INET}. */
    static final int AF_INET = 2;
    /** {@code SOCK_DGRAM}. */
    static final int SOCK_DGRAM = 2;
    /** {@code SOCK_CLOEXEC}. */
    static final int SOCK_CLOEXEC = 02000000;
    /** {@code SIOCGIFFLAGS}: read an interface's flags. */
    static final long SIOCGIFFLAGS = 0x8913;
    /** {@code SIOCSIFFLAGS}: set an interface's flags. */
    static final long SIOCSIFFLAGS = 0x8914;

    private NamespaceLibC() {}

    /** {@code setns(fd, nstype)}: moves the calling thread into the namespace {@code fd} refers to. */
    static void setns(int fd, long nstype, String what) throws IOException {
        try {
            LibC.setns(fd, (int) nstype);
        } catch (ErrnoException e) {
            throw new ErrnoException(e.errno(), "setns", fd + " (" + what + "), " + Flags.CLONE.render(nstype));
        }
    }

    /** {@code socket(domain, type, protocol)}; returns the fd. */
    static int socket(int domain, int type, int protocol) throws IOException {
        return LibC.socket(domain, type, protocol);
    }

    /** {@code ioctl(fd, request, arg)}, retried on EINTR; returns the call's result. */
    static int ioctl(int fd, long request, MemorySegment arg, String rendered) throws IOException {
        return LibC.ioctl(fd, request, arg, rendered);
    }
}
