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

    private static final Map<List<RootTmpfs.Entry>, Path> MADE = new HashMap<>();
    private static int next;

    private SandboxSkeleton() {}

    /** The tree of {@code entries}, made now when this JVM has none of them yet. */
    static synchronized Path of(List<RootTmpfs.Entry> entries) throws IOException {
        Path made = MADE.get(entries);
        if (made != null && Files.isDirectory(made)) {
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
        MADE.put(entries, root);
        return root;
    }

    /** Removes every tree this JVM made (at exit). */
    static synchronized void removeAll() {
        for (Path root : MADE.values()) {
            RootfsPlan.removeTree(root.getParent());
        }
        MADE.clear();
        SandboxRoot.removeStateDirectoryIfEmpty();
    }
}
