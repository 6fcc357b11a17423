package dev.gatun.core.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SyscallTableTest {

    @Test
    void x86_64AndAarch64NumbersMatchTheKernelHeaders() {
        // values from arch/x86/entry/syscalls/syscall_64.tbl and include/uapi/asm-generic/unistd.h
        SyscallTable x86 = SyscallTable.of(Arch.X86_64);
        SyscallTable arm = SyscallTable.of(Arch.AARCH64);
        assertThat(x86.number("read")).isZero();
        assertThat(x86.number("execve")).isEqualTo(59);
        assertThat(arm.number("execve")).isEqualTo(221);
        assertThat(arm.number("openat")).isEqualTo(56);
        assertThat(x86.number("clone3")).isEqualTo(435).isEqualTo(arm.number("clone3"));
    }

    @Test
    void aarch64HasNoLegacyCalls() {
        SyscallTable arm = SyscallTable.of(Arch.AARCH64);
        assertThat(arm.find("open")).isEmpty();
        assertThat(arm.find("fork")).isEmpty();
        assertThatThrownBy(() -> arm.number("dup2"))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessage("no syscall dup2 on aarch64");
    }

    @Test
    void numbersRenderBackToNames() {
        assertThat(SyscallTable.of(Arch.X86_64).name(165)).contains("mount");
        assertThat(SyscallTable.of(Arch.X86_64).name(100_000)).isEmpty();
    }
}
