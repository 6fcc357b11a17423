package dev.gatun.core.security;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system calls that give a container process its {@link CapabilitySets}, in runc's order,
 * split around the change of user ids (setgroups, setresgid, setresuid), which the spawn engine
 * emits between the two halves:
 *
 * <ol>
 *   <li>{@link #beforeUserChange()}: {@code prctl(PR_CAPBSET_DROP, n)} for every capability
 *       {@code 0..cap_last_cap} outside the bounding set (dropping needs {@code CAP_SETPCAP},
 *       which is gone once the uid changes), then {@code prctl(PR_SET_KEEPCAPS, 1)} when the
 *       user changes, so that the permitted set survives the switch to non-zero uids;
 *   <li>{@link #afterUserChange()}: {@code prctl(PR_SET_KEEPCAPS, 0)} when the user changed,
 *       {@code capset(2)} of effective, permitted and inheritable,
 *       {@code prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)}, then
 *       {@code prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, n)} for each ambient capability
 *       (raising needs it in permitted and inheritable, so after capset).
 * </ol>
 *
 * <p><b>Capabilities the kernel lacks.</b> A capability Gatun knows whose number is above the
 * running kernel's {@code cap_last_cap} is removed from every set, reported in
 * {@link #unavailable()} and logged as a warning, as runc does ("ignoring unknown or unavailable
 * capabilities"): such a capability cannot be granted, and refusing the container would make one
 * config.json fail on older kernels only. A name Gatun does not know at all is an error
 * ({@link Capability#of(String)}), unlike runc, which ignores it too: a typo should not silently
 * run a container with fewer privileges than its author wrote. Capabilities numbered above
 * {@link Capability#lastKnown()} that a newer kernel has are always dropped from the bounding set.
 *
 * <p>Immutable and thread-safe. Pure: reads nothing from the machine; the caller passes
 * {@code cap_last_cap} ({@link Capability#lastSupported()}).
 *
 * @param beforeUserChange the steps before setresuid
 * @param afterUserChange the steps after setresuid
 * @param unavailable the requested capabilities the kernel does not have, ignored
 * @see <a href="https://man7.org/linux/man-pages/man7/capabilities.7.html">capabilities(7)</a>
 */
public record CapabilityPlan(
        List<SecurityStep> beforeUserChange, List<SecurityStep> afterUserChange, Set<Capability> unavailable) {

    private static final Logger LOG = LoggerFactory.getLogger(CapabilityPlan.class);

    /** Copies the lists and the set. */
    public CapabilityPlan {
        beforeUserChange = List.copyOf(beforeUserChange);
        afterUserChange = List.copyOf(afterUserChange);
        unavailable = Set.copyOf(unavailable);
    }

    /**
     * Plans {@code sets} for a kernel whose highest capability is {@code lastCap}.
     *
     * @param sets the capability sets the process gets
     * @param lastCap the running kernel's {@code /proc/sys/kernel/cap_last_cap}
     * @param changesUser whether the spawn program changes uid between the two halves (then
     *     {@code PR_SET_KEEPCAPS} brackets the change)
     * @throws IllegalArgumentException when {@code lastCap} is negative or above 63
     */
    public static CapabilityPlan of(CapabilitySets sets, int lastCap, boolean changesUser) {
        if (lastCap < 0 || lastCap > 63) {
            throw new IllegalArgumentException("cap_last_cap " + lastCap + " is outside 0..63");
        }
        Set<Capability> unavailable = EnumSet.noneOf(Capability.class);
        for (Set<Capability> set : List.of(sets.bounding(), sets.effective(), sets.permitted(), sets.inheritable(),
                sets.ambient())) {
            for (Capability c : set) {
                if (c.number() > lastCap) {
                    unavailable.add(c);
                }
            }
        }
        if (!unavailable.isEmpty()) {
            LOG.warn("ignoring capabilities this kernel (cap_last_cap {}) does not have: {}", lastCap, unavailable);
        }
        CapabilitySets granted = sets.limitedTo(lastCap);

        List<SecurityStep> before = new ArrayList<>();
        for (int n = 0; n <= lastCap; n++) {
            if (n > Capability.lastKnown() || !granted.bounding().contains(Capability.ofNumber(n))) {
                before.add(SecurityStep.Prctl.of(SecurityStep.PR_CAPBSET_DROP, n, 0,
                        "prctl(PR_CAPBSET_DROP, " + name(n) + ")"));
            }
        }
        List<SecurityStep> after = new ArrayList<>();
        if (changesUser) {
            before.add(SecurityStep.Prctl.of(SecurityStep.PR_SET_KEEPCAPS, 1, 0, "prctl(PR_SET_KEEPCAPS, 1)"));
            after.add(SecurityStep.Prctl.of(SecurityStep.PR_SET_KEEPCAPS, 0, 0, "prctl(PR_SET_KEEPCAPS, 0)"));
        }
        after.add(SecurityStep.Capset.of(mask(granted.effective()), mask(granted.permitted()),
                mask(granted.inheritable()), "capset(effective=" + new TreeSet<>(granted.effective())
                        + ", permitted=" + new TreeSet<>(granted.permitted()) + ", inheritable="
                        + new TreeSet<>(granted.inheritable()) + ")"));
        after.add(SecurityStep.Prctl.of(SecurityStep.PR_CAP_AMBIENT, SecurityStep.PR_CAP_AMBIENT_CLEAR_ALL, 0,
                "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)"));
        for (Capability c : new TreeSet<>(granted.ambient())) {
            after.add(SecurityStep.Prctl.of(SecurityStep.PR_CAP_AMBIENT, SecurityStep.PR_CAP_AMBIENT_RAISE, c.number(),
                    "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, " + c + ")"));
        }
        return new CapabilityPlan(before, after, unavailable);
    }

    /** The 64-bit mask of {@code caps}: bit n for capability number n. */
    public static long mask(Set<Capability> caps) {
        long mask = 0;
        for (Capability c : caps) {
            mask |= 1L << c.number();
        }
        return mask;
    }

    private static String name(int n) {
        return n <= Capability.lastKnown() ? Capability.ofNumber(n).name() : "capability " + n;
    }
}
