package dev.gatun.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How a {@link Sandbox} run ended.
 *
 * @param exitCode the exit status, or 128 + the signal that ended it (137 after a SIGKILL)
 * @param timedOut whether the sandbox's timeout ended it (it was then SIGKILLed)
 * @param oomKilled whether the kernel's OOM killer ended a process of it under its memory limit
 * @param stdout what it wrote to stdout, at most the output limit
 * @param stdoutTruncated whether it wrote more, which was read and dropped
 * @param stderr what it wrote to stderr, at most the output limit
 * @param stderrTruncated whether it wrote more
 * @param wallTime from start to exit
 * @param cpuTime the CPU time of all its processes, from its cgroup; empty without one
 * @param peakMemoryBytes the most memory it used at once, from its cgroup; empty without one
 * @param droppedLimits the limits that were not applied (a non-root JVM without a delegated cgroup)
 */
public record SandboxResult(int exitCode, boolean timedOut, boolean oomKilled, byte[] stdout, boolean stdoutTruncated,
        byte[] stderr, boolean stderrTruncated, Duration wallTime, Optional<Duration> cpuTime,
        OptionalLong peakMemoryBytes, List<String> droppedLimits) {

    public SandboxResult {
        stdout = stdout.clone();
        stderr = stderr.clone();
        droppedLimits = List.copyOf(droppedLimits);
    }

    /** stdout as UTF-8 text, with {@code "\n[truncated]"} after it when it was cut. */
    public String stdoutText() {
        return text(stdout, stdoutTruncated);
    }

    /** stderr as UTF-8 text, with {@code "\n[truncated]"} after it when it was cut. */
    public String stderrText() {
        return text(stderr, stderrTruncated);
    }

    /** Whether it exited by itself with status 0. */
    public boolean succeeded() {
        return exitCode == 0 && !timedOut && !oomKilled;
    }

    @Override
    public byte[] stdout() {
        return stdout.clone();
    }

    @Override
    public byte[] stderr() {
        return stderr.clone();
    }

    private static String text(byte[] bytes, boolean truncated) {
        return new String(bytes, StandardCharsets.UTF_8) + (truncated ? "\n[truncated]" : "");
    }

    @Override
    public String toString() {
        return "SandboxResult[exit " + exitCode + (timedOut ? ", timed out" : "") + (oomKilled ? ", OOM-killed" : "")
                + ", " + stdout.length + (stdoutTruncated ? "+" : "") + " bytes out, " + stderr.length
                + (stderrTruncated ? "+" : "") + " bytes err, " + wallTime.toMillis() + " ms"
                + cpuTime.map(c -> ", CPU " + c.toMillis() + " ms").orElse("")
                + (peakMemoryBytes.isPresent() ? ", peak " + peakMemoryBytes.getAsLong() / 1024 + " KiB" : "")
                + (droppedLimits.isEmpty() ? "" : ", dropped " + droppedLimits) + "]";
    }
}
