package dev.gatun.core.security;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;

/**
 * The five capability sets of a container process, as OCI {@code process.capabilities} lists
 * them: bounding, effective, permitted, inheritable and ambient.
 *
 * <p>Validated when built: effective must be a subset of permitted (capset(2) refuses otherwise)
 * and ambient a subset of both permitted and inheritable (the kernel refuses to raise any other
 * ambient capability). The sets are not checked against the bounding set: a permitted capability
 * outside the bounding set is legal, it only cannot be regained after execve(2). Whether the
 * running kernel knows every capability is decided later, by {@link CapabilityPlan}.
 *
 * <p>Immutable and thread-safe; the sets are unmodifiable copies and never null.
 *
 * @param bounding the bounding set: the most the process and its children can ever hold
 * @param effective the effective set: what the kernel checks
 * @param permitted the permitted set: what the process may make effective
 * @param inheritable the inheritable set: kept across execve(2) of a file with file capabilities
 * @param ambient the ambient set: kept across execve(2) of a plain file, for non-root users
 * @see <a href="https://man7.org/linux/man-pages/man7/capabilities.7.html">capabilities(7)</a>
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#linux-process">OCI process.capabilities</a>
 */
public record CapabilitySets(
        Set<Capability> bounding,
        Set<Capability> effective,
        Set<Capability> permitted,
        Set<Capability> inheritable,
        Set<Capability> ambient) {

    /**
     * Docker's default set, 14 capabilities; Gatun's sandbox default. Docker grants it as
     * bounding, effective and permitted; inheritable and ambient stay empty (Docker 23 emptied
     * inheritable, CVE-2022-24769).
     */
    public static final Set<Capability> DOCKER_DEFAULT = Set.copyOf(EnumSet.of(
            Capability.CAP_CHOWN,
            Capability.CAP_DAC_OVERRIDE,
            Capability.CAP_FSETID,
            Capability.CAP_FOWNER,
            Capability.CAP_MKNOD,
            Capability.CAP_NET_RAW,
            Capability.CAP_SETGID,
            Capability.CAP_SETUID,
            Capability.CAP_SETFCAP,
            Capability.CAP_SETPCAP,
            Capability.CAP_NET_BIND_SERVICE,
            Capability.CAP_SYS_CHROOT,
            Capability.CAP_KILL,
            Capability.CAP_AUDIT_WRITE));

    /**
     * Validates and copies the sets.
     *
     * @throws IllegalArgumentException naming the set and the capability that breaks a rule
     */
    public CapabilitySets {
        bounding = copy(bounding, "bounding");
        effective = copy(effective, "effective");
        permitted = copy(permitted, "permitted");
        inheritable = copy(inheritable, "inheritable");
        ambient = copy(ambient, "ambient");
        requireSubset(effective, permitted, "effective", "permitted");
        requireSubset(ambient, permitted, "ambient", "permitted");
        requireSubset(ambient, inheritable, "ambient", "inheritable");
    }

    /** Docker's default: {@link #DOCKER_DEFAULT} as bounding, effective and permitted. */
    public static CapabilitySets dockerDefault() {
        return of(DOCKER_DEFAULT);
    }

    /** {@code caps} as bounding, effective and permitted; no inheritable, no ambient. */
    public static CapabilitySets of(Collection<Capability> caps) {
        return new CapabilitySets(Set.copyOf(caps), Set.copyOf(caps), Set.copyOf(caps), Set.of(), Set.of());
    }

    /** No capability in any set. */
    public static CapabilitySets none() {
        return of(Set.of());
    }

    /** Every capability Gatun knows in bounding, effective, permitted: a privileged container. */
    public static CapabilitySets all() {
        return of(EnumSet.allOf(Capability.class));
    }

    /**
     * These sets without the capabilities numbered above {@code lastCap}: what the kernel can
     * actually grant.
     */
    public CapabilitySets limitedTo(int lastCap) {
        return new CapabilitySets(
                below(bounding, lastCap), below(effective, lastCap), below(permitted, lastCap),
                below(inheritable, lastCap), below(ambient, lastCap));
    }

    private static Set<Capability> below(Set<Capability> caps, int lastCap) {
        EnumSet<Capability> kept = EnumSet.noneOf(Capability.class);
        for (Capability c : caps) {
            if (c.number() <= lastCap) {
                kept.add(c);
            }
        }
        return kept;
    }

    private static Set<Capability> copy(Set<Capability> caps, String name) {
        if (caps == null) {
            throw new IllegalArgumentException("capabilities." + name + " is null (use an empty set)");
        }
        for (Capability c : caps) {
            if (c == null) {
                throw new IllegalArgumentException("capabilities." + name + " holds null");
            }
        }
        return caps.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(caps));
    }

    private static void requireSubset(Set<Capability> sub, Set<Capability> sup, String subName, String supName) {
        for (Capability c : sub) {
            if (!sup.contains(c)) {
                throw new IllegalArgumentException("capabilities." + subName + " holds " + c
                        + ", which capabilities." + supName + " lacks (" + subName + " must be a subset of "
                        + supName + ")");
            }
        }
    }
}
