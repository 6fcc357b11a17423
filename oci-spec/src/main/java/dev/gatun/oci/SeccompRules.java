package dev.gatun.oci;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The rules of config-linux.md's seccomp section. */
final class SeccompRules {

    static final Set<String> ACTIONS = Set.of("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
            "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY");
    static final Set<String> ARCHITECTURES = Set.of("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
            "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_MIPS",
            "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
            "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
            "SCMP_ARCH_S390X", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
            "SCMP_ARCH_RISCV64");
    static final Set<String> FLAGS = Set.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
    static final Set<String> OPERATORS = Set.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
            "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");
    /** The actions that return an errno, and so may carry errnoRet. */
    private static final Set<String> ERRNO_ACTIONS = Set.of("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE");

    private SeccompRules() {}

    /** Returns whether libseccomp knows a syscall called {@code name} on some architecture. */
    static boolean isKnownSyscall(String name) {
        return Names.SYSCALLS.contains(name);
    }

    static void check(Problems p, String at, Seccomp s) {
        boolean notify = "SCMP_ACT_NOTIFY".equals(s.defaultAction());
        if (p.required(at + ".defaultAction", s.defaultAction())) {
            p.oneOf(at + ".defaultAction", s.defaultAction(), ACTIONS);
        }
        errnoRet(p, at + ".defaultErrnoRet", s.defaultErrnoRet(), s.defaultAction());
        p.eachOneOf(at + ".architectures", s.architectures(), ARCHITECTURES);
        p.eachOneOf(at + ".flags", s.flags(), FLAGS);
        List<Seccomp.Syscall> syscalls = s.syscalls();
        if (syscalls != null) {
            for (int i = 0; i < syscalls.size(); i++) {
                notify |= syscall(p, Paths.index(at + ".syscalls", i), syscalls.get(i));
            }
        }
        if (s.listenerMetadata() != null && s.listenerPath() == null) {
            p.add(at + ".listenerMetadata", "must not be set without listenerPath");
        }
        if (notify && (s.listenerPath() == null || s.listenerPath().isEmpty())) {
            p.add(at + ".listenerPath", "is required when an action is SCMP_ACT_NOTIFY: the socket to pass the notify fd to");
        }
    }

    /** Checks one rule; returns whether its action is SCMP_ACT_NOTIFY. */
    private static boolean syscall(Problems p, String at, Seccomp.Syscall rule) {
        if (rule.names() == null || rule.names().isEmpty()) {
            p.add(at + ".names", "must name at least one syscall");
        } else {
            for (int i = 0; i < rule.names().size(); i++) {
                String name = rule.names().get(i);
                if (!isKnownSyscall(name)) {
                    p.add(Paths.index(at + ".names", i), "unknown syscall \"" + name + "\" (not in libseccomp's table for any architecture)");
                }
            }
        }
        if (p.required(at + ".action", rule.action())) {
            p.oneOf(at + ".action", rule.action(), ACTIONS);
        }
        errnoRet(p, at + ".errnoRet", rule.errnoRet(), rule.action());
        if (rule.args() != null) {
            for (int i = 0; i < rule.args().size(); i++) {
                String here = Paths.index(at + ".args", i);
                Seccomp.Arg arg = rule.args().get(i);
                if (p.required(here + ".index", arg.index())) {
                    p.range(here + ".index", arg.index(), 0, 5);
                }
                p.required(here + ".value", arg.value());
                if (p.required(here + ".op", arg.op())) {
                    p.oneOf(here + ".op", arg.op(), OPERATORS);
                }
            }
        }
        return "SCMP_ACT_NOTIFY".equals(rule.action());
    }

    private static void errnoRet(Problems p, String at, Long errno, String action) {
        if (errno == null) {
            return;
        }
        p.uint32(at, errno);
        // the filter's return value holds 16 bits of data, and the kernel caps an errno at 4095
        if (errno >= 0 && errno <= Problems.UINT32_MAX) {
            if ("SCMP_ACT_ERRNO".equals(action) && errno > 4095) {
                p.add(at, errno + " is out of range: an errno is 0 to 4095 (MAX_ERRNO)");
            } else if ("SCMP_ACT_TRACE".equals(action) && errno > 0xFFFF) {
                p.add(at, errno + " is out of range: a trace message is 0 to 65535");
            }
        }
        // an unknown action is reported on its own; whether it takes an errno is then moot
        if (action != null && ACTIONS.contains(action) && !ERRNO_ACTIONS.contains(action)) {
            p.add(at, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an errno; " + action + " cannot");
        }
    }

    /** The syscall-name list, loaded on first use. */
    private static final class Names {
        static final Set<String> SYSCALLS = load();

        private static Set<String> load() {
            Set<String> names = new HashSet<>();
            try (InputStream in = SeccompRules.class.getResourceAsStream("syscall-names.txt")) {
                if (in == null) {
                    throw new IllegalStateException("syscall-names.txt is missing from the dev.gatun.oci module");
                }
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line; (line = reader.readLine()) != null; ) {
                    if (!line.isBlank() && !line.startsWith("#")) {
                        names.add(line.strip());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read syscall-names.txt", e);
            }
            return Set.copyOf(names);
        }
    }
}
