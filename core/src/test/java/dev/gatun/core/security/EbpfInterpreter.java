package dev.gatun.core.security;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An eBPF interpreter for device filters, test scope: runs a program over a synthetic
 * {@code struct bpf_cgroup_dev_ctx {u32 access_type; u32 major; u32 minor;}} as the kernel would,
 * after the checks the verifier makes that matter here (forward jumps inside the program, every
 * instruction reachable, aligned 32-bit loads of the context through r1, no register read before
 * it is written, r0 set at exit). Independent of the compiler: it decodes the bytes, and knows
 * only the opcodes a device filter needs; anything else fails the test.
 */
final class EbpfInterpreter {

    private final int[] code;
    private final int[] dst;
    private final int[] src;
    private final int[] off;
    private final int[] imm;

    EbpfInterpreter(byte[] program) {
        ByteBuffer b = ByteBuffer.wrap(program).order(ByteOrder.nativeOrder());
        int n = program.length / 8;
        if (n == 0 || program.length % 8 != 0) {
            throw new AssertionError("not a whole number of instructions: " + program.length + " bytes");
        }
        code = new int[n];
        dst = new int[n];
        src = new int[n];
        off = new int[n];
        imm = new int[n];
        for (int i = 0; i < n; i++) {
            code[i] = b.get() & 0xFF;
            int regs = b.get() & 0xFF;
            dst[i] = regs & 0xF;
            src[i] = regs >>> 4;
            off[i] = b.getShort();
            imm[i] = b.getInt();
        }
        verify();
    }

    /** The program's verdict, 1 (allow) or 0 (refuse), for a device access. */
    long run(int type, int access, int major, int minor) {
        long[] r = new long[11];
        boolean[] set = new boolean[11];
        int[] ctx = {(access << 16) | type, major, minor};
        set[1] = true; // r1: the context pointer, usable only as a load base
        int pc = 0;
        while (true) {
            int c = code[pc];
            switch (c) {
                case 0x61 -> { // r[dst] = *(u32 *)(r1 + off)
                    if (src[pc] != 1 || off[pc] % 4 != 0 || off[pc] < 0 || off[pc] > 8) {
                        throw new AssertionError(pc + ": load from r" + src[pc] + "+" + off[pc] + " is no context field");
                    }
                    write(r, set, pc, ctx[off[pc] / 4] & 0xFFFF_FFFFL);
                }
                case 0x57 -> write(r, set, pc, read(r, set, pc, dst[pc]) & (long) imm[pc]);
                case 0x77 -> write(r, set, pc, read(r, set, pc, dst[pc]) >>> imm[pc]);
                case 0xb7 -> write(r, set, pc, imm[pc]);
                case 0xbf -> write(r, set, pc, read(r, set, pc, src[pc]));
                case 0x15, 0x55 -> {
                    boolean equal = read(r, set, pc, dst[pc]) == (long) imm[pc];
                    if (equal == (c == 0x15)) {
                        pc += off[pc];
                    }
                }
                case 0x95 -> {
                    return read(r, set, pc, 0);
                }
                default -> throw new AssertionError(pc + ": opcode 0x" + Integer.toHexString(c) + " is not one a device filter uses");
            }
            pc++;
        }
    }

    int instructions() {
        return code.length;
    }

    private static long read(long[] r, boolean[] set, int pc, int reg) {
        if (!set[reg] || reg == 1) {
            throw new AssertionError(pc + ": r" + reg + " is read before it is written");
        }
        return r[reg];
    }

    private void write(long[] r, boolean[] set, int pc, long value) {
        if (dst[pc] == 1 || dst[pc] > 9) {
            throw new AssertionError(pc + ": writes r" + dst[pc]);
        }
        r[dst[pc]] = value;
        set[dst[pc]] = true;
    }

    /** Forward jumps inside the program, a straight-line end in exit, every instruction reachable. */
    private void verify() {
        boolean[] reached = new boolean[code.length];
        reached[0] = true;
        for (int i = 0; i < code.length; i++) {
            if (!reached[i]) {
                throw new AssertionError("unreachable insn " + i);
            }
            boolean jump = code[i] == 0x15 || code[i] == 0x55;
            if (jump) {
                int target = i + 1 + off[i];
                if (off[i] < 0 || target >= code.length) {
                    throw new AssertionError(i + ": jump to " + target + " leaves the program or goes back");
                }
                reached[target] = true;
            }
            if (code[i] != 0x95) {
                if (i + 1 >= code.length) {
                    throw new AssertionError("the program falls off its end");
                }
                reached[i + 1] = true;
            }
        }
    }
}
