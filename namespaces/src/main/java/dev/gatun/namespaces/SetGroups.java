package dev.gatun.namespaces;

/**
 * The content of {@code /proc/<pid>/setgroups}: whether processes in the user namespace may call
 * {@code setgroups(2)}.
 *
 * <p>The kernel lets an unprivileged process write a {@code gid_map} only after {@code deny} was
 * written (otherwise a user could drop a supplementary group that denies it access). Once the
 * gid_map is written the choice is final.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/user_namespaces.7.html">user_namespaces(7),
 *     "The /proc/[pid]/setgroups file"</a>
 */
public enum SetGroups {
    /** {@code setgroups(2)} is permitted (the kernel's default). */
    ALLOW,
    /** {@code setgroups(2)} fails with EPERM; required for an unprivileged gid_map. */
    DENY;

    /** The word written to the file: {@code allow} or {@code deny}. */
    public String word() {
        return this == ALLOW ? "allow" : "deny";
    }
}
