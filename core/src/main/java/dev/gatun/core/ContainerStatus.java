package dev.gatun.core;

/**
 * The OCI runtime states of a container, with the operations each allows.
 *
 * <pre>
 *   new --create--> creating --ok--> created --start--> running --init exits--> stopped --delete--> (gone)
 * </pre>
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/runtime.md#state">OCI runtime, state</a>
 */
public enum ContainerStatus {
    /**
     * Not created yet, or deleted: nothing of it exists on the host. Gatun's own state before the
     * OCI lifecycle begins (OCI has no name for it; {@link Container#state()} reports {@code creating}).
     */
    NEW,
    /** The container is being created: namespaces, cgroup and root filesystem are being set up. */
    CREATING,
    /** Created: the init process waits just before {@code execve} for {@code start}. */
    CREATED,
    /** The user's program runs. */
    RUNNING,
    /** The init process has exited; the container's resources remain until {@code delete}. */
    STOPPED;

    /** Whether {@code start} is allowed: only a created container starts. */
    public boolean canStart() {
        return this == CREATED;
    }

    /** Whether {@code kill} is allowed: the init process exists (created or running). */
    public boolean canKill() {
        return this == CREATED || this == RUNNING;
    }

    /** Whether {@code delete} is allowed without force: nothing runs any more. */
    public boolean canDelete() {
        return this == STOPPED;
    }

    /** The status as state.json writes it: {@code creating}, {@code created}, {@code running}, {@code stopped}. */
    public String ociName() {
        return this == NEW ? "creating" : name().toLowerCase(java.util.Locale.ROOT);
    }
}
