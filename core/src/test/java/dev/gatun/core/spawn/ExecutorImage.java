package dev.gatun.core.spawn;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.Structs;
import dev.gatun.core.linux.SyscallTable;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link Program} as a file that {@code core/src/test/c/executor_harness.c} runs outside the JVM,
 * for any architecture: the real {@link ProgramImage} lays it out with that architecture's
 * syscall numbers, a ctx and a clone call are added as {@code Spawner} adds them, and the
 * executor's bytes from {@link ExecutorCode} are appended (the file's layout is in the harness).
 *
 * <p>The image holds absolute addresses of the arena it was laid out in. To make it
 * position-independent, the same program is laid out twice, in two slabs at different addresses:
 * a word that differs between the two by exactly the slabs' distance is a pointer into the image
 * and becomes a relocation; every other word must be identical (anything else fails, so a
 * non-deterministic layout cannot slip through).
 */
final class ExecutorImage {

    /** How the executor makes the child: the clone call of the ctx, as data. */
    enum Clone {
        /** clone3 with CLONE_VM|CLONE_VFORK, Gatun's default mode. */
        CLONE3_VM_VFORK,
        /** legacy clone with only the exit signal: a plain fork, what qemu-user can emulate. */
        FORK,
        /** legacy clone with CLONE_SIGHAND but no CLONE_VM: refused with EINVAL before any child exists. */
        REFUSED
    }

    private static final long SLAB_SIZE = 64 * 1024;
    private static final long STACK_SIZE = 16 * 1024;
    private static final long CLONE_VM = 0x100;
    private static final long CLONE_SIGHAND = 0x800;
    private static final long CLONE_VFORK = 0x4000;
    private static final long CLONE_ARGS_SIZE = 88;

    private ExecutorImage() {}

    /** The harness's input file for {@code program} on {@code arch}, cloning with {@code clone}. */
    static byte[] of(Program program, Arch arch, Clone clone) {
        try (Arena outer = Arena.ofConfined()) {
            Slab first = new Slab(outer.allocate(SLAB_SIZE, 4096));
            Slab second = new Slab(outer.allocate(SLAB_SIZE, 4096));
            long ctx = layOut(program, arch, clone, first);
            if (layOut(program, arch, clone, second) != ctx || first.used != second.used) {
                throw new IllegalStateException("the two layouts differ in shape");
            }
            long distance = second.base() - first.base();
            List<Long> relocations = new ArrayList<>();
            MemorySegment image = first.segment.asSlice(0, first.used);
            for (long at = 0; at + 8 <= first.used; at += 8) {
                long a = image.get(JAVA_LONG, at);
                long b = second.segment.get(JAVA_LONG, at);
                if (a == b) {
                    continue;
                }
                if (b - a != distance || a < first.base() || a > first.base() + first.used) {
                    throw new IllegalStateException("word at +" + at + " is neither constant nor a pointer into the image: "
                            + Long.toHexString(a) + " / " + Long.toHexString(b));
                }
                image.set(JAVA_LONG, at, a - first.base());
                relocations.add(at);
            }
            byte[] code = ExecutorCode.of(arch);
            ByteBuffer header = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
            header.put("GATUNEXE".getBytes(StandardCharsets.US_ASCII))
                    .putLong(first.used).putLong(ctx).putLong(relocations.size()).putLong(code.length);
            ByteBuffer relocs = ByteBuffer.allocate(8 * relocations.size()).order(ByteOrder.LITTLE_ENDIAN);
            relocations.forEach(relocs::putLong);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(header.array());
            out.writeBytes(image.toArray(JAVA_BYTE));
            out.writeBytes(relocs.array());
            out.writeBytes(code);
            return out.toByteArray();
        }
    }

    /** Lays out the program, the ctx and the clone call in {@code slab}; returns the ctx's offset. */
    private static long layOut(Program program, Arch arch, Clone clone, Slab slab) {
        SyscallTable table = SyscallTable.of(arch);
        MemorySegment ctx = slab.allocate(Executor.CTX_SIZE, 16);
        ProgramImage image = ProgramImage.compile(program, table, slab, Map.of());
        MemorySegment stack = slab.allocate(STACK_SIZE, 16);
        switch (clone) {
            case CLONE3_VM_VFORK -> {
                MemorySegment args = slab.allocate(CLONE_ARGS_SIZE, 8);
                args.set(JAVA_LONG, Structs.CLONE_ARGS_FLAGS, CLONE_VM | CLONE_VFORK);
                args.set(JAVA_LONG, Structs.CLONE_ARGS_EXIT_SIGNAL, Program.SIGCHLD);
                args.set(JAVA_LONG, Structs.CLONE_ARGS_STACK, stack.address());
                args.set(JAVA_LONG, Structs.CLONE_ARGS_STACK_SIZE, STACK_SIZE);
                setClone(ctx, table.number("clone3"), args.address(), CLONE_ARGS_SIZE);
            }
            case FORK -> setClone(ctx, table.number("clone"), Program.SIGCHLD, 0);
            case REFUSED -> setClone(ctx, table.number("clone"), CLONE_SIGHAND | Program.SIGCHLD, 0);
        }
        ctx.set(JAVA_LONG, Executor.CTX_STEPS, image.steps().address());
        ctx.set(JAVA_LONG, Executor.CTX_NSTEPS, image.size());
        ctx.set(JAVA_LONG, Executor.CTX_ERR_FD, -1); // the harness puts its error pipe here
        ctx.set(JAVA_LONG, Executor.CTX_MASK, -1L);
        ctx.set(JAVA_INT, Executor.CTX_FAILED_STEP, -1);
        return ctx.address() - slab.base();
    }

    private static void setClone(MemorySegment ctx, long nr, long a0, long a1) {
        ctx.set(JAVA_LONG, Executor.CTX_CLONE_NR, nr);
        ctx.set(JAVA_LONG, Executor.CTX_CLONE_ARGS, a0);
        ctx.set(JAVA_LONG, Executor.CTX_CLONE_ARGS + 8, a1);
    }

    /** An arena that hands out consecutive, zeroed slices of one segment, so the image is one block. */
    private static final class Slab implements Arena {
        final MemorySegment segment;
        long used;

        Slab(MemorySegment segment) {
            this.segment = segment;
        }

        long base() {
            return segment.address();
        }

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            long start = (used + byteAlignment - 1) & -byteAlignment;
            if (start + byteSize > segment.byteSize()) {
                throw new IllegalStateException("the program does not fit in " + segment.byteSize() + " bytes");
            }
            used = start + byteSize;
            return segment.asSlice(start, byteSize);
        }

        @Override
        public MemorySegment.Scope scope() {
            return segment.scope();
        }

        @Override
        public void close() {
            throw new UnsupportedOperationException("a slab lives as long as its outer arena");
        }
    }
}
