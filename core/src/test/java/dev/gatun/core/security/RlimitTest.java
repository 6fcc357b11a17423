package dev.gatun.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class RlimitTest {

    @Test
    void numbersAreTheGenericKernelOnes() {
        assertThat(Rlimit.RLIMIT_CPU.number()).isZero();
        assertThat(Rlimit.RLIMIT_CORE.number()).isEqualTo(4);
        assertThat(Rlimit.RLIMIT_NPROC.number()).isEqualTo(6);
        assertThat(Rlimit.RLIMIT_NOFILE.number()).isEqualTo(7);
        assertThat(Rlimit.RLIMIT_MEMLOCK.number()).isEqualTo(8);
        assertThat(Rlimit.RLIMIT_AS.number()).isEqualTo(9);
        assertThat(Rlimit.RLIMIT_RTTIME.number()).isEqualTo(15);
        assertThat(Rlimit.of("rlimit_nofile")).isEqualTo(Rlimit.RLIMIT_NOFILE);
        assertThatThrownBy(() -> Rlimit.of("RLIMIT_FUN")).hasMessageContaining("\"RLIMIT_FUN\"");
    }

    @Test
    void thePrlimitStepCarriesStructRlimit64() {
        SecurityStep.Prlimit step = Rlimit.RLIMIT_NOFILE.prlimit(1024, Rlimit.INFINITY);
        ByteBuffer b = ByteBuffer.wrap(step.rlimit64()).order(ByteOrder.nativeOrder());

        assertThat(step.resource()).isEqualTo(7);
        assertThat(b.getLong(0)).isEqualTo(1024);
        assertThat(b.getLong(8)).isEqualTo(-1L);
        assertThat(step.describe()).isEqualTo("prlimit64(RLIMIT_NOFILE, 1024, unlimited)");
    }

    @Test
    void aSoftLimitAboveTheHardOneIsRefusedComparingUnsigned() {
        assertThatThrownBy(() -> Rlimit.RLIMIT_NOFILE.prlimit(2048, 1024))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RLIMIT_NOFILE")
                .hasMessageContaining("2048").hasMessageContaining("1024");
        assertThatThrownBy(() -> Rlimit.RLIMIT_CORE.prlimit(Rlimit.INFINITY, 0))
                .hasMessageContaining("18446744073709551615");
        assertThat(Rlimit.RLIMIT_CORE.prlimit(0, Rlimit.INFINITY).resource()).isEqualTo(4);
    }
}
