package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.oci.Seccomp;
import org.junit.jupiter.api.Test;

/** The seccomp section the builder writes: the last one made is reused only for equal inputs. */
class ContainerBuilderSeccompTest {

    private static Seccomp section(ContainerBuilder b) {
        return b.command("/bin/true").toSpec().linux().seccomp();
    }

    @Test
    void theSectionFollowsTheProfileAndTheCapabilitiesEvenWhenTheLastOneIsReused() {
        Seccomp sandbox = section(Container.builder());
        assertThat(section(Container.builder())).as("the same inputs: the same section").isSameAs(sandbox);

        Seccomp admin = section(Container.builder().capabilities("CAP_SYS_ADMIN"));
        assertThat(admin).isNotEqualTo(sandbox);

        Seccomp common = section(Container.builder().seccomp(SeccompProfile.CONTAINERS_COMMON));
        assertThat(common).isNotEqualTo(sandbox).isNotEqualTo(admin);

        assertThat(section(Container.builder())).as("back to the default").isEqualTo(sandbox);
        assertThat(Container.builder().command("/bin/true").seccomp(false).toSpec().linux().seccomp()).isNull();
    }
}
