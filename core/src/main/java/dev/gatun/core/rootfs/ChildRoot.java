package dev.gatun.core.rootfs;

import dev.gatun.core.spawn.Program;
import java.nio.file.Path;

/**
 * A root file system the container's own init mounts on the rootfs directory as its first mount,
 * in its own mount namespace (after {@code /} stops propagating, before the rootfs's own bind):
 * nothing of it is mounted or written in the JVM's. The planner reads the container's paths
 * (mount targets, symlinks, the command) in {@link #lookupTree()}, a tree that shows what the
 * mount will show before the container writes; the mount points missing there are made by the
 * child in the mounted root, never by the parent.
 */
public sealed interface ChildRoot permits RootOverlay, RootTmpfs {

    /** The tree the planner reads in place of the rootfs directory. */
    Path lookupTree();

    /** The child's steps that mount this root on {@code rootPath} and make what it holds before any mount point. */
    void appendMount(Program.Builder before, String rootPath);
}
