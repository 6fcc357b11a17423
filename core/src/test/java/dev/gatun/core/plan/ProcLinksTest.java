package dev.gatun.core.plan;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.oci.InvalidSpecException;
import dev.gatun.oci.Mount;
import dev.gatun.oci.Spec;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProcLinksTest {

    private static final Spec SPEC = Spec.builder().mounts(List.of(
            new Mount("/proc", "proc", "proc", List.of(), null, null),
            new Mount("/host/proc/", "/proc", "bind", List.of("rbind"), null, null))).build();

    @ParameterizedTest
    @ValueSource(strings = {"/proc/self/fd/7", "/proc/self", "/proc/thread-self/cwd", "/proc/1/root/etc",
            "/proc/./self/../self/fd/3", "//proc//self/exe", "/tmp/../proc/42/cwd", "/host/proc/self/root"})
    void aPathInAProcesssOwnDirectoryOfAProcIsRefusedNamingTheSetting(String path) {
        assertThatThrownBy(() -> ProcLinks.refuse(SPEC, "$.process.cwd", path))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("$.process.cwd").hasMessageContaining(path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/proc", "/proc/sys/kernel", "/procself/fd/7", "/tmp/proc/self/fd/7", "relative/proc/self"})
    void otherPathsPass(String path) {
        assertThatCode(() -> ProcLinks.refuse(SPEC, "$.process.cwd", path)).doesNotThrowAnyException();
    }
}
