package dev.gatun.core.ns;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Flags;
import dev.gatun.core.linux.LibC;
import java.io.IOException;

/**
 * This package's constants for {@code socket} and {@code ioctl} (made with {@link LibC}), and
 * {@code setns} whose error names what was joined. Thread-safe.
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
}
