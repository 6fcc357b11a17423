package dev.gatun.core.security;

import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.SyscallTable;

/**
 * The semantics {@link SeccompPolicy} documents, evaluated directly (no BPF), as the test oracle
 * for the compiler: rules with the default action are ignored; the first unconditional rule of a
 * call decides it; else the first conditional rule that holds; else the default.
 */
final class ReferencePolicy {

    private ReferencePolicy() {}

    /** What {@code policy} returns for call {@code nr} (without the x32 bit) of {@code arch}. */
    static int evaluate(SeccompPolicy policy, Arch arch, int nr, long[] args) {
        SyscallTable table = SyscallTable.of(arch);
        SeccompAction unconditional = null;
        SeccompAction conditional = null;
        for (SeccompRule rule : policy.rules()) {
            if (rule.action().equals(policy.defaultAction())
                    || rule.names().stream().noneMatch(n -> table.find(n).orElse(-1) == nr)) {
                continue;
            }
            boolean narrowArch = arch != Arch.X86_64 && arch != Arch.AARCH64;
            // libseccomp drops a MASKED_EQ whose (relevant) mask is zero; a rule left bare is unconditional
            boolean bare = rule.conditions().stream().allMatch(c -> c.op() == ArgCondition.Op.MASKED_EQ
                    && (narrowArch ? c.value() & 0xFFFF_FFFFL : c.value()) == 0);
            if (bare) {
                unconditional = unconditional == null ? rule.action() : unconditional;
            } else if (conditional == null && rule.conditions().stream().allMatch(c -> holds(c, arch, args[c.index()]))) {
                conditional = rule.action();
            }
        }
        if (unconditional != null) {
            return unconditional.ret();
        }
        return (conditional != null ? conditional : policy.defaultAction()).ret();
    }

    private static boolean holds(ArgCondition c, Arch arch, long arg) {
        boolean narrow = arch != Arch.X86_64 && arch != Arch.AARCH64;
        long a = narrow ? arg & 0xFFFF_FFFFL : arg;
        long v = narrow ? c.value() & 0xFFFF_FFFFL : c.value();
        long w = narrow ? c.valueTwo() & 0xFFFF_FFFFL : c.valueTwo();
        return switch (c.op()) {
            case NE -> a != v;
            case LT -> Long.compareUnsigned(a, v) < 0;
            case LE -> Long.compareUnsigned(a, v) <= 0;
            case EQ -> a == v;
            case GE -> Long.compareUnsigned(a, v) >= 0;
            case GT -> Long.compareUnsigned(a, v) > 0;
            case MASKED_EQ -> (a & v) == (w & v);
        };
    }
}
