package dev.gatun.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimeOffsetsTest {

    @Test
    void eachNonZeroClockIsOneLineOfSecondsAndNanoseconds() {
        TimeOffsets t = new TimeOffsets(Duration.ofDays(1), Duration.ofSeconds(7, 250));
        assertThat(t.toProcText()).isEqualTo("monotonic 86400 0\nboottime 7 250\n");
    }

    @Test
    void negativeOffsetsHaveNegativeSecondsAndPositiveNanoseconds() {
        assertThat(TimeOffsets.boottime(Duration.ofMillis(-1500)).toProcText()).isEqualTo("boottime -2 500000000\n");
    }

    @Test
    void noOffsetsWriteNothing() {
        assertThat(TimeOffsets.NONE.isEmpty()).isTrue();
        assertThat(TimeOffsets.NONE.toProcText()).isEmpty();
    }

    @Test
    void ociEntriesSetTheirClock() {
        TimeOffsets t = TimeOffsets.NONE.withOci("monotonic", 10, 5).withOci("boottime", -3, 0);
        assertThat(t.monotonic()).isEqualTo(Duration.ofSeconds(10, 5));
        assertThat(t.boottime()).isEqualTo(Duration.ofSeconds(-3));
    }

    @Test
    void anUnknownClockOrBadNanosecondsAreRejected() {
        assertThatThrownBy(() -> TimeOffsets.NONE.withOci("realtime", 1, 0))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("realtime")
                .hasMessageContaining("monotonic or boottime");
        assertThatThrownBy(() -> TimeOffsets.NONE.withOci("boottime", 1, 1_000_000_000))
                .hasMessageContaining("linux.timeOffsets.boottime.nanosecs");
    }

    @Test
    void offsetsBeyondTheKernelsLimitAreRejected() {
        assertThatThrownBy(() -> TimeOffsets.monotonic(Duration.ofSeconds(TimeOffsets.MAX_SECONDS + 1)))
                .hasMessageContaining("timeOffsets.monotonic");
    }
}
