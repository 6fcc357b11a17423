package dev.gatun.core.rootfs;

import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.spawn.Arg;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.Step;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A fresh tmpfs the container's init mounts on the rootfs directory and fills with
 * {@code entries} (directories and symlinks, parents first) before any mount point: the sandbox
 * root, whose every directory, file and link below the host's binds exists only in the child's
 * mount namespace. No directory to make or remove on the host for a container, nothing left there
 * after a crash, and what a container with a writable root writes is gone with it (and charged
 * to its memory cgroup).
 *
 * @param skeleton a tree holding the same entries, made once and never written after: the
 *     planner's {@linkplain #lookupTree() lookups} read it
 * @param entries what the child makes, parents before children; paths relative to the root
 */
public record RootTmpfs(Path skeleton, List<Entry> entries) implements ChildRoot {

    /**
     * A directory ({@code linkTarget} null) or a symlink to {@code linkTarget}, at {@code path}
     * relative to the root ({@code "bin"}, {@code "etc/ssl"}).
     */
    public record Entry(String path, String linkTarget) {
        public Entry {
            Objects.requireNonNull(path, "path");
            if (path.isEmpty() || path.startsWith("/") || List.of(path.split("/")).contains("..")) {
                throw new IllegalArgumentException("root entry " + path + ": not a relative path below the root");
            }
        }
    }

    public RootTmpfs {
        Objects.requireNonNull(skeleton, "skeleton");
        entries = List.copyOf(entries);
    }

    @Override
    public Path lookupTree() {
        return skeleton;
    }

    @Override
    public void appendMount(Program.Builder before, String rootPath) {
        // as the old host directory was: no nodev or nosuid of its own (the binds carry theirs),
        // 0755 like a root directory; its pages are the container's, in its memory cgroup
        before.mount("tmpfs", rootPath, "tmpfs", 0, "mode=755");
        for (Entry e : entries) {
            String at = rootPath + "/" + e.path();
            if (e.linkTarget() == null) {
                before.mkdirIfMissing(LibC.AT_FDCWD, at, 0755);
            } else {
                before.step(Step.of("symlinkat", new Arg.Text(e.linkTarget()), Arg.dirfd(LibC.AT_FDCWD), new Arg.Text(at))
                        .allowing(Errno.EEXIST));
            }
        }
    }
}
