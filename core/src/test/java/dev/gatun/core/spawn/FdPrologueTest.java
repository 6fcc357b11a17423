package dev.gatun.core.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The fd prologue, run on a model of the child's fd table: whatever the JVM's numbers, the child
 * ends with exactly the planned fds, and the executor's error fd names the error pipe at every step.
 */
class FdPrologueTest {

    @Test
    void theChildEndsWithExactlyThePlannedFdsWhateverTheJvmsNumbers() {
        // sources that collide with targets and with each other: stdout and stderr share one
        // pipe, the error pipe sits on 4, a namespace fd on 3, stdin on 0 already
        Program.Builder b = Program.builder().stdio(0, 0).stdio(1, 5).stdio(2, 5);
        int ns = b.inherit(3);
        assertThat(ns).isEqualTo(Program.FIRST_INHERITED_FD);
        assertThat(b.inherit(3)).as("the same fd twice").isEqualTo(ns);
        Program program = b.syscall("getpid").build();
        Map<Integer, String> jvm = new TreeMap<>();
        for (int fd = 0; fd < 40; fd++) {
            jvm.put(fd, "jvm" + fd);
        }
        jvm.put(3, "ns");
        jvm.put(4, "err");
        jvm.put(5, "out");
        jvm.put(6, "release");
        jvm.put(17, "stage");

        FdPrologue.Prepared prepared = FdPrologue.prepend(program, 4, 6, 17);
        Map<Integer, String> table = run(prepared, jvm, 4);

        assertThat(table).containsExactlyInAnyOrderEntriesOf(Map.of(0, "jvm0", 1, "out", 2, "out", 3, "err",
                4, "release", 5, "stage", 6, "ns"));
        assertThat(prepared.program().steps().getLast().syscall()).isEqualTo("getpid");
    }

    @Test
    void aPlainSpawnKeepsOnlyItsStdio() {
        Program program = Program.builder().stdio(0, 12).stdio(1, 13).stdio(2, 13).build();
        Map<Integer, String> jvm = new TreeMap<>();
        for (int fd = 0; fd < 20; fd++) {
            jvm.put(fd, "jvm" + fd);
        }
        FdPrologue.Prepared prepared = FdPrologue.prepend(program, -1, -1, -1);
        assertThat(prepared.errorFd()).isNull();
        assertThat(run(prepared, jvm, -1)).containsExactlyInAnyOrderEntriesOf(Map.of(0, "jvm12", 1, "jvm13", 2, "jvm13"));
    }

    @Test
    void stdioSurvivesExecAndEverythingElseIsCloseOnExec() {
        Program program = Program.builder().stdio(1, 9).build();
        List<String> rendered = FdPrologue.prepend(program, 7, 8, 10).program().render().lines().toList();
        assertThat(rendered).anyMatch(l -> l.endsWith("= dup3(11, 3, O_CLOEXEC)") && l.contains("$error_fd"));
        assertThat(rendered).anyMatch(l -> l.endsWith("dup3(14, 1, 0)"));
        assertThat(rendered).anyMatch(l -> l.endsWith("close_range(6, ~0U, 0)"));
    }

    @Test
    void ownFdTableMustComeBeforeTheFirstInherit() {
        Program.Builder b = Program.builder();
        assertThat(b.inherit(9)).as("a program that keeps the JVM's table uses its numbers").isEqualTo(9);
        assertThatThrownBy(b::ownFdTable).isInstanceOf(IllegalStateException.class);
    }

    /** Runs the prologue's dup3, close and close_range steps on {@code start}; checks the error fd at each. */
    private static Map<Integer, String> run(FdPrologue.Prepared prepared, Map<Integer, String> start, int errorFd) {
        Map<Integer, String> t = new HashMap<>(start);
        int ctxErrorFd = errorFd;
        for (Step s : prepared.program().steps()) {
            long[] a = s.args().stream().mapToLong(FdPrologueTest::value).toArray();
            switch (s.syscall()) {
                case "dup3" -> {
                    assertThat(a[0]).isNotEqualTo(a[1]);
                    assertThat(t).as("dup3 of a closed fd: " + s.render()).containsKey((int) a[0]);
                    t.put((int) a[1], t.get((int) a[0]));
                    if (prepared.errorFd() != null && prepared.errorFd().equals(s.result())) {
                        ctxErrorFd = (int) a[1];
                    }
                }
                case "close" -> t.remove((int) a[0]);
                case "close_range" -> t.keySet().removeIf(fd -> fd >= a[0] && fd <= (a[1] & 0xFFFF_FFFFL));
                default -> { }
            }
            if (errorFd >= 0) {
                assertThat(t.get(ctxErrorFd)).as("the error fd after " + s.render()).isEqualTo(start.get(errorFd));
            }
        }
        return t;
    }

    private static long value(Arg arg) {
        return switch (arg) {
            case Arg.Number n -> n.value();
            case Arg.Value v -> v.value();
            default -> throw new AssertionError(arg);
        };
    }
}
