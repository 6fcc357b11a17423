package dev.gatun.core.security;

import dev.gatun.core.linux.Arch;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A classic-BPF interpreter for seccomp filters, test scope: runs a {@link SeccompProgram} over
 * a synthetic {@code struct seccomp_data} as the kernel would, after the checks the kernel's
 * {@code seccomp_check_filter} makes (aligned 32-bit loads inside the struct, forward jumps
 * inside the program, a return at the end). Independent of the compiler: it decodes the bytes.
 */
final class BpfInterpreter {

    /** {@code struct seccomp_data}: {@code int nr; u32 arch; u64 instruction_pointer; u64 args[6]}. */
    record Data(int nr, int arch, long instructionPointer, long... args) {

        static Data of(Arch arch, long nr, long... args) {
            long[] all = new long[6];
            System.arraycopy(args, 0, all, 0, args.length);
            return new Data((int) nr, (int) arch.auditArch(), 0, all);
        }

        byte[] bytes() {
            ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(nr).putInt(arch).putLong(instructionPointer);
            for (int i = 0; i < 6; i++) {
                b.putLong(i < args.length ? args[i] : 0);
            }
            return b.array();
        }
    }

    private final SeccompProgram program;
    private final int[] code;
    private final int[] jt;
    private final int[] jf;
    private final int[] k;

    BpfInterpreter(SeccompProgram program) {
        this.program = program;
        verify();
        int n = program.instructions();
        code = new int[n];
        jt = new int[n];
        jf = new int[n];
        k = new int[n];
        for (int i = 0; i < n; i++) {
            code[i] = program.code(i);
            jt[i] = program.jt(i);
            jf[i] = program.jf(i);
            k[i] = program.k(i);
        }
    }

    /** The filter's return value for {@code data}. */
    int run(Data data) {
        ByteBuffer d = ByteBuffer.wrap(data.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        int a = 0;
        int pc = 0;
        while (true) {
            int kk = k[pc];
            switch (code[pc]) {
                case 0x20 -> a = d.getInt(kk);
                case 0x54 -> a &= kk;
                case 0x05 -> pc += kk;
                case 0x15 -> pc += a == kk ? jt[pc] : jf[pc];
                case 0x25 -> pc += Integer.compareUnsigned(a, kk) > 0 ? jt[pc] : jf[pc];
                case 0x35 -> pc += Integer.compareUnsigned(a, kk) >= 0 ? jt[pc] : jf[pc];
                case 0x45 -> pc += (a & kk) != 0 ? jt[pc] : jf[pc];
                case 0x06 -> {
                    return kk;
                }
                default -> throw new AssertionError("opcode 0x" + Integer.toHexString(code[pc]) + " at " + pc);
            }
            pc++;
        }
    }

    /** The checks of the kernel's seccomp_check_filter and bpf_check_classic that this program can meet. */
    private void verify() {
        int n = program.instructions();
        if (n < 1 || n > SeccompProgram.MAX_INSTRUCTIONS) {
            throw new AssertionError("length " + n);
        }
        for (int pc = 0; pc < n; pc++) {
            int code = program.code(pc);
            int k = program.k(pc);
            switch (code) {
                case 0x20 -> {
                    if (k < 0 || k >= 64 || (k & 3) != 0) {
                        throw new AssertionError("load of offset " + k + " at " + pc);
                    }
                }
                case 0x54, 0x06 -> { }
                case 0x05 -> {
                    if (k < 0 || pc + 1 + (long) k >= n) {
                        throw new AssertionError("ja out of the program at " + pc);
                    }
                }
                case 0x15, 0x25, 0x35, 0x45 -> {
                    if (pc + 1 + program.jt(pc) >= n || pc + 1 + program.jf(pc) >= n) {
                        throw new AssertionError("jump out of the program at " + pc);
                    }
                }
                default -> throw new AssertionError("opcode 0x" + Integer.toHexString(code) + " at " + pc);
            }
        }
        if (program.code(n - 1) != 0x06) {
            throw new AssertionError("the program does not end with a return");
        }
    }
}
