package dev.gatun.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** Facts about the machine a kernel test runs on, and the skip-or-fail rule of the kernel lane. */
public final class Kernel {

    /** The system property that turns a kernel test's unmet precondition into a failure. */
    public static final String REQUIRE_PROPERTY = "gatun.requireKernel";

    private Kernel() {}

    /** A precondition a {@link KernelTest} can name. */
    public enum Feature {
        /** A cgroup v1 hierarchy with the memory, pids, cpu and freezer controllers. */
        CGROUP_V1("cgroup v1 controllers") {
            @Override
            Optional<String> missing() {
                for (String c : new String[] {"memory", "pids", "cpu", "freezer"}) {
                    if (!Files.isRegularFile(Path.of("/sys/fs/cgroup", c, "cgroup.procs"))) {
                        return Optional.of("no /sys/fs/cgroup/" + c + "/cgroup.procs");
                    }
                }
                return Optional.empty();
            }
        },
        /** A cgroup2 hierarchy mounted somewhere (pure v2 at /sys/fs/cgroup, or hybrid). */
        CGROUP2_MOUNTED("a cgroup2 mount") {
            @Override
            Optional<String> missing() {
                return cgroup2Mount().isPresent()
                        ? Optional.empty()
                        : Optional.of("no cgroup2 line in /proc/self/mountinfo");
            }
        },
        /** A pure cgroup v2 host whose root enables the memory and pids controllers (the VM lane). */
        CGROUP_V2_CONTROLLERS("cgroup v2 with memory and pids controllers") {
            @Override
            Optional<String> missing() {
                Path controllers = Path.of("/sys/fs/cgroup/cgroup.controllers");
                if (!Files.isRegularFile(controllers)) {
                    return Optional.of("/sys/fs/cgroup is not a cgroup2 mount (run it in ../shared/vm/run-in-vm)");
                }
                String text = read(controllers);
                return text.contains("memory") && text.contains("pids")
                        ? Optional.empty()
                        : Optional.of("/sys/fs/cgroup/cgroup.controllers lists only: " + text.strip());
            }
        },
        /** Unprivileged user namespaces are allowed. */
        USER_NAMESPACES("user namespaces") {
            @Override
            Optional<String> missing() {
                Path max = Path.of("/proc/sys/user/max_user_namespaces");
                if (Files.isRegularFile(max) && read(max).strip().equals("0")) {
                    return Optional.of("user.max_user_namespaces is 0");
                }
                return Optional.empty();
            }
        };

        private final String description;

        Feature(String description) {
            this.description = description;
        }

        /** What the feature is, for a skip message. */
        public String description() {
            return description;
        }

        /** Why the feature is missing here, or empty when it is present. */
        abstract Optional<String> missing();
    }

    /** Whether this process runs with effective uid 0. */
    public static boolean isRoot() {
        return euid() == 0;
    }

    /** The effective uid of this process, from /proc/self/status. */
    public static long euid() {
        for (String line : read(Path.of("/proc/self/status")).split("\n")) {
            if (line.startsWith("Uid:")) {
                return Long.parseLong(line.substring(4).strip().split("\\s+")[1]);
            }
        }
        throw new IllegalStateException("no Uid: line in /proc/self/status");
    }

    /** Whether unmet kernel preconditions fail the test (true in CI) instead of skipping it. */
    public static boolean isRequired() {
        return Boolean.getBoolean(REQUIRE_PROPERTY);
    }

    /**
     * A precondition checked inside a kernel test: when {@code condition} is false the test is
     * aborted (skipped) with {@code reason}, or fails with it under {@value #REQUIRE_PROPERTY}.
     */
    public static void require(boolean condition, String reason) {
        if (condition) {
            return;
        }
        if (isRequired()) {
            throw new AssertionFailedError(failureMessage(reason));
        }
        throw new TestAbortedException("skipped: " + reason);
    }

    /** The mount point of the first cgroup2 hierarchy in this process's mount namespace. */
    public static Optional<Path> cgroup2Mount() {
        for (String line : read(Path.of("/proc/self/mountinfo")).split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] after = line.substring(dash + 3).split(" ");
            if (after[0].equals("cgroup2")) {
                return Optional.of(Path.of(line.substring(0, dash).split(" ")[4]));
            }
        }
        return Optional.empty();
    }

    static ConditionEvaluationResult unmet(String reason) {
        if (isRequired()) {
            throw new AssertionFailedError(failureMessage(reason));
        }
        return ConditionEvaluationResult.disabled("kernel test skipped: " + reason);
    }

    private static String failureMessage(String reason) {
        return "kernel test cannot run: " + reason + " (" + REQUIRE_PROPERTY
                + "=true turns this skip into a failure)";
    }

    static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
