package dev.gatun.core.security;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * An eBPF assembler for the few instructions the device filter needs, with symbolic forward
 * labels. Each instruction is the kernel's {@code struct bpf_insn}, eight bytes in the host's
 * (little-endian on x86-64 and aarch64) order: opcode, {@code dst_reg} in the low nibble and
 * {@code src_reg} in the high nibble of one byte, a signed 16-bit jump offset counted in
 * instructions after the jump, a signed 32-bit immediate.
 *
 * <p>Jumps go forward only, so the verifier never sees a loop; a device filter is far shorter
 * than the 32,767 instructions a 16-bit offset reaches. Not thread-safe; one assembler per program.
 *
 * @see <a href="https://docs.kernel.org/bpf/standardization/instruction-set.html">BPF instruction set</a>
 */
final class EbpfAssembler {

    static final int LDX_MEM_W = 0x61;  // BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
    static final int ALU64_AND_K = 0x57; // BPF_ALU64 | BPF_AND | BPF_K
    static final int ALU64_RSH_K = 0x77; // BPF_ALU64 | BPF_RSH | BPF_K
    static final int ALU64_MOV_K = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K
    static final int ALU64_MOV_X = 0xbf; // BPF_ALU64 | BPF_MOV | BPF_X
    static final int JMP_JEQ_K = 0x15;  // BPF_JMP | BPF_JEQ | BPF_K: 64-bit compare with the sign-extended imm
    static final int JMP_JNE_K = 0x55;  // BPF_JMP | BPF_JNE | BPF_K
    static final int JMP_EXIT = 0x95;   // BPF_JMP | BPF_EXIT: return r0

    /** The size of one {@code struct bpf_insn}. */
    static final int INSN_SIZE = 8;

    /** A jump target; placed once, before the next instruction emitted. */
    static final class Label {
        private int index = -1;
    }

    private record Insn(int code, int dst, int src, int off, int imm, Label target) {}

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

    /** {@code dst = *(u32 *)(src + offset)}. */
    void loadWord(int dst, int src, int offset) {
        insns.add(new Insn(LDX_MEM_W, dst, src, offset, 0, null));
    }

    /** {@code dst &= imm} (imm sign-extended to 64 bits). */
    void and(int dst, int imm) {
        insns.add(new Insn(ALU64_AND_K, dst, 0, 0, imm, null));
    }

    /** {@code dst >>= imm} (logical). */
    void shiftRight(int dst, int imm) {
        insns.add(new Insn(ALU64_RSH_K, dst, 0, 0, imm, null));
    }

    /** {@code dst = imm}. */
    void move(int dst, int imm) {
        insns.add(new Insn(ALU64_MOV_K, dst, 0, 0, imm, null));
    }

    /** {@code dst = src}. */
    void moveRegister(int dst, int src) {
        insns.add(new Insn(ALU64_MOV_X, dst, src, 0, 0, null));
    }

    /** {@code if dst == imm goto target}. */
    void jumpIfEqual(int dst, int imm, Label target) {
        insns.add(new Insn(JMP_JEQ_K, dst, 0, 0, imm, target));
    }

    /** {@code if dst != imm goto target}. */
    void jumpIfNotEqual(int dst, int imm, Label target) {
        insns.add(new Insn(JMP_JNE_K, dst, 0, 0, imm, target));
    }

    /** {@code return r0}. */
    void exit() {
        insns.add(new Insn(JMP_EXIT, 0, 0, 0, 0, null));
    }

    /** {@code r0 = value; return r0}. */
    void returnValue(int value) {
        move(0, value);
        exit();
    }

    /** The number of instructions emitted so far. */
    int size() {
        return insns.size();
    }

    /** The program as the kernel takes it: {@link #size()} instructions of {@link #INSN_SIZE} bytes. */
    byte[] assemble() {
        ByteBuffer out = ByteBuffer.allocate(insns.size() * INSN_SIZE).order(ByteOrder.nativeOrder());
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            int off = in.off;
            if (in.target != null) {
                if (in.target.index <= i) {
                    throw new IllegalStateException("jump " + i + ": its label is unplaced or behind it");
                }
                off = in.target.index - i - 1;
            }
            out.put((byte) in.code).put((byte) ((in.src << 4) | in.dst)).putShort((short) off).putInt(in.imm);
        }
        return out.array();
    }
}
