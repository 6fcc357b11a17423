package dev.gatun.core.rootfs;

import dev.gatun.core.spawn.Program;
import dev.gatun.oci.MountOptions;
import java.nio.file.Path;
import java.util.Objects;

/**
 * An overlay the container's own init mounts on the rootfs directory as its first mount, inside
 * its user and mount namespaces: {@code lower} (an image's unpacked tree, never written) under
 * {@code upper}, with {@code work} as overlayfs's scratch directory on the same file system as
 * {@code upper}. Mounted with {@code userxattr}, which an overlay in a user namespace needs (Linux
 * 5.11: its own bookkeeping in {@code user.overlay.*} xattrs of the upper directory, with
 * {@code redirect_dir} and {@code metacopy} off), so that no copy of the tree is made and nothing
 * is mounted in the JVM's own mount namespace.
 *
 * <p>The planner reads the container's paths (mount targets, symlinks) in {@code lower}, which is
 * what the overlay shows before the container writes; a missing mount point is made by the child
 * after the overlay mount, in the overlay (so in {@code upper}), never by the parent in the tree.
 *
 * @param lower the read-only tree
 * @param upper where what the container writes lands; owned by the caller
 * @param work overlayfs's work directory, empty, on {@code upper}'s file system
 * @see <a href="https://docs.kernel.org/filesystems/overlayfs.html">overlayfs</a>
 */
public record RootOverlay(Path lower, Path upper, Path work) implements ChildRoot {

    public RootOverlay {
        Objects.requireNonNull(lower, "lower");
        Objects.requireNonNull(upper, "upper");
        Objects.requireNonNull(work, "work");
        for (Path p : new Path[] {lower, upper, work}) {
            String s = p.toString();
            if (s.contains(",") || s.contains(":")) {
                throw new IllegalArgumentException("root overlay: the path " + s
                        + " holds ',' or ':', which an overlay mount's options cannot carry");
            }
        }
    }

    @Override
    public Path lookupTree() {
        return lower;
    }

    @Override
    public void appendMount(Program.Builder before, String rootPath) {
        before.mount("overlay", rootPath, "overlay", MountOptions.MS_NODEV, mountData());
    }

    /** The overlay's mount data: the three directories and {@code userxattr}. */
    public String mountData() {
        return "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work + ",userxattr";
    }
}
