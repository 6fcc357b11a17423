package dev.gatun.core.spawn;

import dev.gatun.core.linux.LibC;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * The first steps of a child that {@linkplain Program.Builder#ownFdTable() owns its fd table}:
 * they move the fds the program needs to the numbers Java chose for them and close every other fd
 * the child got from the JVM, before the program touches anything.
 *
 * <p>Why: the child has its own copy of the JVM's fd table (no {@code CLONE_FILES}), and every
 * JVM fd is open in it until exec — O_CLOEXEC only acts at exec. While they are open, a
 * {@code chdir("/proc/self/fd/N")} to a directory fd of the JVM leaves the container's root
 * (CVE-2024-21626 class), and a container waiting at "created" keeps the pipes other containers'
 * readers wait on. Closed first, they are out of reach of everything the program does.
 *
 * <p>How, for moves {@code from -> to} whose sources and targets may overlap (a target may be
 * another move's source, two targets may share a source):
 *
 * <pre>
 *  dup3(from_i, base + i, O_CLOEXEC)          every source to a free staging number, base above
 *                                             every source and target
 *  $error_fd = dup3(base + e, 3, O_CLOEXEC)    the error pipe first: its result lands in the
 *                                             executor's ctx, so a later failure is reported on 3
 *  dup3(base + i, to_i, O_CLOEXEC or 0)        the rest (stdio without O_CLOEXEC)
 *  close(base + i)
 *  close_range(gap, ...)                       a real close of every other fd from 3 up
 * </pre>
 *
 * <p>The executor reports a failing step on the fd in its ctx, so the error pipe must never be
 * closed under it (a silent EOF would read as success): until the error pipe's move, ctx names
 * the JVM's number, which no staging dup3 touches; from the move on it names {@link
 * Program#ERROR_FD}, which nothing closes. Should that very move fail, its result (-errno) lands in
 * ctx and the executor writes no report; the failure record in ctx still tells the parent
 * ({@link Handshake#awaitExec()} reads it on a bare EOF).
 */
final class FdPrologue {

    private static final long ALL = 0xFFFF_FFFFL;

    private FdPrologue() {}

    /** {@code program} with the prologue before its steps, and the slot the error-pipe move stores its fd in. */
    record Prepared(Program program, Slot errorFd) {}

    /**
     * Prepends the prologue to {@code program}, which must own its fd table; {@code errorFd},
     * {@code releaseRead} and {@code stageWrite} are the JVM's pipe ends the child keeps, or -1
     * (a plain spawn has none).
     */
    static Prepared prepend(Program program, int errorFd, int releaseRead, int stageWrite) {
        if (program.ownedFds().isEmpty()) {
            throw new IllegalArgumentException("the program does not own its fd table");
        }
        SortedMap<Integer, Integer> owned = program.ownedFds().get();
        record Move(int from, int to) {}
        List<Move> moves = new ArrayList<>();
        if (errorFd >= 0) {
            moves.add(new Move(errorFd, Program.ERROR_FD)); // first: see the class comment
        }
        if (releaseRead >= 0) {
            moves.add(new Move(releaseRead, Program.RELEASE_FD));
        }
        if (stageWrite >= 0) {
            moves.add(new Move(stageWrite, Program.STAGE_FD));
        }
        for (Map.Entry<Integer, Integer> e : owned.entrySet()) {
            moves.add(new Move(e.getValue(), e.getKey()));
        }
        int base = Program.FIRST_INHERITED_FD;
        for (Move m : moves) {
            base = Math.max(base, Math.max(m.from, m.to) + 1);
        }
        Program.Builder b = Program.builder();
        for (int i = 0; i < moves.size(); i++) {
            b.dup3(moves.get(i).from, base + i, LibC.O_CLOEXEC);
        }
        Slot slot = Slot.named("error_fd");
        for (int i = 0; i < moves.size(); i++) {
            Move m = moves.get(i);
            int flags = m.to <= 2 ? 0 : LibC.O_CLOEXEC;
            if (i == 0 && errorFd >= 0) {
                b.step(Step.of("dup3", Arg.of(base + i), Arg.of(m.to), Program.Builder.dup3Flags(flags))
                        .storingIn(slot));
            } else {
                b.dup3(base + i, m.to, flags);
            }
        }
        for (int i = 0; i < moves.size(); i++) {
            b.close(base + i);
        }
        TreeSet<Integer> kept = new TreeSet<>();
        for (Move m : moves) {
            kept.add(m.to);
        }
        int first = 3;
        for (int fd : kept.tailSet(3)) {
            if (fd > first) {
                b.closeRange(first, fd - 1);
            }
            first = fd + 1;
        }
        b.closeRange(first, ALL);
        for (Step s : program.steps()) {
            b.step(s);
        }
        return new Prepared(Program.ofSteps(b.build().steps(), program.ownedFds()), errorFd >= 0 ? slot : null);
    }
}
