package dev.gatun.core.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.spawn.ExecutorImage.Clone;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every executor runs real programs, not only the host's: the program is laid out by the real
 * {@link ProgramImage} for the architecture ({@link ExecutorImage}), and
 * {@code core/src/test/c/executor_harness.c}, compiled for that architecture, maps it, calls the
 * executor and reports what a caller sees. The host's architecture runs natively, which proves
 * the harness; the other one runs under qemu-user ({@code qemu-aarch64-static} on the x86-64 CI
 * host), which proves the other executor's instructions.
 *
 * <p>qemu-user cannot run the executor's default clone: it refuses clone3 with ENOSYS (checked
 * with Debian 12's qemu 7.2) and emulates a legacy {@code CLONE_VM} clone only as a thread. So
 * under emulation the child comes from a plain fork (legacy clone with only the exit signal): the
 * signal-mask dance, the parent path's return, the step walker and the failure record are the
 * executor's own code either way; a child that shares the caller's memory (and so writes the
 * ctx's record) is proven for the host's executor only.
 *
 * <p>Needs gcc and a static libc for each architecture and qemu-user-static (.ci/run installs
 * them), so it runs in the kernel lane, where a missing tool fails.
 */
@KernelTest(root = false)
class ExecutorRunTest {

    @TempDir
    static Path tools;

    private static final Map<Arch, Path> HARNESS = new EnumMap<>(Arch.class);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @EnumSource(names = {"X86_64", "AARCH64"})
    void aProgramRunsEveryStepChainsAnFdAndExecs(Arch arch) throws Exception {
        String text = "written by the " + arch.tableName() + " executor\n";
        Program program = writeAndExec(text);

        List<String> report = run(arch, program, Clone.FORK);

        assertThat(report).containsExactly("clone pid", "pipe record none", "exit 0", "ctx record -1 0 0");
        assertThat(dir.resolve("made")).isDirectory();
        // the write through the chained fd, then env's own output on the fd dup3 made its stdout
        assertThat(Files.readString(dir.resolve("made/out"))).isEqualTo(text + "GATUN_EXECUTED=by-execve\n");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(names = {"X86_64", "AARCH64"})
    void aFailingStepReportsItsIndexAndErrnoAndStopsTheProgram(Arch arch) throws Exception {
        Program program = Program.builder()
                .syscall("mkdirat", Arg.dirfd(LibC.AT_FDCWD), new Arg.Text(dir.resolve("made").toString()), Arg.mode(0755))
                .openat(Slot.named("fd"), LibC.AT_FDCWD, dir.resolve("missing/file").toString(), LibC.O_RDONLY, 0)
                .syscall("mkdirat", Arg.dirfd(LibC.AT_FDCWD), new Arg.Text(dir.resolve("not-reached").toString()),
                        Arg.mode(0755))
                .build();

        List<String> report = run(arch, program, Clone.FORK);

        assertThat(report).containsExactly("clone pid", "pipe record 1 " + Errno.ENOENT + " -" + Errno.ENOENT,
                "exit 127", "ctx record -1 0 0");
        assertThat(dir.resolve("made")).isDirectory();
        assertThat(dir.resolve("not-reached")).doesNotExist();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(names = {"X86_64", "AARCH64"})
    void anUnexpectedResultIsAFailureWithErrnoZeroAndTheRawResult(Arch arch) throws Exception {
        Slot fd = Slot.named("fd");
        Program program = Program.builder()
                .openat(fd, LibC.AT_FDCWD, dir.resolve("out").toString(), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_CLOEXEC,
                        0644)
                .step(Step.of("write", Arg.valueOf(fd), Arg.bytes("abc".getBytes(StandardCharsets.US_ASCII)), Arg.of(3))
                        .expecting(4))
                .build();

        List<String> report = run(arch, program, Clone.FORK);

        assertThat(report).containsExactly("clone pid", "pipe record 1 0 3", "exit 127", "ctx record -1 0 0");
        assertThat(Files.readString(dir.resolve("out"))).isEqualTo("abc");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(names = {"X86_64", "AARCH64"})
    void aProgramThatRunsOutWithoutExecveExitsZero(Arch arch) throws Exception {
        Program program = Program.builder().mkdirIfMissing(LibC.AT_FDCWD, dir.toString(), 0755).build();

        assertThat(run(arch, program, Clone.FORK))
                .containsExactly("clone pid", "pipe record none", "exit 0", "ctx record -1 0 0");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(names = {"X86_64", "AARCH64"})
    void aRefusedCloneReturnsMinusErrnoAndRunsNoStep(Arch arch) throws Exception {
        Program program = Program.builder()
                .syscall("mkdirat", Arg.dirfd(LibC.AT_FDCWD), new Arg.Text(dir.resolve("not-made").toString()),
                        Arg.mode(0755))
                .build();

        assertThat(run(arch, program, Clone.REFUSED))
                .containsExactly("clone -" + Errno.EINVAL, "pipe record none", "ctx record -1 0 0");
        assertThat(dir.resolve("not-made")).doesNotExist();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(names = {"X86_64", "AARCH64"})
    void afterAForkStepTheCallerExitsZeroAndTheNewTaskRunsOn(Arch arch) throws Exception {
        Slot fd = Slot.named("fd");
        Program program = Program.builder()
                // a plain fork as the fork step (Program.fork() shares memory, which qemu-user cannot)
                .step(Step.of("clone", Arg.of(Program.SIGCHLD), Arg.nul(), Arg.nul(), Arg.nul(), Arg.nul())
                        .storingIn(Slot.named("pid")).withParentExits())
                .openat(fd, LibC.AT_FDCWD, dir.resolve("out").toString(), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_CLOEXEC,
                        0644)
                .write(fd, "from the new task".getBytes(StandardCharsets.US_ASCII))
                .openat(Slot.named("missing"), LibC.AT_FDCWD, dir.resolve("missing/file").toString(), LibC.O_RDONLY, 0)
                .build();

        assertThat(run(arch, program, Clone.FORK)).containsExactly("clone pid",
                "pipe record 3 " + Errno.ENOENT + " -" + Errno.ENOENT, "exit 0", "ctx record -1 0 0",
                "descendant exit 127");
        assertThat(Files.readString(dir.resolve("out"))).isEqualTo("from the new task");
    }

    /** The host's executor only (see the class doc): the default mode, whose child shares the caller's memory. */
    @Test
    void withCloneVmTheChildAlsoWritesTheRecordIntoTheCallersCtx() throws Exception {
        Arch arch = Arch.current();
        Program failing = Program.builder()
                .openat(Slot.named("fd"), LibC.AT_FDCWD, dir.resolve("missing/file").toString(), LibC.O_RDONLY, 0)
                .build();
        assertThat(run(arch, failing, Clone.CLONE3_VM_VFORK)).containsExactly("clone pid",
                "pipe record 0 2 -2", "exit 127", "ctx record 0 2 -2");

        String text = "written by a CLONE_VM child\n";
        assertThat(run(arch, writeAndExec(text), Clone.CLONE3_VM_VFORK))
                .containsExactly("clone pid", "pipe record none", "exit 0", "ctx record -1 0 0");
        assertThat(Files.readString(dir.resolve("made/out"))).isEqualTo(text + "GATUN_EXECUTED=by-execve\n");
    }

    /**
     * mkdirat; the same allowing EEXIST; $out = openat; write($out) == len (an indirect argument
     * and an expected result); dup3($out, 1); execve env, which prints its environment.
     */
    private Program writeAndExec(String text) {
        Slot out = Slot.named("out");
        String made = dir.resolve("made").toString();
        return Program.builder()
                .syscall("mkdirat", Arg.dirfd(LibC.AT_FDCWD), new Arg.Text(made), Arg.mode(0755))
                .mkdirIfMissing(LibC.AT_FDCWD, made, 0755)
                .openat(out, LibC.AT_FDCWD, made + "/out", LibC.O_WRONLY | LibC.O_CREAT | LibC.O_CLOEXEC, 0644)
                .write(out, text.getBytes(StandardCharsets.UTF_8))
                .dup3(out, 1, 0)
                .execve("/usr/bin/env", List.of("env"), List.of("GATUN_EXECUTED=by-execve"))
                .build();
    }

    /**
     * Runs {@code program} through the harness for {@code arch}, under the host's harness as the
     * subreaper that reaps what a fork step leaves; returns the report lines.
     */
    private List<String> run(Arch arch, Program program, Clone clone) throws IOException, InterruptedException {
        Path image = dir.resolve("program-" + arch.tableName() + ".img");
        Files.write(image, ExecutorImage.of(program, arch, clone));
        List<String> command = new ArrayList<>(List.of(harness(Arch.current()).toString(), "--reap"));
        if (arch != Arch.current()) {
            command.add(require("qemu-" + arch.tableName() + "-static", "qemu-user-static"));
        }
        command.add(harness(arch).toString());
        command.add(image.toString());
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + " printed:\n" + out).isZero();
        return out.lines().toList();
    }

    /** The harness, compiled once per architecture: static, so it runs under qemu-user without a sysroot. */
    private static synchronized Path harness(Arch arch) throws IOException, InterruptedException {
        Path compiled = HARNESS.get(arch);
        if (compiled == null) {
            String triple = arch.tableName() + "-linux-gnu";
            String gcc = arch == Arch.current() ? require("gcc", "gcc")
                    : require(triple + "-gcc", "gcc-" + triple.replace('_', '-') + " and its static libc");
            compiled = tools.resolve("executor_harness-" + arch.tableName());
            Process p = new ProcessBuilder(gcc, "-static", "-O1", "-Wall", "-Werror", "-o", compiled.toString(),
                    "src/test/c/executor_harness.c").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            Kernel.require(!out.contains("cannot find -lc"), gcc + " has no static libc (libc6-dev for " + triple + ")");
            assertThat(p.exitValue()).as(gcc + ":\n" + out).isZero();
            HARNESS.put(arch, compiled);
        }
        return compiled;
    }

    private static String require(String tool, String packageName) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return tool;
            }
        }
        Kernel.require(false, tool + " is not installed (Debian: " + packageName + ")");
        return tool;
    }
}
