package dev.gatun.core.security;

/**
 * A condition on one 64-bit argument of a system call, as in OCI
 * {@code linux.seccomp.syscalls[].args[]} and libseccomp's {@code scmp_arg_cmp}. Comparisons are
 * unsigned. For {@link Op#MASKED_EQ} the {@code value} is the mask and {@code valueTwo} the value
 * the masked argument must equal (OCI's convention), itself masked as libseccomp does:
 * {@code (arg & value) == (valueTwo & value)}, so a zero mask always holds. The other operators
 * ignore {@code valueTwo}.
 *
 * <p>On x86_64 and aarch64 all 64 bits are compared; on the 32-bit ABIs (x86, arm, and x32, which
 * libseccomp sizes as 32-bit although its registers are 64-bit) only the low 32 bits, as
 * libseccomp does. Immutable and thread-safe.
 *
 * @param index the argument, 0..5
 * @param op the comparison
 * @param value the value to compare with, or the mask of {@link Op#MASKED_EQ}
 * @param valueTwo the value of {@link Op#MASKED_EQ}, 0 otherwise
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#seccomp">OCI seccomp</a>
 */
public record ArgCondition(int index, Op op, long value, long valueTwo) {

    /** The comparisons, named as in OCI and libseccomp ({@code SCMP_CMP_*}). */
    public enum Op {
        /** {@code arg != value}. */
        NE,
        /** {@code arg < value}. */
        LT,
        /** {@code arg <= value}. */
        LE,
        /** {@code arg == value}. */
        EQ,
        /** {@code arg >= value}. */
        GE,
        /** {@code arg > value}. */
        GT,
        /** {@code (arg & value) == (valueTwo & value)}. */
        MASKED_EQ;

        /**
         * The operator of an OCI name such as {@code "SCMP_CMP_MASKED_EQ"}.
         *
         * @throws IllegalArgumentException naming the value when unknown
         */
        public static Op of(String name) {
            if (!name.startsWith("SCMP_CMP_")) {
                throw new IllegalArgumentException("unknown seccomp operator \"" + name + "\"");
            }
            try {
                return valueOf(name.substring("SCMP_CMP_".length()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown seccomp operator \"" + name + "\"", e);
            }
        }
    }

    /**
     * Checks the index and operator.
     *
     * @throws IllegalArgumentException when the index is outside 0..5 or the operator is null
     */
    public ArgCondition {
        if (index < 0 || index > 5) {
            throw new IllegalArgumentException("seccomp argument index " + index + " is outside 0..5");
        }
        if (op == null) {
            throw new IllegalArgumentException("seccomp argument operator is null");
        }
    }

    /** {@code arg[index] op value}, for every operator but {@link Op#MASKED_EQ}. */
    public static ArgCondition of(int index, Op op, long value) {
        return new ArgCondition(index, op, value, 0);
    }

    /** {@code (arg[index] & mask) == value}. */
    public static ArgCondition maskedEq(int index, long mask, long value) {
        return new ArgCondition(index, Op.MASKED_EQ, mask, value);
    }

    @Override
    public String toString() {
        String arg = "arg" + index;
        return switch (op) {
            case MASKED_EQ -> "(" + arg + " & 0x" + Long.toHexString(value) + ") == 0x" + Long.toHexString(valueTwo);
            default -> arg + " " + op + " 0x" + Long.toHexString(value);
        };
    }
}
