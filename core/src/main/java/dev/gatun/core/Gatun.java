package dev.gatun.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether Gatun can run containers in this JVM, and if not, why.
 *
 * <p>Availability is API: call {@link #isSupported()} to decide, {@link #unsupportedCause()} to
 * tell the user, and {@link #ensureSupported()} where an exception is the right answer. The
 * checks, in order:
 *
 * <ol>
 *   <li>the operating system is Linux;
 *   <li>the architecture is x86-64 or aarch64 (the spawn engine's executor exists for these two);
 *   <li>native access is granted to module {@code dev.gatun.core}
 *       ({@code --enable-native-access=dev.gatun.core}, or {@code ALL-UNNAMED} on the class path);
 *   <li>the kernel is {@value #MIN_KERNEL} or newer;
 *   <li>the JVM runs as root, or the kernel lets this user create user namespaces (rootless
 *       containers, see {@link ContainerBuilder}).
 * </ol>
 *
 * <p>{@link #hostReport()} says in detail what this user can do on this host.
 *
 * <p>The result is computed once and cached; this class is thread-safe.
 */
public final class Gatun {

    /**
     * The oldest kernel Gatun supports: {@code close_range(CLOSE_RANGE_CLOEXEC)} (5.11) is the
     * newest call the spawn engine relies on; {@code clone3} (5.3), {@code CLONE_CLEAR_SIGHAND}
     * (5.5), {@code openat2} (5.6) and {@code CLONE_INTO_CGROUP} (5.7) come before it.
     */
    public static final String MIN_KERNEL = "5.11";

    private static final Optional<String> CAUSE = computeCause();

    private Gatun() {}

    /** Whether containers can be run from this JVM. */
    public static boolean isSupported() {
        return CAUSE.isEmpty();
    }

    /** Why containers cannot be run from this JVM, or empty when they can. */
    public static Optional<String> unsupportedCause() {
        return CAUSE;
    }

    /**
     * Returns quietly when {@link #isSupported()}; otherwise throws.
     *
     * @throws UnsupportedOperationException with {@link #unsupportedCause()} as its message
     */
    public static void ensureSupported() {
        CAUSE.ifPresent(cause -> {
            throw new UnsupportedOperationException(cause);
        });
    }

    /**
     * What this user can do with Gatun on this host: root or not, user namespaces, subordinate
     * ids, cgroups and their delegation, seccomp actions, kernel features. Read anew on each call.
     */
    public static HostReport hostReport() {
        return HostReport.read();
    }

    /**
     * Removes what JVMs that died without deleting their containers left, and only that: their
     * containers' cgroup directories in every hierarchy (the processes inside killed first, the
     * sub-cgroups removed deepest first), their state directories, and their sentinels'
     * {@code gatun-jvm-<pid>-<start time>} cgroup directories beside this JVM's own unified cgroup.
     * State whose owner (pid and start time) is alive is never touched, nor state that names no
     * owner. Runs by itself before a JVM's first container is created; call it to clean up at
     * another time (what {@code gatun delete --force} needs).
     *
     * @return what was removed, and what of a dead owner could not be (and why)
     */
    public static SweepResult sweep() {
        return Sweeper.sweep();
    }

    /** The running kernel's release, as {@code uname -r} prints it. */
    public static String kernelRelease() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return System.getProperty("os.version", "unknown");
        }
    }

    /** Whether this JVM's effective uid is 0. */
    private static boolean isRoot() {
        return dev.gatun.namespaces.Caller.current().uid() == 0;
    }

    private static Optional<String> computeCause() {
        String os = System.getProperty("os.name", "");
        if (!os.equals("Linux")) {
            return Optional.of("Gatun runs on Linux only; this is " + os);
        }
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
            return Optional.of("Gatun supports x86-64 and aarch64; this is " + arch);
        }
        if (!Gatun.class.getModule().isNativeAccessEnabled()) {
            String who = Gatun.class.getModule().isNamed() ? "dev.gatun.core" : "ALL-UNNAMED";
            return Optional.of("native access is not granted to " + who
                    + ": launch java with --enable-native-access=" + who);
        }
        String release = kernelRelease();
        if (KernelVersion.parse(release).compareTo(KernelVersion.parse(MIN_KERNEL)) < 0) {
            return Optional.of("Gatun needs Linux " + MIN_KERNEL + " or newer; this kernel is " + release);
        }
        if (!isRoot()) {
            Optional<String> userns = dev.gatun.namespaces.UserNamespaces.unavailabilityCause();
            if (userns.isPresent()) {
                return Optional.of("this JVM runs as " + System.getProperty("user.name", "a non-root user")
                        + ", and rootless containers need a user namespace, which this host refuses: " + userns.get());
            }
        }
        return Optional.empty();
    }
}
