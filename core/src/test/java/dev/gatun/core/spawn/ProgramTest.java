package dev.gatun.core.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The program builder and its rendering: plain data, no kernel. */
class ProgramTest {

    @Test
    void aContainerProgramRendersOneLinePerStepAsAPersonWritesTheCalls() {
        Slot fd = Slot.named("oom");
        Program program = Program.builder()
                .sethostname("box")
                .mount(null, "/", null, 16384 | (1 << 18), null)
                .mount("proc", "/run/c1/rootfs/proc", "proc", 2 | 4 | 8, null)
                .mkdirIfMissing(LibC.AT_FDCWD, "/run/c1/rootfs/tmp", 01777)
                .openat(fd, LibC.AT_FDCWD, "/proc/self/oom_score_adj", LibC.O_WRONLY | LibC.O_CLOEXEC, 0)
                .write(fd, "500".getBytes())
                .pivotRoot(".", ".")
                .umount2(".", 2)
                .closeRangeCloexec(3)
                .parentDeathSignal(9)
                .unblockSignals()
                .execve("/bin/sh", List.of("sh", "-c", "echo \"hi\""), List.of("PATH=/bin"))
                .build();
        assertThat(program.render().lines().map(String::strip)).containsExactly(
                "0  sethostname(\"box\", 3)",
                "1  mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE, NULL)",
                "2  mount(\"proc\", \"/run/c1/rootfs/proc\", \"proc\", MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)",
                "3  mkdirat(AT_FDCWD, \"/run/c1/rootfs/tmp\", 01777) allowing EEXIST",
                "4  $oom = openat(AT_FDCWD, \"/proc/self/oom_score_adj\", O_WRONLY|O_CLOEXEC, 00)",
                "5  write($oom, \"500\", 3) == 3",
                "6  pivot_root(\".\", \".\")",
                "7  umount2(\".\", MNT_DETACH)",
                "8  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC)",
                "9  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0)",
                "10  rt_sigprocmask(SIG_SETMASK, &{}, NULL, 8)",
                "11  execve(\"/bin/sh\", [\"sh\", \"-c\", \"echo \\\"hi\\\"\"], [\"PATH=/bin\"])");
    }

    @Test
    void handshakeStepsNameThePipesAndExpectOneByte() {
        Program program = Program.builder().awaitParent().notifyParent().build();
        assertThat(program.render().lines().map(String::strip)).containsExactly(
                "0  read(release[0], buf[1], 1) == 1",
                "1  write(stage[1], \"!\", 1) == 1");
        assertThat(program.usesHandshake()).isTrue();
        assertThat(Program.builder().sethostname("x").build().usesHandshake()).isFalse();
    }

    @Test
    void theForkStepSaysWhoGoesOn() {
        Program program = Program.builder().fork().build();
        assertThat(program.render()).isEqualTo("  0  $forked_pid = clone(CLONE_VM|CLONE_VFORK|CLONE_PARENT, NULL, NULL, NULL, NULL)"
                + " (the caller exits; the new task goes on)");
        assertThat(program.forks()).isTrue();
    }

    @Test
    void theLegacyCloneAdaptationResetsHandlersWritesCgroupProcsAndReplacesCloseRange() {
        Program program = Program.builder().closeRangeCloexec(3).build();
        Program legacy = LegacyClone.adapt(program, SpawnOptions.defaults().cgroupFd(7));
        List<String> lines = legacy.steps().stream().map(Step::render).toList();
        assertThat(lines.subList(0, 64)).allMatch(l -> l.startsWith("rt_sigaction(") && l.endsWith("allowing EINVAL"));
        assertThat(lines.get(0)).isEqualTo("rt_sigaction(SIGHUP, &{SIG_DFL}, NULL, 8) allowing EINVAL");
        assertThat(lines.subList(64, 67)).containsExactly(
                "$cgroup_procs = openat(7, \"cgroup.procs\", O_WRONLY|O_CLOEXEC, 00)",
                "write($cgroup_procs, \"0\", 1) == 1",
                "close($cgroup_procs)");
        assertThat(lines.subList(67, lines.size())).isNotEmpty()
                .allMatch(l -> l.matches("fcntl\\(\\d+, F_SETFD, FD_CLOEXEC\\) allowing EBADF"));
    }

    @Test
    void flagsOutsideTheKnownSetRenderInHex() {
        Program program = Program.builder().mount("a", "b", "c", (1L << 40) | 1, "mode=755").build();
        assertThat(program.steps().getFirst().call()).isEqualTo("mount(\"a\", \"b\", \"c\", MS_RDONLY|0x10000000000, \"mode=755\")");
    }

    @Test
    void aStepRendersItsJudgement() {
        assertThat(Step.of("close", Arg.of(5)).allowing(Step.ANY_ERRNO).render()).isEqualTo("close(5) allowing any error");
        assertThat(Step.of("close", Arg.of(5)).allowing(Errno.EBADF).render()).isEqualTo("close(5) allowing EBADF");
    }

    @Test
    void badArgumentsAreRefusedAtOnce() {
        assertThatThrownBy(() -> Program.builder().chdir("a\0b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL");
        assertThatThrownBy(() -> Program.builder().dup3(-1, 1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("oldfd must be >= 0: -1");
        assertThatThrownBy(() -> Step.of("x", Arg.of(1), Arg.of(2), Arg.of(3), Arg.of(4), Arg.of(5), Arg.of(6), Arg.of(7)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 6");
        assertThatThrownBy(() -> Slot.named("not a name")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpawnOptions.defaults().namespaces(0x100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CLONE_VM");
    }

    @Test
    void exitStatusDecodesCodeSignalAndCore() {
        assertThat(ExitStatus.of(1, 42)).isEqualTo(new ExitStatus(42, 0, false));
        assertThat(ExitStatus.of(2, 9).toString()).isEqualTo("killed by SIGKILL");
        assertThat(ExitStatus.of(3, 11)).satisfies(s -> {
            assertThat(s.coreDumped()).isTrue();
            assertThat(s.exitValue()).isEqualTo(139);
        });
    }
}
