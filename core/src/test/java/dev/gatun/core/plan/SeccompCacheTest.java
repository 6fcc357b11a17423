package dev.gatun.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.linux.Arch;
import dev.gatun.core.security.SeccompCompiler;
import dev.gatun.core.security.SeccompProgram;
import dev.gatun.oci.Seccomp;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeccompCacheTest {

    private static Seccomp denying(String... names) {
        return new Seccomp("SCMP_ACT_ALLOW", null, List.of("SCMP_ARCH_X86_64"), null, null, null,
                List.of(new Seccomp.Syscall(List.of(names), "SCMP_ACT_ERRNO", 1L, null, null)), null);
    }

    @Test
    void anEqualSectionGetsTheProgramCompiledForTheFirst() {
        SeccompProgram first = SeccompCache.compile(denying("mount", "umount2"), Arch.X86_64);
        SeccompProgram second = SeccompCache.compile(denying("mount", "umount2"), Arch.X86_64);
        assertThat(second).isSameAs(first);
        assertThat(second.filter()).isEqualTo(
                SeccompCompiler.compile(SeccompMapping.toPolicy(denying("mount", "umount2"), Arch.X86_64)).filter());
    }

    @Test
    void aDifferentSectionIsCompiledForItself() {
        SeccompProgram mount = SeccompCache.compile(denying("mount"), Arch.X86_64);
        SeccompProgram reboot = SeccompCache.compile(denying("reboot"), Arch.X86_64);
        assertThat(reboot).isNotSameAs(mount);
        assertThat(reboot.filter()).isNotEqualTo(mount.filter());
    }

    @Test
    void aRefusedSectionIsRefusedEveryTimeAndNeverCached() {
        Seccomp unknown = denying("no_such_syscall_anywhere");
        assertThatThrownBy(() -> SeccompCache.compile(unknown, Arch.X86_64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SeccompCache.compile(unknown, Arch.X86_64)).isInstanceOf(IllegalArgumentException.class);
    }
}
