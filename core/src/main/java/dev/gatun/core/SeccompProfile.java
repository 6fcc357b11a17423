package dev.gatun.core;

/**
 * The seccomp filters {@link ContainerBuilder#seccomp(SeccompProfile)} offers.
 *
 * @see dev.gatun.core.security.SandboxSeccomp
 */
public enum SeccompProfile {
    /**
     * The default: podman's containers-common profile made as strict as Docker's (no new user
     * namespaces, mounts or {@code setns} without {@code CAP_SYS_ADMIN}, no keyrings, no io_uring).
     */
    SANDBOX,
    /**
     * podman's and CRI-O's default profile as it is (containers-common): it also lets the process
     * create user namespaces and use keyrings.
     */
    CONTAINERS_COMMON,
    /** No seccomp filter at all. */
    NONE
}
