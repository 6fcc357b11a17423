package dev.gatun.core;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A root filesystem Gatun makes for a container at create and removes at delete, in a directory
 * of its own under the state directory: the {@link SandboxRoot} or an {@link ImageRoot}.
 */
interface PreparedRoot {

    /** The container's directory under the state directory; the root filesystem is {@link #rootfs()} inside it. */
    Path bundle();

    /** The root filesystem directory. */
    Path rootfs();

    /** Makes the directory and the root filesystem in it. */
    void prepare() throws IOException;

    /** Removes what {@link #prepare()} made; returns what could not be removed (empty when all went). */
    List<Path> remove();

    /** The {@code /etc/passwd} a user name is looked up in before the root exists. */
    Path passwd();

    /**
     * The root the container's init mounts on {@link #rootfs()} in its own namespaces, when the
     * root is made that way (an {@link ImageRoot.Kind#CHILD_OVERLAY}, the sandbox root's tmpfs);
     * null when the root is complete on disk after {@link #prepare()}.
     */
    default dev.gatun.core.rootfs.ChildRoot childOverlay() {
        return null;
    }
}
