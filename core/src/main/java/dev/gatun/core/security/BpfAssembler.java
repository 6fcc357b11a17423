package dev.gatun.core.security;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A classic-BPF assembler with symbolic forward labels, for the seccomp compiler.
 *
 * <p>A conditional jump holds its targets in 8-bit offsets ({@code jt}, {@code jf}); a target
 * further than 255 instructions away is reached through a trampoline, an unconditional
 * {@code BPF_JA} (32-bit offset) placed right after the jump. Which jumps need one is found by
 * iterating to a fixed point: a trampoline only ever lengthens the code, so the set of long jumps
 * only grows and the iteration ends. Jumps go forward only (classic BPF cannot jump back).
 * Not thread-safe; one assembler per program.
 */
final class BpfAssembler {

    static final int LD_W_ABS = 0x20;   // BPF_LD | BPF_W | BPF_ABS
    static final int ALU_AND_K = 0x54;  // BPF_ALU | BPF_AND | BPF_K
    static final int JMP_JA = 0x05;     // BPF_JMP | BPF_JA
    static final int JMP_JEQ_K = 0x15;  // BPF_JMP | BPF_JEQ | BPF_K
    static final int JMP_JGT_K = 0x25;  // BPF_JMP | BPF_JGT | BPF_K
    static final int JMP_JGE_K = 0x35;  // BPF_JMP | BPF_JGE | BPF_K
    static final int RET_K = 0x06;      // BPF_RET | BPF_K

    /** A jump target; placed once, before the next instruction emitted. */
    static final class Label {
        private int index = -1;
    }

    /** One instruction; {@code jt}/{@code jf} are labels for conditional jumps, {@code ja} for JA. */
    private record Insn(int code, int k, Label jt, Label jf) {}

    private final List<Insn> insns = new ArrayList<>();

    Label label() {
        return new Label();
    }

    void place(Label label) {
        if (label.index >= 0) {
            throw new IllegalStateException("label placed twice");
        }
        label.index = insns.size();
    }

    void load(int offset) {
        insns.add(new Insn(LD_W_ABS, offset, null, null));
    }

    void and(int mask) {
        insns.add(new Insn(ALU_AND_K, mask, null, null));
    }

    void jump(int code, int k, Label jt, Label jf) {
        insns.add(new Insn(code, k, jt, jf));
    }

    void jumpAlways(Label target) {
        insns.add(new Insn(JMP_JA, 0, target, null));
    }

    void ret(int value) {
        insns.add(new Insn(RET_K, value, null, null));
    }

    /**
     * Lays out the code, adding trampolines where a conditional jump reaches too far.
     *
     * @throws IllegalArgumentException when the program exceeds the kernel's instruction limit
     */
    byte[] assemble() {
        int n = insns.size();
        boolean[] longT = new boolean[n];
        boolean[] longF = new boolean[n];
        int[] addr = new int[n + 1];
        boolean changed = true;
        while (changed) {
            changed = false;
            layout(longT, longF, addr);
            for (int i = 0; i < n; i++) {
                Insn in = insns.get(i);
                if (!isConditional(in.code())) {
                    continue;
                }
                if (!longT[i] && offset(addr, i, in.jt()) > 255) {
                    longT[i] = true;
                    changed = true;
                }
                if (!longF[i] && offset(addr, i, in.jf()) > 255) {
                    longF[i] = true;
                    changed = true;
                }
            }
        }
        int total = addr[n];
        if (total > SeccompProgram.MAX_INSTRUCTIONS) {
            throw new IllegalArgumentException("the seccomp policy compiles to " + total
                    + " BPF instructions, more than the kernel's " + SeccompProgram.MAX_INSTRUCTIONS);
        }
        ByteBuffer out = ByteBuffer.allocate(total * 8).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            Insn in = insns.get(i);
            if (isConditional(in.code())) {
                // trampolines sit right after the jump: jt's first, then jf's
                int jt = longT[i] ? 0 : offset(addr, i, in.jt());
                int jf = longF[i] ? (longT[i] ? 1 : 0) : offset(addr, i, in.jf());
                put(out, in.code(), jt, jf, in.k());
                int pc = addr[i] + 1;
                if (longT[i]) {
                    put(out, JMP_JA, 0, 0, target(addr, in.jt()) - pc - 1);
                    pc++;
                }
                if (longF[i]) {
                    put(out, JMP_JA, 0, 0, target(addr, in.jf()) - pc - 1);
                }
            } else if (in.code() == JMP_JA) {
                put(out, JMP_JA, 0, 0, offset(addr, i, in.jt()));
            } else {
                put(out, in.code(), 0, 0, in.k());
            }
        }
        return out.array();
    }

    private void layout(boolean[] longT, boolean[] longF, int[] addr) {
        int pc = 0;
        for (int i = 0; i < insns.size(); i++) {
            addr[i] = pc;
            pc += 1 + (longT[i] ? 1 : 0) + (longF[i] ? 1 : 0);
        }
        addr[insns.size()] = pc;
    }

    /** The jump offset from instruction {@code i} to {@code label}, counted as BPF does: from i + 1. */
    private int offset(int[] addr, int i, Label label) {
        int off = target(addr, label) - addr[i] - 1;
        if (off < 0) {
            throw new IllegalStateException("backward jump from instruction " + i + " (compiler bug)");
        }
        return off;
    }

    private int target(int[] addr, Label label) {
        if (label.index < 0) {
            throw new IllegalStateException("jump to a label never placed (compiler bug)");
        }
        return addr[label.index];
    }

    private static boolean isConditional(int code) {
        return code == JMP_JEQ_K || code == JMP_JGT_K || code == JMP_JGE_K;
    }

    private static void put(ByteBuffer out, int code, int jt, int jf, int k) {
        out.putShort((short) code).put((byte) jt).put((byte) jf).putInt(k);
    }
}
