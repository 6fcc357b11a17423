package dev.gatun.core;

/**
 * An operation the container's current status does not allow, e.g. {@code start} on a running
 * container. The message names the operation, the container and its actual status.
 */
public final class ContainerStateException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String operation;
    private final ContainerStatus status;

    /**
     * @param operation what was asked, e.g. {@code "start"}
     * @param id the container's id
     * @param status the status it was in
     * @param allowed a short description of the status(es) the operation needs, e.g. {@code "created"}
     */
    public ContainerStateException(String operation, String id, ContainerStatus status, String allowed) {
        super(operation + ": container \"" + id + "\" is " + status.ociName() + ", not " + allowed);
        this.operation = operation;
        this.status = status;
    }

    /** The operation that was refused. */
    public String operation() {
        return operation;
    }

    /** The status the container was in. */
    public ContainerStatus status() {
        return status;
    }
}
