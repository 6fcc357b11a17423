package dev.gatun.core.spawn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gatun.core.linux.SyscallTable;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Program} laid out in a spawn's arena as the executor reads it: an array of 96-byte
 * steps (see {@code executor_x86_64.S}), every pointer argument pointing into the same arena, one
 * 8-byte cell per {@link Slot}. Lives exactly as long as the arena; the spawner owns both.
 */
final class ProgramImage {

    private final Program program;
    private final MemorySegment steps;
    private final Map<Slot, MemorySegment> slots = new IdentityHashMap<>();
    // read-only arguments that several steps share (execvp's argv and envp), laid out once
    private final Map<Arg, Long> shared = new IdentityHashMap<>();

    private ProgramImage(Program program, MemorySegment steps) {
        this.program = program;
        this.steps = steps;
    }

    /**
     * Lays out {@code program} in {@code arena} with the syscall numbers of {@code table};
     * {@code syncFds} gives the fd of each handshake pipe end (may be empty when unused).
     *
     * @throws UnsupportedOperationException when the architecture lacks a syscall the program uses
     * @throws IllegalArgumentException when a step uses a handshake pipe that this spawn has not
     */
    static ProgramImage compile(Program program, SyscallTable table, Arena arena, Map<SyncPipe, Integer> syncFds) {
        return compile(program, table, arena, syncFds, Map.of());
    }

    /**
     * As {@link #compile(Program, SyscallTable, Arena, Map)}, with the cells of the slots in
     * {@code bound} given rather than allocated: how a step stores its result in the executor's
     * ctx (the error-pipe move of {@link FdPrologue}).
     */
    static ProgramImage compile(Program program, SyscallTable table, Arena arena, Map<SyncPipe, Integer> syncFds,
                                Map<Slot, MemorySegment> bound) {
        List<Step> list = program.steps();
        MemorySegment steps = arena.allocate(Math.max(1, list.size()) * Executor.STEP_SIZE, 16);
        ProgramImage image = new ProgramImage(program, steps);
        image.slots.putAll(bound);
        for (int i = 0; i < list.size(); i++) {
            Step step = list.get(i);
            MemorySegment s = steps.asSlice(i * Executor.STEP_SIZE, Executor.STEP_SIZE);
            s.set(JAVA_LONG, 0, table.number(step.syscall()));
            long indirect = 0;
            for (int a = 0; a < step.args().size(); a++) {
                Arg arg = step.args().get(a);
                if (arg instanceof Arg.FromSlot(Slot slot)) {
                    indirect |= 1L << a;
                }
                s.set(JAVA_LONG, 8 + 8L * a, image.value(arg, arena, syncFds, step));
            }
            s.set(JAVA_LONG, Executor.STEP_ALLOWED, step.allowedErrno());
            s.set(JAVA_LONG, Executor.STEP_RESULT, step.result() == null ? 0 : image.slot(step.result(), arena).address());
            s.set(JAVA_LONG, Executor.STEP_INDIRECT, indirect);
            s.set(JAVA_LONG, Executor.STEP_EXPECTED, step.expected().orElse(0));
            long flags = (step.expected().isPresent() ? Executor.FLAG_EXPECT : 0)
                    | (step.parentExits() ? Executor.FLAG_PARENT_EXITS : 0);
            s.set(JAVA_LONG, Executor.STEP_FLAGS, flags);
        }
        return image;
    }

    /** The program this image was compiled from. */
    Program program() {
        return program;
    }

    /** The step array. */
    MemorySegment steps() {
        return steps;
    }

    /** The number of steps. */
    int size() {
        return program.steps().size();
    }

    /** The raw value a step stored in {@code slot} (0 when none ran yet). */
    long slotValue(Slot slot) {
        MemorySegment cell = slots.get(slot);
        if (cell == null) {
            throw new IllegalArgumentException("slot " + slot + " is not used by this program");
        }
        return cell.get(JAVA_LONG, 0);
    }

    private MemorySegment slot(Slot slot, Arena arena) {
        return slots.computeIfAbsent(slot, s -> arena.allocate(JAVA_LONG));
    }

    private long value(Arg arg, Arena arena, Map<SyncPipe, Integer> syncFds, Step step) {
        return switch (arg) {
            case Arg.Value v -> v.value();
            case Arg.Number n -> n.value();
            case Arg.Text t -> arena.allocateFrom(t.value(), StandardCharsets.UTF_8).address();
            case Arg.Strings ss when shared.containsKey(ss) -> shared.get(ss);
            case Arg.Strings ss -> {
                MemorySegment array = arena.allocate(ADDRESS, ss.values().size() + 1);
                for (int i = 0; i < ss.values().size(); i++) {
                    array.setAtIndex(ADDRESS, i, arena.allocateFrom(ss.values().get(i), StandardCharsets.UTF_8));
                }
                array.setAtIndex(ADDRESS, ss.values().size(), MemorySegment.NULL);
                shared.put(ss, array.address());
                yield array.address();
            }
            case Arg.Bytes b -> {
                MemorySegment copy = arena.allocate(Math.max(1, b.data().length), 8);
                copy.copyFrom(MemorySegment.ofArray(b.data()));
                yield copy.address();
            }
            case Arg.Buffer buf -> arena.allocate(buf.size(), 8).address();
            case Arg.FromSlot(Slot slot) -> slot(slot, arena).address();
            case Arg.Sync(SyncPipe end) -> {
                Integer fd = syncFds.get(end);
                if (fd == null) {
                    throw new IllegalArgumentException(step.call() + " uses the handshake pipe " + end.rendered()
                            + ": spawn it with Spawner.start (a Handshake), not Spawner.spawn");
                }
                yield fd;
            }
        };
    }
}
