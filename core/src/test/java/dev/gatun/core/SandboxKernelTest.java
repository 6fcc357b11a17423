package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.KernelTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Sandbox}: one call runs an untrusted command under a timeout and limits, against the real
 * kernel — the timeout kills it and all it started, the OOM killer and a failed fork show the
 * limits, output is capped, the working directory is read-only unless asked, and nothing is left.
 */
@KernelTest
@Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane)
class SandboxKernelTest {

    @TempDir
    Path tmp;

    private HostSnapshot before;

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp();
    }

    @BeforeEach
    void snapshot() {
        before = HostSnapshot.take();
    }

    @AfterEach
    void nothingLeftBehind() {
        HostSnapshot.take().assertNoLeaksSince(before);
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @Test
    void theResultHasTheExitStatusBothStreamsAndWhatTheCgroupCounted() throws Exception {
        SandboxResult r = Sandbox.run(List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 3"), s -> s.workingDirectory(tmp));
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.succeeded()).isFalse();
        assertThat(r.timedOut()).isFalse();
        assertThat(r.oomKilled()).isFalse();
        assertThat(r.stdoutText()).isEqualTo("out\n");
        assertThat(r.stderrText()).isEqualTo("err\n");
        assertThat(r.cpuTime()).isPresent();
        assertThat(r.peakMemoryBytes()).isPresent();
        assertThat(r.peakMemoryBytes().getAsLong()).isPositive();
        assertThat(r.droppedLimits()).isEmpty();
    }

    @Test
    void theTimeoutKillsItAndEverythingItStarted() throws Exception {
        SandboxResult r = Sandbox.run(List.of("/bin/sh", "-c", "sleep 60 & sleep 60 & echo started; wait"),
                s -> s.workingDirectory(tmp).timeout(Duration.ofMillis(500)));
        assertThat(r.timedOut()).isTrue();
        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(r.stdoutText()).isEqualTo("started\n");
        assertThat(r.wallTime()).isLessThan(Duration.ofSeconds(10));
        // the sleeps are gone with it: the snapshot after the test sees no child of this JVM
    }

    @Test
    void aMemoryHogIsOomKilledAndAForkLoopStopsAtThePidsLimit() throws Exception {
        SandboxResult oom = Sandbox.run(List.of("/bin/sh", "-c", "head -c 300m /dev/zero | tail > /dev/null"),
                s -> s.workingDirectory(tmp).memory("32m"));
        assertThat(oom.oomKilled()).as("%s", oom).isTrue();
        assertThat(oom.exitCode()).isNotZero();
        assertThat(oom.peakMemoryBytes().orElseThrow()).isLessThanOrEqualTo(32L << 20);

        SandboxResult fork = Sandbox.run(List.of("/bin/sh", "-c", "for i in $(seq 20); do sleep 5 & done; echo forked"),
                s -> s.workingDirectory(tmp).pidsLimit(5).timeout(Duration.ofSeconds(3)));
        assertThat(fork.stderrText()).as("%s", fork).containsIgnoringCase("fork");
        assertThat(fork.stdoutText()).doesNotContain("forked");
    }

    @Test
    void outputBeyondTheLimitIsReadAndDroppedAndTheCutIsMarked() throws Exception {
        SandboxResult r = Sandbox.run(List.of("/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' a; echo done >&2"),
                s -> s.workingDirectory(tmp).outputLimit(1000));
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).hasSize(1000);
        assertThat(r.stdoutTruncated()).isTrue();
        assertThat(r.stdoutText()).endsWith("a\n[truncated]");
        assertThat(r.stderrText()).isEqualTo("done\n");
        assertThat(r.stderrTruncated()).isFalse();
    }

    @Test
    void theWorkingDirectoryIsBoundReadOnlyUnlessMadeWritableAndTheRestOfTheHostIsOutOfReach() throws Exception {
        Files.writeString(tmp.resolve("input.txt"), "data\n");
        String script = "cat input.txt; pwd; touch made; echo touch=$?; touch /usr/x; echo usr=$?; ls /sys/class/net";
        SandboxResult ro = Sandbox.run(List.of("/bin/sh", "-c", script), s -> s.workingDirectory(tmp));
        assertThat(ro.stdoutText()).isEqualTo("data\n" + tmp + "\ntouch=1\nusr=1\nlo\n");
        assertThat(ro.stderrText()).contains("Read-only file system");
        assertThat(tmp.resolve("made")).doesNotExist();

        SandboxResult rw = Sandbox.run(List.of("/bin/sh", "-c", "touch made && echo made"),
                s -> s.workingDirectory(tmp).writable(true));
        assertThat(rw.stdoutText()).isEqualTo("made\n");
        assertThat(tmp.resolve("made")).exists();
    }

    @Test
    void inputIsItsStdinAndItRunsAsyncOrStreaming() throws Exception {
        SandboxResult echo = Sandbox.run(List.of("/bin/cat"),
                s -> s.workingDirectory(tmp).input("hello\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(echo.stdoutText()).isEqualTo("hello\n");

        SandboxResult async = Sandbox.runAsync(List.of("/bin/sh", "-c", "echo $GREETING"),
                s -> s.workingDirectory(tmp).env("GREETING", "hi")).get(60, TimeUnit.SECONDS);
        assertThat(async.stdoutText()).isEqualTo("hi\n");

        try (Sandbox.Running r = Sandbox.start(List.of("/bin/sh", "-c", "echo first; sleep 0.2; echo second"),
                s -> s.workingDirectory(tmp))) {
            BufferedReader out = new BufferedReader(new InputStreamReader(r.process().getInputStream(), StandardCharsets.UTF_8));
            assertThat(Ran.readLine(out)).isEqualTo("first");
            assertThat(Ran.readLine(out)).isEqualTo("second");
            SandboxResult streamed = r.await();
            assertThat(streamed.exitCode()).isZero();
            assertThat(streamed.stdout()).isEmpty(); // the caller read it
        }
    }

    @Test
    void badSettingsAreRefusedNamingTheSettingBeforeAnythingIsMade() {
        assertThatThrownBy(() -> Sandbox.run(List.of("/bin/true"), s -> s.timeout(Duration.ZERO)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("timeout: ");
        assertThatThrownBy(() -> Sandbox.run(List.of("/bin/true"), s -> s.memory("lots")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lots");
        assertThatThrownBy(() -> Sandbox.run(List.of("/bin/true"), s -> s.workingDirectory(tmp.resolve("absent"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("workingDirectory: ");
        assertThatThrownBy(() -> Sandbox.run(List.of("/bin/true"), s -> s.workingDirectory(Path.of("/"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole file system");
        assertThatThrownBy(() -> Sandbox.run(List.of(), s -> s.workingDirectory(tmp)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("command: ");
    }
}
