package dev.gatun.core.security;

import dev.gatun.core.KernelVersion;
import dev.gatun.core.linux.Arch;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The sandbox's default seccomp policy: the containers-common profile made as strict as Docker's
 * where the two differ. containers-common lets every process call {@code unshare}, {@code setns},
 * {@code clone} with namespace flags, the mount family and the keyring calls, and leaves it to
 * the capabilities to refuse them. But an unprivileged {@code unshare(CLONE_NEWUSER)} needs no
 * capability, and inside the new user namespace the process holds them all: a default container
 * then mounted tmpfs and cgroup2, opened netfilter sockets and made directories in the host's
 * unified cgroup root. Docker closes that door in seccomp; so does this policy:
 *
 * <ul>
 *   <li>without {@code CAP_SYS_ADMIN} in the bounding set: {@code unshare}, {@code setns}, the
 *       mount family ({@code mount}, {@code umount2}, {@code pivot_root}, {@code open_tree},
 *       {@code move_mount}, {@code fsopen} …), {@code sethostname}, {@code setdomainname},
 *       {@code syslog}, {@code quotactl}, {@code fanotify_init}, {@code name_to_handle_at},
 *       {@code bpf} and {@code perf_event_open} fail with {@code EPERM}; {@code clone} is allowed
 *       only without namespace flags ({@code flags & 0x7E020000 == 0}, Docker's mask), and
 *       {@code clone3}, whose flags seccomp cannot read, fails with {@code ENOSYS} so that the C
 *       library falls back to {@code clone};</li>
 *   <li>always: the keyring calls ({@code keyctl}, {@code add_key}, {@code request_key}: keyrings
 *       are not namespaced) and {@code io_uring} (a large kernel surface that seccomp cannot
 *       filter, refused by Docker since 25.0) fail with {@code EPERM}.</li>
 * </ul>
 *
 * <p>The containers-common profile itself stays available as a named preset
 * ({@link SecurityDefaults#containersCommonSeccomp}). Pure functions; thread-safe.
 *
 * @see <a href="https://docs.docker.com/engine/security/seccomp/">Docker's seccomp profile</a>
 */
public final class SandboxSeccomp {

    /** Docker's mask of {@code clone}'s namespace flags: NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET. */
    public static final long CLONE_NAMESPACE_FLAGS = 0x7E020000L;

    /** Refused unless the bounding set holds {@code CAP_SYS_ADMIN}. */
    static final List<String> ADMIN_ONLY = List.of("unshare", "setns", "mount", "umount", "umount2", "pivot_root",
            "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "sethostname",
            "setdomainname", "syslog", "quotactl", "quotactl_fd", "fanotify_init", "name_to_handle_at",
            "lookup_dcookie", "bpf", "perf_event_open");

    /** Refused always. */
    static final List<String> NEVER = List.of("keyctl", "add_key", "request_key", "io_uring_setup", "io_uring_enter",
            "io_uring_register");

    private static final int ENOSYS = 38;

    private SandboxSeccomp() {}

    /** The policy for a process on {@code nativeArch} with bounding set {@code bounding} on {@code kernel}. */
    public static SeccompPolicy policy(Arch nativeArch, Set<Capability> bounding, KernelVersion kernel) {
        SeccompPolicy base = ContainersSeccompProfile.bundled().policy(nativeArch, bounding, kernel);
        boolean admin = bounding.contains(Capability.CAP_SYS_ADMIN);
        List<String> refused = new ArrayList<>(NEVER);
        if (!admin) {
            refused.addAll(ADMIN_ONLY);
            refused.addAll(List.of("clone", "clone3"));
        }
        List<SeccompRule> rules = new ArrayList<>();
        SeccompAction eperm = SeccompAction.errno(SeccompAction.EPERM);
        // these rules come first: for a call with an unconditional rule the first one listed decides
        // (SeccompPolicy), and the profile's own rules for these calls are removed below
        rules.add(new SeccompRule(refusedHere(refused, List.of("clone", "clone3")), eperm, List.of()));
        if (!admin) {
            rules.add(new SeccompRule(List.of("clone"), SeccompAction.allow(),
                    List.of(ArgCondition.maskedEq(0, CLONE_NAMESPACE_FLAGS, 0))));
            // and EPERM, as Docker answers, for each namespace flag (not the default ENOSYS, which
            // would tell the caller that clone does not exist)
            for (long bit = Long.lowestOneBit(CLONE_NAMESPACE_FLAGS); bit != 0 && bit <= CLONE_NAMESPACE_FLAGS; bit <<= 1) {
                if ((CLONE_NAMESPACE_FLAGS & bit) != 0) {
                    rules.add(new SeccompRule(List.of("clone"), eperm, List.of(ArgCondition.maskedEq(0, bit, bit))));
                }
            }
            rules.add(SeccompRule.of(SeccompAction.errno(ENOSYS), "clone3"));
        }
        for (SeccompRule r : base.rules()) {
            List<String> kept = r.names().stream().filter(n -> !refused.contains(n)).toList();
            if (!kept.isEmpty()) {
                rules.add(new SeccompRule(kept, r.action(), r.conditions()));
            }
        }
        return new SeccompPolicy(base.defaultAction(), base.architectures(), base.flags(), rules, base.badArchAction());
    }

    private static List<String> refusedHere(List<String> refused, List<String> handledApart) {
        return refused.stream().filter(n -> !handledApart.contains(n)).toList();
    }
}
