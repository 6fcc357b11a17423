package dev.gatun.core.plan;

import dev.gatun.core.linux.Arch;
import dev.gatun.core.security.ArgCondition;
import dev.gatun.core.security.SeccompAction;
import dev.gatun.core.security.SeccompPolicy;
import dev.gatun.core.security.SeccompRule;
import dev.gatun.oci.InvalidSpecException;
import dev.gatun.oci.Seccomp;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Converts the OCI {@code linux.seccomp} object to the security package's {@link SeccompPolicy}
 * (which compiles to BPF), and back, for the sandbox default profile that the builder writes into
 * its spec.
 *
 * <p>Rules as runc (libseccomp) applies them: no listed architecture means the native one; an
 * architecture Gatun has no table for is skipped (its calls meet the bad-architecture action, as
 * they would on a kernel that lacks it); conditions on the same argument within one entry are
 * alternatives ({@link SeccompRule#fromOci}).
 */
public final class SeccompMapping {

    private SeccompMapping() {}

    /**
     * The policy an OCI seccomp object describes, for a process on {@code nativeArch}.
     *
     * @throws InvalidSpecException naming {@code $.linux.seccomp...} for an unknown action,
     *     operator or flag, or a listener (not supported yet)
     */
    public static SeccompPolicy toPolicy(Seccomp s, Arch nativeArch) {
        try {
            Set<Arch> arches = EnumSet.noneOf(Arch.class);
            arches.add(nativeArch);
            for (String a : Absent.list(s.architectures())) {
                java.util.Optional<Arch> known = arch(a);
                if (known.isPresent()) {
                    arches.add(known.get());
                }
            }
            if (s.listenerPath() != null) {
                throw Invalid.spec("$.linux.seccomp.listenerPath", "seccomp notification listeners are not supported yet");
            }
            SeccompAction defaultAction = SeccompAction.of(s.defaultAction(), toInt(s.defaultErrnoRet()));
            List<SeccompRule> rules = new ArrayList<>();
            List<Seccomp.Syscall> syscalls = Absent.list(s.syscalls());
            for (int i = 0; i < syscalls.size(); i++) {
                Seccomp.Syscall sc = syscalls.get(i);
                List<ArgCondition> conditions = new ArrayList<>();
                for (Seccomp.Arg arg : Absent.list(sc.args())) {
                    conditions.add(new ArgCondition(Math.toIntExact(arg.index()), ArgCondition.Op.of(arg.op()),
                            arg.value() == null ? 0 : arg.value(), arg.valueTwo() == null ? 0 : arg.valueTwo()));
                }
                rules.addAll(SeccompRule.fromOci(Absent.list(sc.names()), SeccompAction.of(sc.action(), toInt(sc.errnoRet())),
                        conditions));
            }
            Set<SeccompPolicy.Flag> flags = EnumSet.noneOf(SeccompPolicy.Flag.class);
            for (String f : Absent.list(s.flags())) {
                flags.add(SeccompPolicy.Flag.of(f));
            }
            return SeccompPolicy.of(defaultAction, List.copyOf(arches), rules).withFlags(flags);
        } catch (InvalidSpecException e) {
            throw e;
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw Invalid.spec("$.linux.seccomp", e.getMessage(), e);
        }
    }

    /** The OCI form of {@code policy}: what the sandbox builder writes into {@code linux.seccomp}. */
    public static Seccomp toOci(SeccompPolicy policy) {
        List<Seccomp.Syscall> syscalls = new ArrayList<>();
        for (SeccompRule rule : policy.rules()) {
            Set<Integer> indexes = new LinkedHashSet<>();
            for (ArgCondition c : rule.conditions()) {
                if (!indexes.add(c.index())) {
                    // OCI would read two conditions on one argument as alternatives, not both
                    throw new IllegalArgumentException("a rule for " + rule.names() + " has two conditions on argument "
                            + c.index() + ", which OCI cannot express");
                }
            }
            List<Seccomp.Arg> args = new ArrayList<>(rule.conditions().size());
            for (ArgCondition c : rule.conditions()) {
                args.add(new Seccomp.Arg((long) c.index(), c.value(), c.valueTwo(), "SCMP_CMP_" + c.op().name()));
            }
            syscalls.add(new Seccomp.Syscall(rule.names(), actionName(rule.action()), errnoRet(rule.action()), args));
        }
        List<String> arches = new ArrayList<>();
        for (Arch a : policy.architectures()) {
            arches.add("SCMP_ARCH_" + a.name());
        }
        List<String> flags = new ArrayList<>();
        for (var f : policy.flags()) {
            flags.add("SECCOMP_FILTER_FLAG_" + f.name());
        }
        return new Seccomp(actionName(policy.defaultAction()), errnoRet(policy.defaultAction()), arches, flags, null, null,
                syscalls);
    }

    private static String actionName(SeccompAction a) {
        return "SCMP_ACT_" + a.kind().name();
    }

    private static Long errnoRet(SeccompAction a) {
        return a.kind() == SeccompAction.Kind.ERRNO || a.kind() == SeccompAction.Kind.TRACE ? (long) a.data() : null;
    }

    private static java.util.Optional<Arch> arch(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        for (Arch a : Arch.values()) {
            if (n.equals("SCMP_ARCH_" + a.name())) {
                return java.util.Optional.of(a);
            }
        }
        return java.util.Optional.empty();
    }

    private static Integer toInt(Long value) {
        return value == null ? null : Math.toIntExact(value);
    }
}
