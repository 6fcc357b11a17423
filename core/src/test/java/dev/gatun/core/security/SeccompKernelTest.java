package dev.gatun.core.security;

import static dev.gatun.core.security.NativeCalls.onFreshThread;
import static dev.gatun.core.security.NativeCalls.mkdirat;
import static dev.gatun.core.security.NativeCalls.invoke;
import static dev.gatun.core.security.NativeCalls.syscall;
import static dev.gatun.core.security.NativeCalls.uname;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.KernelVersion;
import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.SyscallTable;
import dev.gatun.core.security.NativeCalls.Result;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads compiled filters into the real kernel, each on a platform thread of its own that ends
 * right after (a seccomp filter binds the thread that installs it and the threads it creates,
 * never its siblings), and watches what the kernel then returns. Every filter here lets through
 * what a JVM thread needs to exit (futex, munmap, madvise, exit, rt_sigprocmask ...). The
 * syscalls are made through FFM downcalls in this test; the spawn engine is not involved.
 */
@KernelTest
class SeccompKernelTest {

    private static final int EXDEV = 18;
    private static final int EINVAL = 22;
    private static final int ENOSYS = 38;
    private static final int EOPNOTSUPP = 95;
    private static final int EPERM = 1;
    private static final int SECCOMP_GET_ACTION_AVAIL = 2;

    // a field, not a parameter: created before @BeforeEach, so its fds (SecureRandom's) predate the snapshot
    @TempDir
    Path dir;

    private HostSnapshot before;

    @BeforeEach
    void snapshot() {
        Kernel.require(Kernel.isRoot(), "loading seccomp filters in this test needs root");
        before = HostSnapshot.take();
    }

    @AfterEach
    void noLeaks() {
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void aDeniedCallFailsWithTheFiltersErrnoWhileAllowedCallsAndOtherThreadsWork()
            throws Throwable {
        SeccompPolicy policy = SeccompPolicy.of(SeccompAction.allow(),
                SeccompPolicy.withSubArchitectures(Arch.current()), List.of(
                        new SeccompRule(List.of("mkdirat"), SeccompAction.errno(EXDEV),
                                List.of(ArgCondition.of(2, ArgCondition.Op.EQ, 0700))),
                        SeccompRule.of(SeccompAction.errno(EOPNOTSUPP), "uname")))
                .withFlags(Set.of(SeccompPolicy.Flag.LOG));
        SeccompProgram program = SeccompCompiler.compile(policy);

        List<Result> r = onFreshThread(() -> {
            Result unameBefore = uname();
            Result load = load(program);
            return List.of(unameBefore, load, mkdirat(dir.resolve("denied"), 0700), mkdirat(dir.resolve("allowed"), 0755),
                    uname());
        });

        assertThat(r.get(0).value()).as("uname before the filter").isZero();
        assertThat(r.get(1).value()).as("seccomp(SECCOMP_SET_MODE_FILTER) errno %d", r.get(1).errno()).isZero();
        assertThat(r.get(2)).isEqualTo(new Result(-1, EXDEV));
        assertThat(dir.resolve("denied")).doesNotExist();
        assertThat(r.get(3).value()).isZero();
        assertThat(dir.resolve("allowed")).isDirectory();
        assertThat(r.get(4)).isEqualTo(new Result(-1, EOPNOTSUPP));
        assertThat(uname().value()).as("uname on a thread without the filter").isZero();
    }

    @Test
    void theDefaultProfileLoadsAndTheKernelDecidesAsTheInterpreterDoes() throws Throwable {
        SeccompPolicy policy = ContainersSeccompProfile.bundled().policy(Arch.current(), CapabilitySets.DOCKER_DEFAULT,
                KernelVersion.parse(System.getProperty("os.version")));
        SeccompProgram program = SeccompCompiler.compile(policy);
        SyscallTable table = SyscallTable.current();

        List<Result> r = onFreshThread(() -> List.of(
                load(program),
                uname(),
                syscall(table.number("add_key"), 0, 0, 0, 0),
                syscall(table.number("kexec_load"), 0, 0, 0, 0),
                syscall(table.number("personality"), 0xFFFF_FFFFL, 0, 0, 0),
                syscall(table.number("personality"), 6, 0, 0, 0)));

        assertThat(r.get(0).value()).as("load errno %d", r.get(0).errno()).isZero();
        assertThat(r.get(1).value()).isZero();
        assertThat(r.get(2)).isEqualTo(new Result(-1, ENOSYS));
        assertThat(r.get(3)).isEqualTo(new Result(-1, EPERM));
        assertThat(r.get(4).value()).as("personality query").isNotNegative();
        assertThat(r.get(5)).isEqualTo(new Result(-1, ENOSYS));
    }

    @Test
    void aMalformedProgramIsRefusedByTheKernelWithEinval() throws Throwable {
        ByteBuffer bad = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        bad.putShort((short) 0x20).put((byte) 0).put((byte) 0).putInt(1000); // load beyond seccomp_data
        bad.putShort((short) 0x06).put((byte) 0).put((byte) 0).putInt(0x7FFF_0000);
        SeccompProgram program = new SeccompProgram(bad.array(), 0);

        Result r = onFreshThread(() -> load(program));

        assertThat(r).isEqualTo(new Result(-1, EINVAL));
    }

    @Test
    void everyActionTheCompilerEncodesIsAvailableInThisKernel() throws Throwable {
        for (SeccompAction.Kind kind : SeccompAction.Kind.values()) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment action = arena.allocate(ValueLayout.JAVA_INT);
                action.set(ValueLayout.JAVA_INT, 0, kind.ret());
                Result r = syscall(SyscallTable.current().number("seccomp"), SECCOMP_GET_ACTION_AVAIL, 0,
                        action.address(), 0);
                assertThat(r.value()).as("%s (errno %d)", kind, r.errno()).isZero();
            }
        }
    }

    /** Sets no_new_privs and installs {@code program} on the calling thread. */
    private static Result load(SeccompProgram program) throws Throwable {
        Result nnp = invoke(SecurityDefaults.noNewPrivs());
        return nnp.value() != 0 ? nnp : invoke(new SecurityStep.SeccompLoad(program));
    }

}
