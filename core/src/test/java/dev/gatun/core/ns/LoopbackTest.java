package dev.gatun.core.ns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.spawn.Program;
import org.junit.jupiter.api.Test;

/** The loopback steps and struct, without a kernel. */
class LoopbackTest {

    @Test
    void theProgramFormOpensASocketSetsTheFlagsOfLoAndClosesIt() {
        String rendered = Loopback.appendUp(Program.builder()).build().render();
        assertThat(rendered.lines().map(String::strip)).containsExactly(
                "0  $lo_sock = socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, 0)",
                "1  ioctl($lo_sock, SIOCSIFFLAGS, &{\"lo\", IFF_UP|IFF_RUNNING})",
                "2  close($lo_sock)");
    }

    @Test
    void theIfreqNamesLoAndCarriesUpAndRunningInItsFlagsWord() {
        byte[] ifreq = Loopback.ifreqUp();
        assertThat(ifreq).hasSize(40);
        assertThat(new String(ifreq, 0, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("lo\0");
        assertThat(ifreq[16] & 0xff | (ifreq[17] & 0xff) << 8).isEqualTo(0x41);
        for (int i = 18; i < 40; i++) {
            assertThat(ifreq[i]).as("byte %d", i).isZero();
        }
    }
}
