package dev.gatun.core.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Every security step of a container process between fork and execve, in runc's order, split
 * around the change of user ids that the spawn engine emits between the halves:
 *
 * <ol>
 *   <li>{@link #beforeUserChange()}: the resource limits (raising a hard limit needs
 *       {@code CAP_SYS_RESOURCE}); the seccomp filter when no_new_privs is off (loading it then
 *       needs {@code CAP_SYS_ADMIN}, so before any capability goes); the bounding-set drops and
 *       {@code PR_SET_KEEPCAPS} ({@link CapabilityPlan});
 *   <li>{@link #afterUserChange()}: keepcaps off, capset, ambient raises; then
 *       {@code PR_SET_NO_NEW_PRIVS} and, with it, the seccomp filter, as late as possible so that
 *       the filter sees few set-up calls.
 * </ol>
 *
 * <p>A filter loaded before the user change also judges the remaining steps (prctl, capset,
 * setresuid) and execve; the policy must allow them, as with runc. Immutable and thread-safe.
 *
 * @param beforeUserChange the steps before setgroups/setresgid/setresuid
 * @param afterUserChange the steps after them, up to execve
 * @param unavailable requested capabilities the kernel lacks, ignored (see {@link CapabilityPlan})
 */
public record SecurityPlan(
        List<SecurityStep> beforeUserChange, List<SecurityStep> afterUserChange, Set<Capability> unavailable) {

    /** Copies the lists and the set. */
    public SecurityPlan {
        beforeUserChange = List.copyOf(beforeUserChange);
        afterUserChange = List.copyOf(afterUserChange);
        unavailable = Set.copyOf(unavailable);
    }

    /**
     * Orders the steps.
     *
     * @param capabilities the capability plan
     * @param rlimits the resource limits to set, in order
     * @param noNewPrivs whether to set {@code PR_SET_NO_NEW_PRIVS}
     * @param seccomp the filter to load, if any
     */
    public static SecurityPlan of(CapabilityPlan capabilities, List<SecurityStep.Prlimit> rlimits, boolean noNewPrivs,
            Optional<SeccompProgram> seccomp) {
        List<SecurityStep> before = new ArrayList<>(rlimits);
        if (seccomp.isPresent() && !noNewPrivs) {
            before.add(new SecurityStep.SeccompLoad(seccomp.get()));
        }
        before.addAll(capabilities.beforeUserChange());
        List<SecurityStep> after = new ArrayList<>(capabilities.afterUserChange());
        if (noNewPrivs) {
            after.add(SecurityDefaults.noNewPrivs());
            seccomp.ifPresent(program -> after.add(new SecurityStep.SeccompLoad(program)));
        }
        return new SecurityPlan(before, after, capabilities.unavailable());
    }
}
