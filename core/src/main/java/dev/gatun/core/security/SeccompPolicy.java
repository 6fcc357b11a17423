package dev.gatun.core.security;

import dev.gatun.core.linux.Arch;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A seccomp policy, the input of {@link SeccompCompiler}: what every system call returns, per
 * architecture. The lead's OCI mapping and {@link ContainersSeccompProfile} produce it.
 *
 * <p><b>Evaluation</b>, for a call from a listed architecture, as libseccomp builds its filter
 * ({@code src/db.c}) and runc feeds it:
 * <ul>
 *   <li>a rule whose action is the default action is dropped (libseccomp refuses it, runc skips
 *       it); a rule whose only conditions are MASKED_EQ with a zero mask (on the architecture's
 *       word size) is unconditional, as libseccomp makes it;
 *   <li>if a call has an unconditional rule, the first one listed decides it, always: libseccomp
 *       discards conditional rules added after it and clears those added before it;
 *   <li>otherwise its conditional rules are tried in the order listed, the first whose
 *       conditions all hold deciding. Where two conditional rules with different actions
 *       overlap, libseccomp decides by the order of its internal decision tree (not the order
 *       listed), and refuses identical conditions with two actions (EEXIST, so runc fails);
 *       Gatun's rule is simply "first listed wins". The containers-common profile has no such
 *       overlap: {@code LibseccompEquivalenceTest} checks it against the system's libseccomp;
 *   <li>otherwise {@code defaultAction}.
 * </ul>
 * A call from an architecture not listed gets {@code badArchAction}, which defaults to
 * libseccomp's {@code SCMP_ACT_KILL} (kill the thread).
 *
 * <p><b>Not supported</b> (yet): {@link SeccompAction.Kind#NOTIFY}, which needs a listener file
 * descriptor handed back to the caller; the compiler refuses it. {@link Flag#WAIT_KILLABLE_RECV}
 * only matters with a listener and is dropped without one, as libseccomp does.
 *
 * <p>Immutable and thread-safe.
 *
 * @param defaultAction what calls no rule decides return
 * @param architectures the architectures the filter accepts (x86_64 often with x86 and x32)
 * @param flags the seccomp(2) load flags
 * @param rules the rules
 * @param badArchAction what a call from an architecture not listed returns
 * @see <a href="https://man7.org/linux/man-pages/man2/seccomp.2.html">seccomp(2)</a>
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#seccomp">OCI seccomp</a>
 */
public record SeccompPolicy(
        SeccompAction defaultAction,
        List<Arch> architectures,
        Set<Flag> flags,
        List<SeccompRule> rules,
        SeccompAction badArchAction) {

    /** libseccomp's default bad-architecture action, {@code SCMP_ACT_KILL}. */
    public static final SeccompAction DEFAULT_BAD_ARCH_ACTION = SeccompAction.of(SeccompAction.Kind.KILL_THREAD);

    /** The {@code SECCOMP_FILTER_FLAG_*} flags of seccomp(2), with their values. */
    public enum Flag {
        /** {@code SECCOMP_FILTER_FLAG_TSYNC}: install on every thread of the process. */
        TSYNC(1),
        /** {@code SECCOMP_FILTER_FLAG_LOG}: log every action but ALLOW. */
        LOG(2),
        /** {@code SECCOMP_FILTER_FLAG_SPEC_ALLOW}: keep speculative store bypass mitigation off. */
        SPEC_ALLOW(4),
        /** {@code SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV}: listener waits killably (needs NOTIFY). */
        WAIT_KILLABLE_RECV(32);

        private final int value;

        Flag(int value) {
            this.value = value;
        }

        /** The flag's bit. */
        public int value() {
            return value;
        }

        /**
         * The flag of an OCI name such as {@code "SECCOMP_FILTER_FLAG_LOG"}.
         *
         * @throws IllegalArgumentException naming the value when unknown
         */
        public static Flag of(String name) {
            for (Flag f : values()) {
                if (("SECCOMP_FILTER_FLAG_" + f.name()).equals(name)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown seccomp flag \"" + name + "\"");
        }
    }

    /**
     * Checks and copies.
     *
     * @throws IllegalArgumentException when an action is null or no architecture is listed
     */
    public SeccompPolicy {
        if (defaultAction == null) {
            throw new IllegalArgumentException("seccomp defaultAction is null");
        }
        if (architectures == null || architectures.isEmpty()) {
            throw new IllegalArgumentException("seccomp policy lists no architecture");
        }
        if (badArchAction == null) {
            throw new IllegalArgumentException("seccomp badArchAction is null");
        }
        architectures = List.copyOf(EnumSet.copyOf(architectures));
        flags = flags == null || flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    /** A policy without flags and with libseccomp's bad-architecture action. */
    public static SeccompPolicy of(SeccompAction defaultAction, List<Arch> architectures, List<SeccompRule> rules) {
        return new SeccompPolicy(defaultAction, architectures, Set.of(), rules, DEFAULT_BAD_ARCH_ACTION);
    }

    /** This policy with {@code flags}. */
    public SeccompPolicy withFlags(Set<Flag> flags) {
        return new SeccompPolicy(defaultAction, architectures, flags, rules, badArchAction);
    }

    /** This policy with {@code action} for calls from architectures not listed. */
    public SeccompPolicy withBadArchAction(SeccompAction action) {
        return new SeccompPolicy(defaultAction, architectures, flags, rules, action);
    }

    /**
     * The architectures a filter for a process on {@code nativeArch} accepts by default, as
     * containers-common's {@code archMap} lists them: x86_64 with x86 and x32; aarch64 with arm.
     */
    public static List<Arch> withSubArchitectures(Arch nativeArch) {
        return switch (nativeArch) {
            case X86_64 -> List.of(Arch.X86_64, Arch.X86, Arch.X32);
            case AARCH64 -> List.of(Arch.AARCH64, Arch.ARM);
            default -> List.of(nativeArch);
        };
    }
}
