package dev.gatun.namespaces;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * One thing the child does about namespaces between {@code clone} and {@code execve}, in the order
 * {@link Namespaces#steps()} gives. The spawn engine turns each into program steps.
 *
 * @see Namespaces#steps()
 */
public sealed interface NamespaceStep {

    /**
     * {@code setns(fd, type.cloneFlag())} with an fd of {@code path}. The engine opens every path
     * <em>before the first join</em>: after joining a mount namespace the path may resolve
     * elsewhere or not at all (as runc and crun open them all first).
     *
     * <p>Kernel constraints the engine must meet: joining a {@link NamespaceType#USER user}
     * namespace fails with EINVAL in a process that shares its thread group or its fs struct
     * ({@code CLONE_FS}) with another, or that is already in it; joining a
     * {@link NamespaceType#TIME time} namespace fails with EUSERS in a process that shares its
     * memory with another, which a {@code CLONE_VM} child of the JVM does (see
     * {@link Namespaces#requiresPrivateMemory()}). Joining a {@link NamespaceType#PID PID}
     * namespace affects only children (see {@link Namespaces#requiresFork()}).
     *
     * @param type the namespace type
     * @param path the file to open
     */
    record Join(NamespaceType type, Path path) implements NamespaceStep {}

    /**
     * {@code unshare(flags)}: create these namespaces now, owned by the user namespace the child is
     * in at this point. A new PID or time namespace made this way holds only later children (the
     * time one is also entered by {@code execve} since Linux 6.2).
     *
     * @param types the namespaces created
     */
    record Unshare(Set<NamespaceType> types) implements NamespaceStep {
        public Unshare {
            types = Set.copyOf(EnumSet.copyOf(types));
        }

        /** The {@code CLONE_NEW*} flags to pass. */
        public long flags() {
            long f = 0;
            for (NamespaceType t : types) {
                f |= t.cloneFlag();
            }
            return f;
        }
    }

    /**
     * The child tells the parent it has reached this point, then waits until the parent has
     * written, from outside, the uid/gid maps ({@link IdMapper#apply(long, IdMappings)}) and the
     * time offsets ({@link TimeOffsets#writeTo(long)}) for the child's pid. Both files refer to the
     * namespaces the child is in (or, for time, will enter) at this point, so the parent must not
     * write them earlier.
     *
     * @param writeIdMappings whether the parent writes uid/gid maps
     * @param writeTimeOffsets whether the parent writes time offsets
     */
    record AwaitParent(boolean writeIdMappings, boolean writeTimeOffsets) implements NamespaceStep {}

    /**
     * Fork: the rest of the program runs in a child of the child, which is the one that enters
     * the PID namespace joined or unshared before. The engine reports that grandchild's pid.
     */
    record Fork() implements NamespaceStep {}
}
