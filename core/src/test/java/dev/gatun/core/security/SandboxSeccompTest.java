package dev.gatun.core.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.KernelVersion;
import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.SyscallTable;
import dev.gatun.core.security.BpfInterpreter.Data;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SandboxSeccompTest {

    private static final int ALLOW = 0x7FFF_0000;
    private static final int ENOSYS = 0x0005_0000 | 38;
    private static final int EPERM = 0x0005_0000 | 1;
    private static final KernelVersion KERNEL = new KernelVersion(6, 18, 0);
    private static final SyscallTable X86_64 = SyscallTable.of(Arch.X86_64);
    private static final long CLONE_NEWUSER = 0x10000000L;
    private static final long CLONE_NEWNS = 0x00020000L;
    private static final long CLONE_NEWNET = 0x40000000L;
    private static final long THREAD_FLAGS = 0x003D0F00L; // what glibc's pthread_create passes

    private static BpfInterpreter filter(Set<Capability> bounding) {
        return new BpfInterpreter(SeccompCompiler.compile(SandboxSeccomp.policy(Arch.X86_64, bounding, KERNEL)));
    }

    private static int run(BpfInterpreter bpf, String name, long... args) {
        return bpf.run(Data.of(Arch.X86_64, X86_64.number(name), args));
    }

    @Test
    void withoutSysAdminNewNamespacesMountsAndSetnsAreRefusedWithEperm() {
        BpfInterpreter bpf = filter(CapabilitySets.DOCKER_DEFAULT);
        for (String name : SandboxSeccomp.ADMIN_ONLY) {
            if (X86_64.find(name).isPresent()) {
                assertThat(run(bpf, name)).as(name).isEqualTo(EPERM);
            }
        }
        assertThat(run(bpf, "clone", CLONE_NEWUSER)).isEqualTo(EPERM);
        assertThat(run(bpf, "clone", CLONE_NEWNS | 17)).isEqualTo(EPERM);
        assertThat(run(bpf, "clone", CLONE_NEWNET)).isEqualTo(EPERM);
        // a fork and a thread stay allowed; clone3 says it does not exist, so libc falls back to clone
        assertThat(run(bpf, "clone", 17)).isEqualTo(ALLOW);
        assertThat(run(bpf, "clone", THREAD_FLAGS)).isEqualTo(ALLOW);
        assertThat(run(bpf, "clone3")).isEqualTo(ENOSYS);
    }

    @Test
    void keyringsAndIoUringAreRefusedEvenWithSysAdmin() {
        for (Set<Capability> caps : List.of(CapabilitySets.DOCKER_DEFAULT, withSysAdmin())) {
            BpfInterpreter bpf = filter(caps);
            for (String name : SandboxSeccomp.NEVER) {
                assertThat(run(bpf, name)).as("%s with %s", name, caps.contains(Capability.CAP_SYS_ADMIN)).isEqualTo(EPERM);
            }
        }
    }

    @Test
    void withSysAdminTheProfileDecidesAsContainersCommonDoes() {
        BpfInterpreter bpf = filter(withSysAdmin());
        for (String name : List.of("unshare", "setns", "mount", "umount2", "pivot_root", "clone3")) {
            assertThat(run(bpf, name)).as(name).isEqualTo(ALLOW);
        }
        assertThat(run(bpf, "clone", CLONE_NEWUSER)).isEqualTo(ALLOW);
    }

    @Test
    void everythingElseIsDecidedAsInContainersCommon() {
        BpfInterpreter strict = filter(CapabilitySets.DOCKER_DEFAULT);
        BpfInterpreter common = new BpfInterpreter(SeccompCompiler.compile(
                ContainersSeccompProfile.bundled().policy(Arch.X86_64, CapabilitySets.DOCKER_DEFAULT, KERNEL)));
        for (String name : List.of("read", "write", "openat", "execve", "exit_group", "futex", "socket", "ptrace",
                "kexec_load", "userfaultfd", "personality", "chroot", "open_by_handle_at", "init_module", "reboot")) {
            assertThat(run(strict, name)).as(name).isEqualTo(run(common, name));
        }
    }

    private static Set<Capability> withSysAdmin() {
        Set<Capability> caps = EnumSet.copyOf(CapabilitySets.DOCKER_DEFAULT);
        caps.add(Capability.CAP_SYS_ADMIN);
        return caps;
    }
}
