package dev.gatun.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.testing.KernelTest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The wait strategies against real containers: what they wait for, and what their failure says. */
@KernelTest
class WaitKernelTest {

    private static final String THIRTY_LINES = "i=1; while [ $i -le 30 ]; do echo line $i; i=$((i+1)); done; ";

    @Test
    void aLogMessageWaitReturnsOnceTheLineAppearedTheGivenNumberOfTimesAndFeedsTheConsumer() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TestContainer c = TestContainer.sandbox()
                .command("/bin/sh", "-c", "echo up; sleep 0.3; echo up; exec sleep 60")
                .logConsumer(seen::add)
                .waitingFor(Wait.forLogMessage("up", 2).withStartupTimeout(Duration.ofSeconds(20)))) {
            c.start();
            assertThat(c.logs()).isEqualTo("up\nup\n");
            assertThat(seen).containsExactly("up", "up");
        }
    }

    @Test
    void aFailedLogMessageWaitSaysWhatItWaitedForShowsTheLastTwentyLinesAndStopsTheContainer() throws Exception {
        TestContainer c = TestContainer.sandbox()
                .command("/bin/sh", "-c", THIRTY_LINES + "exec sleep 60")
                .waitingFor(Wait.forLogMessage("started", 1).withStartupTimeout(Duration.ofSeconds(2)));
        assertThatThrownBy(c::start).isInstanceOf(WaitTimeoutException.class)
                .hasMessageStartingWith("container " + c.id() + ": waited for 1 line(s) of output matching /started/ (timeout PT2S): timed out")
                .hasMessageContaining("last 20 lines of its output:\n  line 11\n")
                .hasMessageEndingWith("\n  line 30")
                .message().doesNotContain("line 10\n");
        assertThat(c.isRunning()).as("stopped by the failed start").isFalse();
    }

    @Test
    void aPortWaitOnAPortNobodyListensOnFailsAlthoughTheHostSideForwarderAccepts() throws Exception {
        TestContainer c = TestContainer.sandbox()
                .command("/bin/sh", "-c", "echo not listening; exec sleep 60")
                .withExposedPort(80)
                .waitingFor(Wait.forListeningPort().withStartupTimeout(Duration.ofSeconds(1)));
        assertThatThrownBy(c::start).isInstanceOf(WaitTimeoutException.class)
                .hasMessageContaining("waited for container port 80/tcp to listen (timeout PT1S): timed out")
                .hasMessageContaining("no socket listens on port 80 in /proc/")
                .hasMessageEndingWith("last 1 lines of its output:\n  not listening");
        assertThat(c.isRunning()).isFalse();
    }

    @Test
    void anHttpWaitGivesUpWhenTheInitEndsAndShowsItsLastWords() {
        TestContainer c = TestContainer.sandbox()
                .command("/bin/sh", "-c", "echo cannot serve; exit 3")
                .withExposedPort(8080)
                .waitingFor(Wait.forHttp("/health"));
        assertThatThrownBy(c::start).isInstanceOf(WaitTimeoutException.class)
                .hasMessageContaining("waited for HTTP 200 from GET /health on container port 8080")
                .hasMessageContaining("the container's init ended")
                .hasMessageEndingWith("\n  cannot serve");
    }
}
