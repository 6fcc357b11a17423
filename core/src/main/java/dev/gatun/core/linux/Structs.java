package dev.gatun.core.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * Kernel struct layouts, hand-written from the uapi headers of Linux 6.x. Field names are the C
 * names; every layout is the same on x86-64 and aarch64 except {@code epoll_event}, which x86-64
 * packs to 12 bytes. Use {@code LAYOUT.byteOffset(groupElement("name"))} or the offsets below.
 *
 * <p>Immutable constants; thread-safe.
 */
public final class Structs {

    /** {@code struct clone_args} as of {@code CLONE_ARGS_SIZE_VER2} (88 bytes; Linux 5.7). */
    public static final StructLayout CLONE_ARGS = MemoryLayout.structLayout(
            JAVA_LONG.withName("flags"), JAVA_LONG.withName("pidfd"), JAVA_LONG.withName("child_tid"),
            JAVA_LONG.withName("parent_tid"), JAVA_LONG.withName("exit_signal"), JAVA_LONG.withName("stack"),
            JAVA_LONG.withName("stack_size"), JAVA_LONG.withName("tls"), JAVA_LONG.withName("set_tid"),
            JAVA_LONG.withName("set_tid_size"), JAVA_LONG.withName("cgroup"));

    /** {@code clone_args.flags}. */
    public static final long CLONE_ARGS_FLAGS = 0;
    /** {@code clone_args.pidfd}: where the kernel stores the pidfd (an {@code int}). */
    public static final long CLONE_ARGS_PIDFD = 8;
    /** {@code clone_args.exit_signal}. */
    public static final long CLONE_ARGS_EXIT_SIGNAL = 32;
    /** {@code clone_args.stack}: the lowest address of the child's stack. */
    public static final long CLONE_ARGS_STACK = 40;
    /** {@code clone_args.stack_size}. */
    public static final long CLONE_ARGS_STACK_SIZE = 48;
    /** {@code clone_args.cgroup}: a cgroup2 directory fd, with {@code CLONE_INTO_CGROUP}. */
    public static final long CLONE_ARGS_CGROUP = 80;

    /** The kernel's {@code sigset_t}: 64 signals, 8 bytes (not glibc's 128-byte one). */
    public static final ValueLayout.OfLong KERNEL_SIGSET = JAVA_LONG.withName("sigset");

    /**
     * The kernel's {@code struct sigaction} for {@code rt_sigaction(2)}: handler, flags,
     * restorer, mask (32 bytes on x86-64 and aarch64; both define {@code SA_RESTORER}).
     */
    public static final StructLayout KERNEL_SIGACTION = MemoryLayout.structLayout(
            ADDRESS.withName("sa_handler"), JAVA_LONG.withName("sa_flags"), ADDRESS.withName("sa_restorer"),
            JAVA_LONG.withName("sa_mask"));

    /** {@code siginfo_t} as {@code waitid(2)} fills it: 128 bytes. */
    public static final long SIGINFO_SIZE = 128;
    /** {@code siginfo_t.si_signo}. */
    public static final long SIGINFO_SIGNO = 0;
    /** {@code siginfo_t.si_code}: CLD_EXITED (1), CLD_KILLED (2), CLD_DUMPED (3) for a child. */
    public static final long SIGINFO_CODE = 8;
    /** {@code siginfo_t.si_pid}. */
    public static final long SIGINFO_PID = 16;
    /** {@code siginfo_t.si_status}: the exit code or the signal. */
    public static final long SIGINFO_STATUS = 24;

    /** {@code struct __user_cap_header_struct} for {@code capget}/{@code capset}. */
    public static final StructLayout CAP_HEADER = MemoryLayout.structLayout(
            JAVA_INT.withName("version"), JAVA_INT.withName("pid"));
    /** {@code struct __user_cap_data_struct}; version 3 passes an array of two. */
    public static final StructLayout CAP_DATA = MemoryLayout.structLayout(
            JAVA_INT.withName("effective"), JAVA_INT.withName("permitted"), JAVA_INT.withName("inheritable"));
    /** {@code _LINUX_CAPABILITY_VERSION_3}. */
    public static final int CAPABILITY_VERSION_3 = 0x20080522;

    /** {@code struct rlimit} (64-bit {@code rlim_t}), as {@code prlimit64(2)} takes it. */
    public static final StructLayout RLIMIT = MemoryLayout.structLayout(
            JAVA_LONG.withName("rlim_cur"), JAVA_LONG.withName("rlim_max"));

    /** {@code struct sock_filter}: one classic BPF instruction (8 bytes). */
    public static final StructLayout SOCK_FILTER = MemoryLayout.structLayout(
            JAVA_SHORT.withName("code"), ValueLayout.JAVA_BYTE.withName("jt"), ValueLayout.JAVA_BYTE.withName("jf"),
            JAVA_INT.withName("k"));
    /** {@code struct sock_fprog}: length, padding, pointer to the filter (16 bytes). */
    public static final StructLayout SOCK_FPROG = MemoryLayout.structLayout(
            JAVA_SHORT.withName("len"), MemoryLayout.paddingLayout(6), ADDRESS.withName("filter"));

    /** {@code struct open_how} for {@code openat2(2)} (Linux 5.6). */
    public static final StructLayout OPEN_HOW = MemoryLayout.structLayout(
            JAVA_LONG.withName("flags"), JAVA_LONG.withName("mode"), JAVA_LONG.withName("resolve"));

    /** Size of {@code struct epoll_event} here: packed to 12 bytes on x86-64, 16 on aarch64. */
    public static final long EPOLL_EVENT_SIZE = Arch.current() == Arch.X86_64 ? 12 : 16;

    private Structs() {}

    /** Writes {@code epoll_event[index] = {events, data.fd = fd}}. */
    public static void epollEvent(MemorySegment events, long index, int eventMask, int fd) {
        long base = index * EPOLL_EVENT_SIZE;
        long data = base + (EPOLL_EVENT_SIZE == 12 ? 4 : 8);
        events.set(ValueLayout.JAVA_INT_UNALIGNED, base, eventMask);
        events.set(ValueLayout.JAVA_LONG_UNALIGNED, data, fd);
    }

    /** Reads {@code epoll_event[index].data} as the fd stored by {@link #epollEvent}. */
    public static int epollEventFd(MemorySegment events, long index) {
        long base = index * EPOLL_EVENT_SIZE;
        long data = base + (EPOLL_EVENT_SIZE == 12 ? 4 : 8);
        return (int) events.get(ValueLayout.JAVA_LONG_UNALIGNED, data);
    }
}
