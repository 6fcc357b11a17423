package dev.gatun.core.security;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One system call of the security set-up, as plain data: the spawn engine turns each step into a
 * program instruction its child executes between fork and execve, where no Java runs.
 *
 * <p>Every value is exact: the option numbers are the kernel's ({@code <linux/prctl.h>}), the
 * byte arrays are laid out as the kernel reads them on the running machine (native byte order).
 * Steps are immutable; their byte arrays are copied in and out.
 */
public sealed interface SecurityStep {

    /** {@code PR_SET_KEEPCAPS}: keep permitted capabilities across a change to non-zero uids. */
    int PR_SET_KEEPCAPS = 8;
    /** {@code PR_CAPBSET_DROP}: remove one capability from the bounding set. */
    int PR_CAPBSET_DROP = 24;
    /** {@code PR_SET_NO_NEW_PRIVS}: execve(2) never grants privileges again. */
    int PR_SET_NO_NEW_PRIVS = 38;
    /** {@code PR_CAP_AMBIENT}: operate on the ambient set. */
    int PR_CAP_AMBIENT = 47;
    /** {@code PR_CAP_AMBIENT_RAISE}, the second argument of {@link #PR_CAP_AMBIENT}. */
    int PR_CAP_AMBIENT_RAISE = 2;
    /** {@code PR_CAP_AMBIENT_CLEAR_ALL}, the second argument of {@link #PR_CAP_AMBIENT}. */
    int PR_CAP_AMBIENT_CLEAR_ALL = 4;

    /** A short text for error messages and logs, such as {@code prctl(PR_CAPBSET_DROP, 21)}. */
    String describe();

    /**
     * {@code prctl(option, arg2, arg3, arg4, arg5)}; fails the set-up when it returns -1.
     *
     * @param option the {@code PR_*} option
     * @param arg2 the second argument
     * @param arg3 the third argument
     * @param arg4 the fourth argument
     * @param arg5 the fifth argument
     * @param describe what it does, for messages
     * @see <a href="https://man7.org/linux/man-pages/man2/prctl.2.html">prctl(2)</a>
     */
    record Prctl(int option, long arg2, long arg3, long arg4, long arg5, String describe) implements SecurityStep {

        static Prctl of(int option, long arg2, long arg3, String describe) {
            return new Prctl(option, arg2, arg3, 0, 0, describe);
        }
    }

    /**
     * {@code capset(header, data)} with {@code _LINUX_CAPABILITY_VERSION_3}: an 8-byte
     * {@code __user_cap_header_struct} (version, pid 0 = the calling thread) and two 12-byte
     * {@code __user_cap_data_struct} (effective, permitted, inheritable), capabilities 0-31 in
     * the first, 32-63 in the second.
     *
     * @param header the 8 header bytes
     * @param data the 24 data bytes
     * @param describe what it sets, for messages
     * @see <a href="https://man7.org/linux/man-pages/man2/capset.2.html">capset(2)</a>
     */
    record Capset(byte[] header, byte[] data, String describe) implements SecurityStep {

        /** {@code _LINUX_CAPABILITY_VERSION_3}. */
        public static final int VERSION_3 = 0x20080522;

        /** Copies the arrays, which must be 8 and 24 bytes long. */
        public Capset {
            if (header.length != 8 || data.length != 24) {
                throw new IllegalArgumentException("capset takes an 8-byte header and 24 data bytes, not "
                        + header.length + " and " + data.length);
            }
            header = header.clone();
            data = data.clone();
        }

        @Override
        public byte[] header() {
            return header.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Capset c && Arrays.equals(header, c.header) && Arrays.equals(data, c.data)
                    && describe.equals(c.describe);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(header) + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return describe;
        }

        static Capset of(long effective, long permitted, long inheritable, String describe) {
            ByteBuffer h = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
            h.putInt(VERSION_3).putInt(0);
            ByteBuffer d = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder());
            for (int word = 0; word < 2; word++) {
                int shift = 32 * word;
                d.putInt((int) (effective >>> shift)).putInt((int) (permitted >>> shift)).putInt((int) (inheritable >>> shift));
            }
            return new Capset(h.array(), d.array(), describe);
        }
    }

    /**
     * {@code prlimit64(0, resource, &new, NULL)}: set a resource limit of the calling process.
     *
     * @param resource the {@code RLIMIT_*} number
     * @param rlimit64 the 16-byte {@code struct rlimit64} (soft, hard; {@code ~0} is unlimited)
     * @param describe which limit and values, for messages
     * @see <a href="https://man7.org/linux/man-pages/man2/prlimit.2.html">prlimit(2)</a>
     */
    record Prlimit(int resource, byte[] rlimit64, String describe) implements SecurityStep {

        /** Copies the array, which must be 16 bytes long. */
        public Prlimit {
            if (rlimit64.length != 16) {
                throw new IllegalArgumentException("struct rlimit64 is 16 bytes, not " + rlimit64.length);
            }
            rlimit64 = rlimit64.clone();
        }

        @Override
        public byte[] rlimit64() {
            return rlimit64.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Prlimit p && resource == p.resource && Arrays.equals(rlimit64, p.rlimit64)
                    && describe.equals(p.describe);
        }

        @Override
        public int hashCode() {
            return 31 * resource + Arrays.hashCode(rlimit64);
        }

        @Override
        public String toString() {
            return describe;
        }
    }

    /**
     * {@code seccomp(SECCOMP_SET_MODE_FILTER, program.flags(), &(struct sock_fprog){len, filter})}:
     * install the filter on the calling thread (and, with TSYNC, the whole process).
     *
     * @param program the compiled filter and its flags
     * @see <a href="https://man7.org/linux/man-pages/man2/seccomp.2.html">seccomp(2)</a>
     */
    record SeccompLoad(SeccompProgram program) implements SecurityStep {

        @Override
        public String describe() {
            return "seccomp(SECCOMP_SET_MODE_FILTER, 0x" + Integer.toHexString(program.flags()) + ", "
                    + program.instructions() + " instructions)";
        }
    }
}
