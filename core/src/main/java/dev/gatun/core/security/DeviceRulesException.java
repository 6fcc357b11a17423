package dev.gatun.core.security;

import dev.gatun.core.ErrnoException;
import java.nio.file.Path;

/**
 * The kernel refused to load or attach the device filter of a cgroup v2 container, so
 * {@code linux.resources.devices} cannot be enforced; the container is not started. Names the
 * setting, the cgroup and the bpf call, e.g.
 * {@code linux.resources.devices cannot be enforced on /sys/fs/cgroup/c1: bpf(BPF_PROG_LOAD, {...}): Operation not permitted (EPERM)},
 * followed by the verifier's last words when the verifier said no. Immutable.
 */
public final class DeviceRulesException extends ErrnoException {

    private static final long serialVersionUID = 1L;

    DeviceRulesException(Path cgroup, ErrnoException cause, String detail) {
        super(cause.errno(), cause.syscall(), cause.arguments(), "linux.resources.devices cannot be enforced on "
                + cgroup + ": " + cause.getMessage() + (detail.isEmpty() ? "" : "; " + detail));
        initCause(cause);
    }

    /** A refusal that is no errno: what was found instead (errno 0). */
    DeviceRulesException(Path cgroup, String syscall, String problem) {
        super(0, syscall, "", "linux.resources.devices cannot be enforced on " + cgroup + ": " + problem);
    }
}
