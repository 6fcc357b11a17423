package dev.gatun.core.ns;

import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gatun.core.linux.LibC;
import dev.gatun.core.spawn.Arg;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.Slot;
import dev.gatun.core.spawn.Step;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * Brings up {@code lo}, the loopback interface, which a new network namespace has but leaves
 * down: until it is up, nothing in the namespace can bind or reach {@code 127.0.0.1}.
 *
 * <p>Two forms, the same calls: {@link #up()} for the calling thread's network namespace (a
 * thread switched by {@link NetworkNamespaces#call}), and {@link #appendUp(Program.Builder)} for
 * a spawned child, as program steps:
 * <pre>{@code
 * $lo_sock = socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, 0)
 * ioctl($lo_sock, SIOCSIFFLAGS, &{"lo", IFF_UP|IFF_RUNNING})
 * close($lo_sock)
 * }</pre>
 * Setting the flags word outright (no read first) is safe for {@code lo}: the kernel keeps
 * {@code IFF_LOOPBACK} and the other state bits whatever is written, and a fresh {@code lo} has
 * no other flag to lose (crun does the same). Needs CAP_NET_ADMIN over the namespace's owning
 * user namespace (EPERM otherwise). Configures nothing else: no addresses beyond the kernel's
 * automatic {@code 127.0.0.1/8} and {@code ::1}, no routes, no other interface.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/netdevice.7.html">netdevice(7)</a>
 */
public final class Loopback {

    /** {@code IFF_UP}. */
    static final short IFF_UP = 0x1;
    /** {@code IFF_RUNNING}. */
    static final short IFF_RUNNING = 0x40;
    /** {@code sizeof(struct ifreq)} on the 64-bit architectures Gatun supports. */
    static final int IFREQ_SIZE = 40;
    /** {@code offsetof(struct ifreq, ifr_flags)}: right after the 16-byte name. */
    static final int IFR_FLAGS = 16;

    private Loopback() {}

    /**
     * Brings {@code lo} up in the calling thread's network namespace.
     *
     * @throws dev.gatun.core.ErrnoException naming the ioctl: EPERM without CAP_NET_ADMIN over the
     *     namespace
     */
    public static void up() throws IOException {
        int fd = LibC.socket(NamespaceLibC.AF_INET, NamespaceLibC.SOCK_DGRAM | NamespaceLibC.SOCK_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE, 8);
            ifreq.copyFrom(MemorySegment.ofArray(ifreqUp()));
            LibC.ioctl(fd, NamespaceLibC.SIOCSIFFLAGS, ifreq, "SIOCSIFFLAGS, &{\"lo\", IFF_UP|IFF_RUNNING}");
        } finally {
            LibC.close(fd);
        }
    }

    /**
     * Whether {@code lo} is up in the calling thread's network namespace
     * ({@code SIOCGIFFLAGS}).
     */
    public static boolean isUp() throws IOException {
        int fd = LibC.socket(NamespaceLibC.AF_INET, NamespaceLibC.SOCK_DGRAM | NamespaceLibC.SOCK_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE, 8);
            ifreq.copyFrom(MemorySegment.ofArray(ifreqUp()));
            LibC.ioctl(fd, NamespaceLibC.SIOCGIFFLAGS, ifreq, "SIOCGIFFLAGS, &{\"lo\"}");
            return (ifreq.get(JAVA_SHORT, IFR_FLAGS) & IFF_UP) != 0;
        } finally {
            LibC.close(fd);
        }
    }

    /**
     * Appends the three steps that bring {@code lo} up in the child's network namespace. Belongs
     * after the child is in its final network namespace (after {@link NamespaceSetup}'s steps) and
     * before it drops CAP_NET_ADMIN. Returns {@code b}.
     */
    public static Program.Builder appendUp(Program.Builder b) {
        Slot sock = Slot.named("lo_sock");
        return b.step(Step.of("socket", new Arg.Value(NamespaceLibC.AF_INET, "AF_INET"),
                        new Arg.Value(NamespaceLibC.SOCK_DGRAM | NamespaceLibC.SOCK_CLOEXEC, "SOCK_DGRAM|SOCK_CLOEXEC"),
                        Arg.of(0)).storingIn(sock))
                .syscall("ioctl", Arg.valueOf(sock), new Arg.Value(NamespaceLibC.SIOCSIFFLAGS, "SIOCSIFFLAGS"),
                        new Arg.Bytes(ifreqUp(), "&{\"lo\", IFF_UP|IFF_RUNNING}"))
                .close(sock);
    }

    /** {@code struct ifreq} naming {@code lo} with {@code IFF_UP|IFF_RUNNING} (little-endian short). */
    static byte[] ifreqUp() {
        byte[] ifreq = new byte[IFREQ_SIZE];
        byte[] name = "lo".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, ifreq, 0, name.length);
        short flags = IFF_UP | IFF_RUNNING;
        ifreq[IFR_FLAGS] = (byte) flags;
        ifreq[IFR_FLAGS + 1] = (byte) (flags >> 8);
        return ifreq;
    }
}
