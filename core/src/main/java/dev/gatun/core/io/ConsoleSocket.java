package dev.gatun.core.io;

import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Sends a pty master to a unix socket with {@code SCM_RIGHTS}: runc's {@code --console-socket}
 * protocol, which conmon (podman's {@code -t}) and containerd's shim listen on. One message: the
 * data is the master's name ({@code /dev/ptmx}, as runc sends; receivers read only the fd), the
 * control part one {@code SCM_RIGHTS} fd. x86-64 and aarch64 layouts (LP64).
 */
public final class ConsoleSocket {

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int SUN_PATH = 108;

    private ConsoleSocket() {}

    /** Connects to {@code socket} and sends {@code master} over it; the caller keeps (and closes) its fd. */
    public static void send(Path socket, int master) throws IOException {
        byte[] path = socket.toString().getBytes(StandardCharsets.UTF_8);
        if (path.length >= SUN_PATH) {
            throw new IOException("console socket path " + socket + " is longer than " + (SUN_PATH - 1) + " bytes");
        }
        int fd = LibC.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(2 + SUN_PATH, 8);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(path, 0, addr, ValueLayout.JAVA_BYTE, 2, path.length);
            LibC.connect(fd, addr, 2 + path.length + 1, socket.toString());

            MemorySegment name = arena.allocateFrom("/dev/ptmx");
            MemorySegment iov = arena.allocate(16, 8); // struct iovec { base, len }
            iov.set(ValueLayout.ADDRESS, 0, name);
            iov.set(ValueLayout.JAVA_LONG, 8, name.byteSize() - 1);
            MemorySegment control = arena.allocate(24, 8); // CMSG_SPACE(sizeof(int))
            control.set(ValueLayout.JAVA_LONG, 0, 16 + 4); // cmsg_len = CMSG_LEN(sizeof(int))
            control.set(ValueLayout.JAVA_INT, 8, SOL_SOCKET);
            control.set(ValueLayout.JAVA_INT, 12, SCM_RIGHTS);
            control.set(ValueLayout.JAVA_INT, 16, master);
            MemorySegment msg = arena.allocate(56, 8); // struct msghdr
            msg.set(ValueLayout.ADDRESS, 16, iov); // msg_iov (msg_name NULL, msg_namelen 0)
            msg.set(ValueLayout.JAVA_LONG, 24, 1); // msg_iovlen
            msg.set(ValueLayout.ADDRESS, 32, control); // msg_control
            msg.set(ValueLayout.JAVA_LONG, 40, control.byteSize()); // msg_controllen
            LibC.sendmsg(fd, msg, 0, "{\"/dev/ptmx\", SCM_RIGHTS [" + master + "]}");
        } finally {
            LibC.close(fd);
        }
    }
}
