package dev.gatun.core.security;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A compiled seccomp filter: the {@code struct sock_filter} array a {@code struct sock_fprog}
 * points to, and the flags for {@code seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog)}.
 *
 * <p>Each instruction is 8 bytes in native byte order: {@code u16 code, u8 jt, u8 jf, u32 k}. The
 * spawn engine copies {@link #filter()} into native memory, builds the {@code sock_fprog}
 * ({@code unsigned short len = instructions(); struct sock_filter *filter}) and loads it after
 * {@code PR_SET_NO_NEW_PRIVS} (or while it still holds {@code CAP_SYS_ADMIN}).
 * Immutable and thread-safe; the array is copied in and out.
 *
 * @param filter the instructions, 8 bytes each
 * @param flags the {@code SECCOMP_FILTER_FLAG_*} bits for seccomp(2)
 * @see <a href="https://www.kernel.org/doc/html/latest/userspace-api/seccomp_filter.html">Seccomp BPF</a>
 */
public record SeccompProgram(byte[] filter, int flags) {

    /** {@code BPF_MAXINSNS}: the most instructions the kernel accepts in one filter. */
    public static final int MAX_INSTRUCTIONS = 4096;

    /** {@code SECCOMP_SET_MODE_FILTER}, the operation of seccomp(2) that installs a filter. */
    public static final int SECCOMP_SET_MODE_FILTER = 1;

    /**
     * Checks the size and copies.
     *
     * @throws IllegalArgumentException when the array is no whole number of instructions, is
     *     empty or holds more than {@link #MAX_INSTRUCTIONS}
     */
    public SeccompProgram {
        if (filter.length == 0 || filter.length % 8 != 0 || filter.length / 8 > MAX_INSTRUCTIONS) {
            throw new IllegalArgumentException("a seccomp filter is 1.." + MAX_INSTRUCTIONS
                    + " instructions of 8 bytes, not " + filter.length + " bytes");
        }
        filter = filter.clone();
    }

    @Override
    public byte[] filter() {
        return filter.clone();
    }

    /** The number of instructions, the {@code len} of {@code struct sock_fprog}. */
    public int instructions() {
        return filter.length / 8;
    }

    /** Instruction {@code i}'s {@code code}. */
    public int code(int i) {
        return buffer().getShort(i * 8) & 0xFFFF;
    }

    /** Instruction {@code i}'s {@code jt}. */
    public int jt(int i) {
        return filter[i * 8 + 2] & 0xFF;
    }

    /** Instruction {@code i}'s {@code jf}. */
    public int jf(int i) {
        return filter[i * 8 + 3] & 0xFF;
    }

    /** Instruction {@code i}'s {@code k}. */
    public int k(int i) {
        return buffer().getInt(i * 8 + 4);
    }

    private ByteBuffer buffer() {
        return ByteBuffer.wrap(filter).order(ByteOrder.nativeOrder());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeccompProgram p && flags == p.flags && java.util.Arrays.equals(filter, p.filter);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(filter) + flags;
    }

    @Override
    public String toString() {
        return "SeccompProgram[" + instructions() + " instructions, flags=0x" + Integer.toHexString(flags) + "]";
    }
}
