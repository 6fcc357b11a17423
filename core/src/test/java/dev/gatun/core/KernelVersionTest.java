package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class KernelVersionTest {

    @Test
    void readsTheNumbersAndIgnoresTheDistributionSuffix() {
        assertThat(KernelVersion.parse("6.1.0-56-amd64")).isEqualTo(new KernelVersion(6, 1, 0));
        assertThat(KernelVersion.parse("6.18.44-fc-v782")).isEqualTo(new KernelVersion(6, 18, 44));
        assertThat(KernelVersion.parse("5.11")).isEqualTo(new KernelVersion(5, 11, 0));
    }

    @Test
    void ordersByNumberNotByText() {
        assertThat(KernelVersion.parse("5.9")).isLessThan(KernelVersion.parse("5.11"));
        assertThat(KernelVersion.parse("6.1.100")).isGreaterThan(KernelVersion.parse("6.1.99"));
    }

    @Test
    void rejectsAStringThatIsNotAVersion() {
        assertThatIllegalArgumentException().isThrownBy(() -> KernelVersion.parse("linux"))
                .withMessageContaining("\"linux\"");
    }
}
