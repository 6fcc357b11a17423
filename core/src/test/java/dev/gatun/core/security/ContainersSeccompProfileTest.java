package dev.gatun.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.KernelVersion;
import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.SyscallTable;
import dev.gatun.core.security.BpfInterpreter.Data;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContainersSeccompProfileTest {

    private static final int ALLOW = 0x7FFF_0000;
    private static final int ENOSYS = 0x0005_0000 | 38;
    private static final int EPERM = 0x0005_0000 | 1;
    private static final int EINVAL = 0x0005_0000 | 22;
    private static final KernelVersion KERNEL = new KernelVersion(6, 18, 0);
    private static final SyscallTable X86_64 = SyscallTable.of(Arch.X86_64);

    private static SeccompPolicy dockerPolicy(Arch arch) {
        return ContainersSeccompProfile.bundled().policy(arch, CapabilitySets.DOCKER_DEFAULT, KERNEL);
    }

    private static BpfInterpreter dockerFilter() {
        return new BpfInterpreter(SeccompCompiler.compile(dockerPolicy(Arch.X86_64)));
    }

    private static Set<Capability> dockerPlus(Capability... extra) {
        Set<Capability> caps = EnumSet.copyOf(CapabilitySets.DOCKER_DEFAULT);
        caps.addAll(List.of(extra));
        return caps;
    }

    private static int run(BpfInterpreter bpf, String name, long... args) {
        return bpf.run(Data.of(Arch.X86_64, X86_64.number(name), args));
    }

    @Test
    void theDefaultProfileOnX8664AcceptsX86AndX32AndDefaultsToEnosys() {
        SeccompPolicy policy = dockerPolicy(Arch.X86_64);

        assertThat(policy.architectures()).containsExactly(Arch.X86_64, Arch.X86, Arch.X32);
        assertThat(policy.defaultAction()).isEqualTo(SeccompAction.errno(38));
        assertThat(dockerPolicy(Arch.AARCH64).architectures()).containsExactly(Arch.AARCH64, Arch.ARM);
    }

    @Test
    void ordinaryCallsAreAllowedUnknownOnesGetEnosysAndListedDangerousOnesEperm() {
        BpfInterpreter bpf = dockerFilter();

        for (String name : List.of("read", "write", "openat", "mkdirat", "uname", "clone", "clone3", "execve",
                "exit_group", "futex", "mount", "arch_prctl", "modify_ldt", "chroot")) {
            assertThat(run(bpf, name)).as(name).isEqualTo(ALLOW);
        }
        assertThat(run(bpf, "add_key")).isEqualTo(ENOSYS);
        assertThat(run(bpf, "io_uring_setup")).isEqualTo(ENOSYS);
        assertThat(run(bpf, "kexec_load")).isEqualTo(EPERM);
        assertThat(run(bpf, "userfaultfd")).isEqualTo(EPERM);
        assertThat(run(bpf, "swapon")).isEqualTo(EPERM);
    }

    @Test
    void personalityIsAllowedOnlyForTheListedPersonas() {
        BpfInterpreter bpf = dockerFilter();

        for (long persona : new long[] {0, 8, 0x20000, 0x20008, 0xFFFF_FFFFL}) {
            assertThat(run(bpf, "personality", persona)).as("persona 0x%x", persona).isEqualTo(ALLOW);
        }
        for (long persona : new long[] {1, 0x0040000, 0x1_FFFF_FFFFL, 0x1_0000_0000L}) {
            assertThat(run(bpf, "personality", persona)).as("persona 0x%x", persona).isEqualTo(ENOSYS);
        }
    }

    @Test
    void callsGuardedByACapabilityFollowTheBoundingSet() {
        BpfInterpreter docker = dockerFilter();
        BpfInterpreter admin = new BpfInterpreter(SeccompCompiler.compile(ContainersSeccompProfile.bundled()
                .policy(Arch.X86_64, dockerPlus(Capability.CAP_SYS_ADMIN, Capability.CAP_SYS_RAWIO), KERNEL)));
        BpfInterpreter bpfOnly = new BpfInterpreter(SeccompCompiler.compile(ContainersSeccompProfile.bundled()
                .policy(Arch.X86_64, dockerPlus(Capability.CAP_BPF), KERNEL)));

        assertThat(run(docker, "sethostname")).isEqualTo(EPERM);
        assertThat(run(admin, "sethostname")).isEqualTo(ALLOW);
        assertThat(run(docker, "ioperm")).isEqualTo(EPERM);
        assertThat(run(admin, "ioperm")).isEqualTo(ALLOW);
        assertThat(run(docker, "bpf")).isEqualTo(EPERM);
        assertThat(run(admin, "bpf")).isEqualTo(ALLOW);
        assertThat(run(bpfOnly, "bpf")).isEqualTo(ALLOW);
        assertThat(run(docker, "perf_event_open")).isEqualTo(EPERM);
        assertThat(run(docker, "open_by_handle_at")).isEqualTo(EPERM);
    }

    @Test
    void netlinkAuditSocketsNeedCapAuditWrite() {
        BpfInterpreter docker = dockerFilter();
        Set<Capability> noAudit = EnumSet.copyOf(CapabilitySets.DOCKER_DEFAULT);
        noAudit.remove(Capability.CAP_AUDIT_WRITE);
        BpfInterpreter without = new BpfInterpreter(SeccompCompiler.compile(
                ContainersSeccompProfile.bundled().policy(Arch.X86_64, noAudit, KERNEL)));

        assertThat(run(docker, "socket", 16, 3, 9)).isEqualTo(ALLOW);
        assertThat(run(without, "socket", 16, 3, 9)).isEqualTo(EINVAL);
        assertThat(run(without, "socket", 16, 3, 0)).isEqualTo(ALLOW);
        assertThat(run(without, "socket", 2, 1, 9)).isEqualTo(ALLOW);
    }

    @Test
    void x32AndI386CallsAreJudgedWithTheirOwnNumbersAndOtherArchitecturesAreKilled() {
        BpfInterpreter bpf = dockerFilter();
        long x32 = SeccompCompiler.X32_SYSCALL_BIT;

        assertThat(bpf.run(Data.of(Arch.X32, x32 | SyscallTable.of(Arch.X32).number("read")))).isEqualTo(ALLOW);
        assertThat(bpf.run(Data.of(Arch.X32, x32 | SyscallTable.of(Arch.X32).number("kexec_load")))).isEqualTo(EPERM);
        assertThat(bpf.run(Data.of(Arch.X86, SyscallTable.of(Arch.X86).number("socketcall")))).isEqualTo(ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86, SyscallTable.of(Arch.X86).number("vm86")))).isEqualTo(EPERM);
        assertThat(bpf.run(Data.of(Arch.AARCH64, 63))).isEqualTo(0);
        assertThat(bpf.run(Data.of(Arch.ARM, 3))).isEqualTo(0);
    }

    @Test
    void theAarch64ProfileAllowsArmOnlyCallsOnArm() {
        BpfInterpreter bpf = new BpfInterpreter(SeccompCompiler.compile(dockerPolicy(Arch.AARCH64)));

        assertThat(bpf.run(Data.of(Arch.ARM, SyscallTable.of(Arch.ARM).number("arm_fadvise64_64")))).isEqualTo(ALLOW);
        assertThat(bpf.run(Data.of(Arch.AARCH64, SyscallTable.of(Arch.AARCH64).number("openat")))).isEqualTo(ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86_64, 0))).isEqualTo(0);
    }

    @Test
    void theCompiledDefaultProfileAgreesWithADirectEvaluationOfThePolicyForEveryCall() {
        for (Arch nativeArch : List.of(Arch.X86_64, Arch.AARCH64)) {
            for (Set<Capability> caps : List.of(CapabilitySets.DOCKER_DEFAULT, Set.<Capability>of(),
                    EnumSet.allOf(Capability.class))) {
                SeccompPolicy policy = ContainersSeccompProfile.bundled().policy(nativeArch, caps, KERNEL);
                BpfInterpreter bpf = new BpfInterpreter(SeccompCompiler.compile(policy));
                Random random = new Random(7);
                for (Arch arch : policy.architectures()) {
                    long offset = arch == Arch.X32 ? SeccompCompiler.X32_SYSCALL_BIT : 0;
                    for (String name : SyscallTable.of(arch).names()) {
                        for (int i = 0; i < 4; i++) {
                            long[] args = {i == 0 ? 0xFFFF_FFFFL : random.nextInt(20), random.nextInt(20),
                                random.nextInt(12), random.nextLong(), 0, 0};
                            int nr = SyscallTable.of(arch).number(name);
                            assertThat(bpf.run(Data.of(arch, offset + nr, args)))
                                    .as("%s on %s (native %s, caps %s)", name, arch, nativeArch, caps.size())
                                    .isEqualTo(ReferencePolicy.evaluate(policy, arch, nr, args));
                        }
                    }
                }
            }
        }
    }

    @Test
    void theDefaultProfileCompilesToAFewHundredInstructions() {
        SeccompProgram x86 = SeccompCompiler.compile(dockerPolicy(Arch.X86_64));
        SeccompProgram arm = SeccompCompiler.compile(dockerPolicy(Arch.AARCH64));
        SeccompProgram privileged = SeccompCompiler.compile(ContainersSeccompProfile.bundled()
                .policy(Arch.X86_64, EnumSet.allOf(Capability.class), KERNEL));

        System.out.printf("containers-common default profile: x86_64 %d, aarch64 %d, x86_64 all caps %d instructions%n",
                x86.instructions(), arm.instructions(), privileged.instructions());
        assertThat(x86.instructions()).isLessThan(1000);
        assertThat(arm.instructions()).isLessThan(1000);
        assertThat(privileged.instructions()).isLessThan(1000);
    }

    @Test
    void includesAndExcludesHonourMinKernelAndArches() {
        String json = """
                {"defaultAction": "SCMP_ACT_ERRNO",
                 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": []}],
                 "syscalls": [
                   {"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "6.19"}},
                   {"names": ["write"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "6.2"}},
                   {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "6.2"}},
                   {"names": ["gettid"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}},
                   {"names": ["getuid"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm64"]}}
                 ]}""";
        SeccompPolicy policy = ContainersSeccompProfile.parse(json).policy(Arch.X86_64, Set.of(), KERNEL);

        assertThat(policy.rules()).extracting(r -> r.names().getFirst()).containsExactly("write");
        assertThat(policy.architectures()).containsExactly(Arch.X86_64);
        assertThat(policy.defaultAction()).isEqualTo(SeccompAction.errno(1));
    }

    @Test
    void malformedProfilesNameTheJsonPath() {
        String badOp = """
                {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
                  "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ALMOST"}]}]}""";
        String badCap = """
                {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
                  "includes": {"caps": ["CAP_TELEPORT"]}}]}""";

        assertThatThrownBy(() -> ContainersSeccompProfile.parse(badOp).policy(Arch.X86_64, Set.of(), KERNEL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("syscalls[0].args[0]").hasMessageContaining("SCMP_CMP_ALMOST");
        assertThatThrownBy(() -> ContainersSeccompProfile.parse(badCap).policy(Arch.X86_64, Set.of(), KERNEL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("syscalls[0].includes.caps").hasMessageContaining("CAP_TELEPORT");
        assertThatThrownBy(() -> ContainersSeccompProfile.parse("[1]"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
