package dev.gatun.core;

import dev.gatun.core.rootfs.RootTmpfs;
import dev.gatun.core.rootfs.RootfsPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The trees the planner reads for sandbox roots made on a tmpfs ({@link RootTmpfs}): one per set
 * of entries, made once per JVM under the state directory ({@code skeleton-<pid>-<n>/rootfs},
 * with an owner record beside it, so a dead JVM's is swept like a container's directory), never
 * written after, removed at exit once the containers are gone.
 */
final class SandboxSkeleton {

    /** One root per set of entries, shared by every container that has them (a running container keeps only the reference). */
    private static final Map<List<RootTmpfs.Entry>, RootTmpfs> MADE = new HashMap<>();
    private static int next;

    private SandboxSkeleton() {}

    /** The tmpfs root of {@code entries} with its tree, made now when this JVM has none of them yet. */
    static synchronized RootTmpfs of(List<RootTmpfs.Entry> entries) throws IOException {
        RootTmpfs made = MADE.get(entries);
        if (made != null && Files.isDirectory(made.skeleton())) {
            return made;
        }
        Path dir = SandboxRoot.stateDirectory().resolve("skeleton-" + ProcessHandle.current().pid() + "-" + next++);
        SandboxRoot.makeContainerDirectory(dir);
        Path root = dir.resolve("rootfs");
        try {
            new OwnerRecord(Owner.self(), List.of()).write(dir);
            Files.createDirectory(root);
            for (RootTmpfs.Entry e : entries) {
                Path at = root.resolve(e.path());
                if (e.linkTarget() == null) {
                    Files.createDirectory(at);
                } else {
                    Files.createSymbolicLink(at, Path.of(e.linkTarget()));
                }
            }
        } catch (IOException | RuntimeException e) {
            List<Path> left = RootfsPlan.removeTree(dir);
            if (!left.isEmpty()) {
                e.addSuppressed(new IOException("could not remove " + left));
            }
            throw e;
        }
        if (MADE.isEmpty()) {
            ExitHook.atExitAfterContainers(SandboxSkeleton::removeAll);
        }
        RootTmpfs tmpfs = new RootTmpfs(root, entries);
        MADE.put(tmpfs.entries(), tmpfs);
        return tmpfs;
    }

    /** Removes every tree this JVM made (at exit). */
    static synchronized void removeAll() {
        for (RootTmpfs root : MADE.values()) {
            RootfsPlan.removeTree(root.skeleton().getParent());
        }
        MADE.clear();
        SandboxRoot.removeStateDirectoryIfEmpty();
    }
}
