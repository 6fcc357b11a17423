package dev.gatun.core.security;

import dev.gatun.core.linux.Arch;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The system's libseccomp, driven through FFM as runc drives it, as a test oracle: the same
 * {@link SeccompPolicy} built by libseccomp and exported as BPF ({@code seccomp_export_bpf}),
 * to be run beside Gatun's program in {@link BpfInterpreter}. Test scope only; Gatun does not
 * use libseccomp. Debian's {@code apt} depends on {@code libseccomp2}, so it is on every Debian
 * host.
 */
final class Libseccomp {

    private static final String LIBRARY = "libseccomp.so.2";
    private static final int SCMP_FLTATR_ACT_BADARCH = 2;
    private static final int NR_SCMP_ERROR = -1;
    private static final int O_WRONLY_CREAT_TRUNC = 01 | 0100 | 01000;

    private final MethodHandle init;
    private final MethodHandle release;
    private final MethodHandle archAdd;
    private final MethodHandle archRemove;
    private final MethodHandle attrSet;
    private final MethodHandle resolveName;
    private final MethodHandle ruleAddArray;
    private final MethodHandle exportBpf;
    private final MethodHandle resolveNumArch;
    private final MethodHandle free;
    private final MethodHandle open;
    private final MethodHandle close;

    private Libseccomp(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        java.lang.foreign.AddressLayout p = ValueLayout.ADDRESS;
        init = linker.downcallHandle(lib.findOrThrow("seccomp_init"), FunctionDescriptor.of(p, i));
        release = linker.downcallHandle(lib.findOrThrow("seccomp_release"), FunctionDescriptor.ofVoid(p));
        archAdd = linker.downcallHandle(lib.findOrThrow("seccomp_arch_add"), FunctionDescriptor.of(i, p, i));
        archRemove = linker.downcallHandle(lib.findOrThrow("seccomp_arch_remove"), FunctionDescriptor.of(i, p, i));
        attrSet = linker.downcallHandle(lib.findOrThrow("seccomp_attr_set"), FunctionDescriptor.of(i, p, i, i));
        resolveName = linker.downcallHandle(lib.findOrThrow("seccomp_syscall_resolve_name"),
                FunctionDescriptor.of(i, p));
        ruleAddArray = linker.downcallHandle(lib.findOrThrow("seccomp_rule_add_array"),
                FunctionDescriptor.of(i, p, i, i, i, p));
        exportBpf = linker.downcallHandle(lib.findOrThrow("seccomp_export_bpf"), FunctionDescriptor.of(i, p, i));
        resolveNumArch = linker.downcallHandle(lib.findOrThrow("seccomp_syscall_resolve_num_arch"),
                FunctionDescriptor.of(p, i, i));
        SymbolLookup libc = linker.defaultLookup();
        free = linker.downcallHandle(libc.findOrThrow("free"), FunctionDescriptor.ofVoid(p));
        open = linker.downcallHandle(libc.findOrThrow("open"), FunctionDescriptor.of(i, p, i, i),
                Linker.Option.firstVariadicArg(2));
        close = linker.downcallHandle(libc.findOrThrow("close"), FunctionDescriptor.of(i, i));
    }

    /** The system's libseccomp, or empty when it is not installed. */
    static Optional<Libseccomp> load() {
        try {
            return Optional.of(new Libseccomp(SymbolLookup.libraryLookup(LIBRARY, Arena.global())));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** libseccomp's architecture token: the AUDIT_ARCH value, except x32's own. */
    private static int token(Arch arch) {
        return arch == Arch.X32 ? 0x4000_003E : (int) arch.auditArch();
    }

    /**
     * Builds {@code policy} with libseccomp the way runc does (skipping rules with the default
     * action and names libseccomp cannot resolve) and exports the BPF.
     */
    SeccompProgram compile(SeccompPolicy policy, Path scratch) throws Throwable {
        MemorySegment ctx = (MemorySegment) init.invokeExact(policy.defaultAction().ret());
        try (Arena arena = Arena.ofConfined()) {
            check((int) archRemove.invokeExact(ctx, 0), "seccomp_arch_remove(native)");
            for (Arch arch : policy.architectures()) {
                check((int) archAdd.invokeExact(ctx, token(arch)), "seccomp_arch_add(" + arch + ")");
            }
            check((int) attrSet.invokeExact(ctx, SCMP_FLTATR_ACT_BADARCH, policy.badArchAction().ret()),
                    "seccomp_attr_set(ACT_BADARCH)");
            for (SeccompRule rule : policy.rules()) {
                if (rule.action().equals(policy.defaultAction())) {
                    continue;
                }
                MemorySegment args = arena.allocate(24L * Math.max(1, rule.conditions().size()), 8);
                for (int c = 0; c < rule.conditions().size(); c++) {
                    ArgCondition cond = rule.conditions().get(c);
                    long base = 24L * c;
                    args.set(ValueLayout.JAVA_INT, base, cond.index());
                    args.set(ValueLayout.JAVA_INT, base + 4, cond.op().ordinal() + 1); // SCMP_CMP_NE = 1 ...
                    args.set(ValueLayout.JAVA_LONG, base + 8, cond.value());
                    args.set(ValueLayout.JAVA_LONG, base + 16, cond.valueTwo());
                }
                for (String name : rule.names()) {
                    int nr = (int) resolveName.invokeExact(arena.allocateFrom(name));
                    if (nr == NR_SCMP_ERROR) {
                        continue; // runc: "not supported by this kernel", warn and go on
                    }
                    int rc = (int) ruleAddArray.invokeExact(ctx, rule.action().ret(), nr,
                            rule.conditions().size(), args);
                    if (rc == -17) {
                        throw new Refused("seccomp_rule_add_array(" + name + ", " + rule + "): EEXIST");
                    }
                    check(rc, "seccomp_rule_add_array(" + name + ", " + rule + ")");
                }
            }
            int fd = (int) open.invokeExact(arena.allocateFrom(scratch.toString()), O_WRONLY_CREAT_TRUNC, 0600);
            check(fd, "open(" + scratch + ")");
            int rc = (int) exportBpf.invokeExact(ctx, fd);
            int closed = (int) close.invokeExact(fd);
            check(rc, "seccomp_export_bpf");
            check(closed, "close");
            return new SeccompProgram(Files.readAllBytes(scratch), 0);
        } finally {
            release.invokeExact(ctx);
        }
    }

    /**
     * libseccomp's name for call {@code nr} (as BPF sees it, x32 bit included) on {@code arch},
     * empty when its table has none: its table can be older than Gatun's.
     */
    Optional<String> name(Arch arch, long nr) throws Throwable {
        MemorySegment name = (MemorySegment) resolveNumArch.invokeExact(token(arch), (int) nr);
        if (name.equals(MemorySegment.NULL)) {
            return Optional.empty();
        }
        try {
            return Optional.of(name.reinterpret(256).getString(0));
        } finally {
            free.invokeExact(name);
        }
    }

    /** libseccomp refused a rule that conflicts with an earlier one (EEXIST). */
    static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    private static void check(int rc, String call) throws IOException {
        if (rc < 0) {
            throw new IOException(call + " returned " + rc);
        }
    }
}
