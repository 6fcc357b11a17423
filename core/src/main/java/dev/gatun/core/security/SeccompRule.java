package dev.gatun.core.security;

import java.util.ArrayList;
import java.util.List;

/**
 * A seccomp rule: the system calls it names take {@code action} when every condition holds (no
 * conditions: always). See {@link SeccompPolicy} for how rules on the same call combine.
 *
 * <p>Names are libseccomp's; a name an architecture lacks is skipped there. Immutable and
 * thread-safe; the lists are copies.
 *
 * @param names the system call names, at least one
 * @param action what the calls return when the conditions hold
 * @param conditions the argument conditions, all of which must hold; empty for none
 */
public record SeccompRule(List<String> names, SeccompAction action, List<ArgCondition> conditions) {

    /**
     * Checks and copies.
     *
     * @throws IllegalArgumentException when names is empty or holds a blank name, or action is null
     */
    public SeccompRule {
        if (names == null || names.isEmpty()) {
            throw new IllegalArgumentException("seccomp rule names no system call");
        }
        for (String name : names) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("seccomp rule holds a blank system call name: " + names);
            }
        }
        if (action == null) {
            throw new IllegalArgumentException("seccomp rule for " + names + " has no action");
        }
        names = List.copyOf(names);
        conditions = conditions == null ? List.of() : List.copyOf(conditions);
    }

    /** An unconditional rule. */
    public static SeccompRule of(SeccompAction action, String... names) {
        return new SeccompRule(List.of(names), action, List.of());
    }

    /**
     * The rules runc makes of one OCI {@code syscalls[]} entry: one rule with all conditions when
     * no two conditions name the same argument; otherwise one rule per condition, so that
     * conditions on the same argument are alternatives (runc's "old behaviour", kept because
     * Docker-era profiles rely on it).
     */
    public static List<SeccompRule> fromOci(List<String> names, SeccompAction action, List<ArgCondition> conditions) {
        boolean[] seen = new boolean[6];
        boolean repeated = false;
        for (ArgCondition c : conditions) {
            repeated |= seen[c.index()];
            seen[c.index()] = true;
        }
        if (!repeated) {
            return List.of(new SeccompRule(names, action, conditions));
        }
        List<SeccompRule> rules = new ArrayList<>();
        for (ArgCondition c : conditions) {
            rules.add(new SeccompRule(names, action, List.of(c)));
        }
        return rules;
    }
}
