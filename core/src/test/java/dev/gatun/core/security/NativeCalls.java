package dev.gatun.core.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.linux.SyscallTable;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The few libc calls the security kernel tests make through FFM, each capturing errno per call,
 * and a way to run them on a throwaway platform thread. Test scope: the spawn engine has its own
 * binding; these tests check the planner's output against the kernel without it.
 */
final class NativeCalls {

    static final int AT_FDCWD = -100;

    private NativeCalls() {}

    /** A call's return value and the errno it left (meaningful when it returned -1). */
    record Result(long value, int errno) {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle PRCTL = downcall("prctl", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL = downcall("syscall", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle MKDIRAT = downcall("mkdirat", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle UNAME = downcall("uname", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS));

    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        System.arraycopy(options, 0, all, 0, options.length);
        all[options.length] = Linker.Option.captureCallState("errno");
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd, all);
    }

    /**
     * Executes {@code step} on the calling thread as the spawn engine's child would. Not
     * {@link SecurityStep.Prlimit}: resource limits belong to the whole process, here the JVM.
     */
    static Result invoke(SecurityStep step) throws Throwable {
        return switch (step) {
            case SecurityStep.Prctl p -> prctl(p.option(), p.arg2(), p.arg3());
            case SecurityStep.Capset c -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment header = arena.allocate(8, 8).copyFrom(MemorySegment.ofArray(c.header()));
                    MemorySegment data = arena.allocate(24, 8).copyFrom(MemorySegment.ofArray(c.data()));
                    yield syscall(SyscallTable.current().number("capset"), header.address(), data.address(), 0, 0);
                }
            }
            case SecurityStep.SeccompLoad l -> {
                SeccompProgram program = l.program();
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment filter = arena.allocate(program.filter().length, 8);
                    filter.copyFrom(MemorySegment.ofArray(program.filter()));
                    MemorySegment fprog = arena.allocate(16, 8); // unsigned short len; struct sock_filter *filter
                    fprog.set(ValueLayout.JAVA_SHORT, 0, (short) program.instructions());
                    fprog.set(ValueLayout.ADDRESS, 8, filter);
                    yield syscall(SyscallTable.current().number("seccomp"), SeccompProgram.SECCOMP_SET_MODE_FILTER,
                            program.flags(), fprog.address(), 0);
                }
            }
            case SecurityStep.Prlimit p -> throw new AssertionError("not on a JVM thread: " + p.describe());
        };
    }

    /** The calling thread's {@code /proc/thread-self/status}, field by field. */
    static Map<String, String> threadStatus() throws java.io.IOException {
        Map<String, String> fields = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
            int colon = line.indexOf(':');
            fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
        }
        return fields;
    }

    /** A hexadecimal capability mask field of {@link #threadStatus()}. */
    static long capabilityMask(Map<String, String> status, String field) {
        return Long.parseUnsignedLong(status.get(field), 16);
    }

    /** The raw setresuid syscall: this thread only, unlike glibc's wrapper, which changes all. */
    static Result setresuid(int uid) throws Throwable {
        return syscall(SyscallTable.current().number("setresuid"), uid, uid, uid, 0);
    }

    static Result prctl(int option, long arg2) throws Throwable {
        return prctl(option, arg2, 0);
    }

    static Result prctl(int option, long arg2, long arg3) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) PRCTL.invokeExact(state, option, arg2, arg3, 0L, 0L);
            return new Result(rc, (int) ERRNO.get(state, 0L));
        }
    }

    static Result syscall(int nr, long a, long b, long c, long d) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long rc = (long) SYSCALL.invokeExact(state, (long) nr, a, b, c, d);
            return new Result(rc, (int) ERRNO.get(state, 0L));
        }
    }

    static Result mkdirat(Path path, int mode) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) MKDIRAT.invokeExact(state, AT_FDCWD, arena.allocateFrom(path.toString()), mode);
            return new Result(rc, (int) ERRNO.get(state, 0L));
        }
    }

    static Result uname() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) UNAME.invokeExact(state, arena.allocate(65 * 6));
            return new Result(rc, (int) ERRNO.get(state, 0L));
        }
    }

    /** Runs {@code work} on a new platform thread, which then ends, taking its filter with it. */
    interface ThrowingCallable<T> {
        T call() throws Throwable;
    }

    static <T> T onFreshThread(ThrowingCallable<T> work) throws InterruptedException {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().name("seccomp-test").unstarted(() -> {
            try {
                result.set(work.call());
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        thread.start();
        thread.join(java.time.Duration.ofSeconds(30));
        assertThat(thread.isAlive()).as("the filtered thread ended").isFalse();
        if (failure.get() != null) {
            throw new AssertionError("on the filtered thread", failure.get());
        }
        return result.get();
    }
}
