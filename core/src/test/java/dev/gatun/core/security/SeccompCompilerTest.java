package dev.gatun.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.SyscallTable;
import dev.gatun.core.security.ArgCondition.Op;
import dev.gatun.core.security.BpfInterpreter.Data;
import dev.gatun.core.security.SeccompAction.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SeccompCompilerTest {

    private static final int RET_ALLOW = 0x7FFF_0000;
    private static final int RET_KILL_THREAD = 0;
    private static final SyscallTable X86_64 = SyscallTable.of(Arch.X86_64);
    private static final SyscallTable X32 = SyscallTable.of(Arch.X32);
    private static final SyscallTable I386 = SyscallTable.of(Arch.X86);
    private static final SyscallTable AARCH64 = SyscallTable.of(Arch.AARCH64);

    private static int errno(int e) {
        return 0x0005_0000 | e;
    }

    private static BpfInterpreter compile(SeccompPolicy policy) {
        return new BpfInterpreter(SeccompCompiler.compile(policy));
    }

    private static int nr(String name) {
        return X86_64.number(name);
    }

    @Test
    void listedCallsAreAllowedAndEveryOtherGetsTheDefaultErrno() {
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.errno(38), List.of(Arch.X86_64),
                List.of(SeccompRule.of(SeccompAction.allow(), "read", "write", "exit_group"))));

        assertThat(bpf.run(Data.of(Arch.X86_64, nr("read")))).isEqualTo(RET_ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("write")))).isEqualTo(RET_ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("exit_group")))).isEqualTo(RET_ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("openat")))).isEqualTo(errno(38));
        assertThat(bpf.run(Data.of(Arch.X86_64, 1000))).isEqualTo(errno(38));
        // -1 has the x32 bit set; x32 is not listed: libseccomp's bad-arch action
        assertThat(bpf.run(Data.of(Arch.X86_64, 0xFFFF_FFFFL))).isEqualTo(RET_KILL_THREAD);
    }

    @Test
    void everyActionIsEncodedAsTheKernelDefinesIt() {
        List<Object[]> cases = List.of(
                new Object[] {"getpid", SeccompAction.of(Kind.KILL_PROCESS), 0x8000_0000},
                new Object[] {"getppid", SeccompAction.of(Kind.KILL_THREAD), 0x0000_0000},
                new Object[] {"getuid", SeccompAction.of(Kind.TRAP), 0x0003_0000},
                new Object[] {"getgid", SeccompAction.errno(13), 0x0005_000D},
                new Object[] {"geteuid", SeccompAction.trace(0x1234), 0x7FF0_1234},
                new Object[] {"getegid", SeccompAction.of(Kind.LOG), 0x7FFC_0000},
                new Object[] {"gettid", SeccompAction.allow(), 0x7FFF_0000});
        List<SeccompRule> rules = new ArrayList<>();
        for (Object[] c : cases) {
            rules.add(SeccompRule.of((SeccompAction) c[1], (String) c[0]));
        }
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.errno(1), List.of(Arch.X86_64), rules));

        for (Object[] c : cases) {
            assertThat(bpf.run(Data.of(Arch.X86_64, nr((String) c[0])))).as((String) c[0]).isEqualTo(c[2]);
        }
    }

    @Test
    void ociActionNamesMapToKindsAndErrnoDefaultsToEperm() {
        assertThat(SeccompAction.of("SCMP_ACT_KILL", null)).isEqualTo(SeccompAction.of(Kind.KILL_THREAD));
        assertThat(SeccompAction.of("SCMP_ACT_KILL_PROCESS", null).ret()).isEqualTo(0x8000_0000);
        assertThat(SeccompAction.of("SCMP_ACT_ERRNO", null)).isEqualTo(SeccompAction.errno(1));
        assertThat(SeccompAction.of("SCMP_ACT_ERRNO", 38).ret()).isEqualTo(0x0005_0026);
        assertThat(SeccompAction.of("SCMP_ACT_TRACE", null)).isEqualTo(SeccompAction.trace(1));
        assertThat(SeccompAction.of("SCMP_ACT_ALLOW", 5)).isEqualTo(SeccompAction.allow());
        assertThatThrownBy(() -> SeccompAction.of("SCMP_ACT_MAYBE", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SCMP_ACT_MAYBE");
        assertThatThrownBy(() -> SeccompAction.errno(4096))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4096");
    }

    @Test
    void notifyIsRefusedBecauseGatunHasNoListenerYet() {
        SeccompPolicy policy = SeccompPolicy.of(SeccompAction.allow(), List.of(Arch.X86_64),
                List.of(SeccompRule.of(SeccompAction.of(Kind.NOTIFY), "mount")));

        assertThatThrownBy(() -> SeccompCompiler.compile(policy))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SCMP_ACT_NOTIFY").hasMessageContaining("[mount]");
    }

    @Test
    void aNameNoArchitectureKnowsIsAnErrorNamingIt() {
        SeccompPolicy policy = SeccompPolicy.of(SeccompAction.allow(), List.of(Arch.X86_64),
                List.of(SeccompRule.of(SeccompAction.errno(1), "mkdirat", "mkdirrat")));

        assertThatThrownBy(() -> SeccompCompiler.compile(policy))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"mkdirrat\"");
    }

    @Test
    void aNameTheArchitectureLacksIsSkippedThere() {
        // open, arch_prctl: x86_64 only; s390_pci_mmio_read: known to libseccomp, on none of these
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.errno(38), List.of(Arch.AARCH64),
                List.of(SeccompRule.of(SeccompAction.allow(), "open", "arch_prctl", "s390_pci_mmio_read", "openat"))));

        assertThat(bpf.run(Data.of(Arch.AARCH64, AARCH64.number("openat")))).isEqualTo(RET_ALLOW);
        assertThat(bpf.run(Data.of(Arch.AARCH64, X86_64.number("open")))).isEqualTo(errno(38));
    }

    @Test
    void aCallFromAnArchitectureNotListedGetsTheBadArchAction() {
        SeccompPolicy policy = SeccompPolicy.of(SeccompAction.allow(), List.of(Arch.X86_64), List.of());

        assertThat(compile(policy).run(Data.of(Arch.X86, 1))).isEqualTo(RET_KILL_THREAD);
        assertThat(compile(policy).run(Data.of(Arch.AARCH64, 1))).isEqualTo(RET_KILL_THREAD);
        assertThat(compile(policy.withBadArchAction(SeccompAction.of(Kind.KILL_PROCESS))).run(Data.of(Arch.ARM, 1)))
                .isEqualTo(0x8000_0000);
        assertThat(compile(policy).run(Data.of(Arch.X86_64, 1))).isEqualTo(RET_ALLOW);
    }

    @Test
    void x32NumbersAreBadArchUnlessX32IsListed() {
        SeccompRule rule = SeccompRule.of(SeccompAction.allow(), "read", "ioctl");
        BpfInterpreter only64 = compile(SeccompPolicy.of(SeccompAction.errno(1), List.of(Arch.X86_64), List.of(rule)));
        BpfInterpreter with32 = compile(SeccompPolicy.of(SeccompAction.errno(1), List.of(Arch.X86_64, Arch.X32),
                List.of(rule)));
        long x32Bit = SeccompCompiler.X32_SYSCALL_BIT;

        assertThat(only64.run(Data.of(Arch.X86_64, x32Bit | X32.number("read")))).isEqualTo(RET_KILL_THREAD);
        assertThat(only64.run(Data.of(Arch.X86_64, nr("ioctl")))).isEqualTo(RET_ALLOW);
        assertThat(with32.run(Data.of(Arch.X86_64, x32Bit | X32.number("read")))).isEqualTo(RET_ALLOW);
        // x32's ioctl is 514, not x86_64's 16, which x32 must not reach
        assertThat(X32.number("ioctl")).isNotEqualTo(nr("ioctl"));
        assertThat(with32.run(Data.of(Arch.X86_64, x32Bit | X32.number("ioctl")))).isEqualTo(RET_ALLOW);
        assertThat(with32.run(Data.of(Arch.X86_64, x32Bit | nr("ioctl")))).isEqualTo(errno(1));
        assertThat(with32.run(Data.of(Arch.X86_64, nr("ioctl")))).isEqualTo(RET_ALLOW);
    }

    @Test
    void onlyX32ListedMakesPlainX8664NumbersBadArch() {
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.errno(1), List.of(Arch.X32),
                List.of(SeccompRule.of(SeccompAction.allow(), "read"))));

        assertThat(bpf.run(Data.of(Arch.X86_64, nr("read")))).isEqualTo(RET_KILL_THREAD);
        assertThat(bpf.run(Data.of(Arch.X86_64, SeccompCompiler.X32_SYSCALL_BIT | X32.number("read"))))
                .isEqualTo(RET_ALLOW);
    }

    @Test
    void i386CallsAreResolvedWithTheI386Table() {
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.errno(1), List.of(Arch.X86_64, Arch.X86),
                List.of(SeccompRule.of(SeccompAction.errno(13), "mkdir"))));

        assertThat(bpf.run(Data.of(Arch.X86, I386.number("mkdir")))).isEqualTo(errno(13));
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("mkdir")))).isEqualTo(errno(13));
        assertThat(I386.number("mkdir")).isNotEqualTo(nr("mkdir"));
        assertThat(bpf.run(Data.of(Arch.X86, nr("mkdir")))).isEqualTo(errno(1));
    }

    @Test
    void sixtyFourBitComparisonsAgreeWithUnsignedJavaArithmetic() {
        long[] edges = {0, 1, 2, 8, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL, 0x1_0000_0000L, 0x1_0000_0001L,
            0x1_FFFF_FFFFL, 0x7FFF_FFFF_FFFF_FFFFL, 0x8000_0000_0000_0000L, -2L, -1L};
        Random random = new Random(42);
        for (Op op : Op.values()) {
            for (long value : edges) {
                long mask = op == Op.MASKED_EQ ? value : 0;
                long datum = op == Op.MASKED_EQ ? value ^ 0x0000_FFFF_0000_FFFFL : 0;
                ArgCondition c = new ArgCondition(2, op, value, datum);
                BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.errno(1), List.of(Arch.X86_64),
                        List.of(new SeccompRule(List.of("read"), SeccompAction.allow(), List.of(c)))));
                List<Long> args = new ArrayList<>();
                for (long e : edges) {
                    args.add(e);
                }
                for (int i = 0; i < 20; i++) {
                    args.add(random.nextLong());
                    args.add(value + random.nextInt(3) - 1);
                }
                for (long arg : args) {
                    boolean holds = switch (op) {
                        case NE -> arg != value;
                        case LT -> Long.compareUnsigned(arg, value) < 0;
                        case LE -> Long.compareUnsigned(arg, value) <= 0;
                        case EQ -> arg == value;
                        case GE -> Long.compareUnsigned(arg, value) >= 0;
                        case GT -> Long.compareUnsigned(arg, value) > 0;
                        case MASKED_EQ -> (arg & mask) == (datum & mask);
                    };
                    assertThat(bpf.run(Data.of(Arch.X86_64, nr("read"), 0, 0, arg)))
                            .as("%s with arg2=0x%x", c, arg).isEqualTo(holds ? RET_ALLOW : errno(1));
                }
            }
        }
    }

    @Test
    void aMaskedEqWithAZeroMaskAlwaysHoldsSoItsRuleIsUnconditionalAsInLibseccomp() {
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.errno(38), List.of(Arch.X86_64, Arch.X86),
                List.of(new SeccompRule(List.of("clone"), SeccompAction.of(Kind.LOG),
                                List.of(ArgCondition.maskedEq(3, 0x1_0000_0000L, 0))),
                        SeccompRule.of(SeccompAction.allow(), "clone"))));

        // x86_64 compares the high word, so the rule is conditional and the unconditional ALLOW replaces it
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("clone")))).isEqualTo(RET_ALLOW);
        // i386 compares the low word only: the mask is zero there, the rule unconditional and first
        assertThat(bpf.run(Data.of(Arch.X86, I386.number("clone")))).isEqualTo(0x7FFC_0000);
    }

    @Test
    void onI386ARuleOnASocketCallAlsoCoversItsSocketcallForm() {
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.allow(), List.of(Arch.X86_64, Arch.X86), List.of(
                new SeccompRule(List.of("socket"), SeccompAction.errno(13), List.of(ArgCondition.of(0, Op.EQ, 16))),
                SeccompRule.of(SeccompAction.errno(1), "accept", "shmat"))));
        int socketcall = I386.number("socketcall");
        int ipc = I386.number("ipc");

        assertThat(bpf.run(Data.of(Arch.X86, I386.number("socket"), 16))).isEqualTo(errno(13));
        assertThat(bpf.run(Data.of(Arch.X86, I386.number("socket"), 2))).isEqualTo(RET_ALLOW);
        // libseccomp replaces the condition on argument 0 with the multiplexer's call number
        assertThat(bpf.run(Data.of(Arch.X86, socketcall, 1))).as("SYS_SOCKET").isEqualTo(errno(13));
        assertThat(bpf.run(Data.of(Arch.X86, socketcall, 2))).as("SYS_BIND").isEqualTo(RET_ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86, socketcall, 5))).as("SYS_ACCEPT").isEqualTo(errno(1));
        assertThat(bpf.run(Data.of(Arch.X86, ipc, 21))).as("SHMAT").isEqualTo(errno(1));
        assertThat(bpf.run(Data.of(Arch.X86, ipc, 22))).as("SHMDT").isEqualTo(RET_ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("accept")))).isEqualTo(errno(1));
    }

    @Test
    void thirtyTwoBitArchitecturesCompareTheLowWordOnly() {
        ArgCondition c = ArgCondition.of(0, Op.EQ, 0xFFFF_FFFF_0000_0008L);
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.errno(1), List.of(Arch.X86_64, Arch.X86),
                List.of(new SeccompRule(List.of("personality"), SeccompAction.allow(), List.of(c)))));

        assertThat(bpf.run(Data.of(Arch.X86, I386.number("personality"), 8))).isEqualTo(RET_ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("personality"), 8))).isEqualTo(errno(1));
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("personality"), 0xFFFF_FFFF_0000_0008L))).isEqualTo(RET_ALLOW);
    }

    @Test
    void conditionsOfOneRuleMustAllHold() {
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.allow(), List.of(Arch.X86_64),
                List.of(new SeccompRule(List.of("socket"), SeccompAction.errno(22),
                        List.of(ArgCondition.of(0, Op.EQ, 16), ArgCondition.of(2, Op.EQ, 9))))));

        assertThat(bpf.run(Data.of(Arch.X86_64, nr("socket"), 16, 3, 9))).isEqualTo(errno(22));
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("socket"), 16, 3, 0))).isEqualTo(RET_ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("socket"), 2, 1, 9))).isEqualTo(RET_ALLOW);
    }

    @Test
    void conditionalRulesAreTriedInTheOrderListed() {
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.errno(38), List.of(Arch.X86_64), List.of(
                new SeccompRule(List.of("kill"), SeccompAction.errno(3), List.of(ArgCondition.of(1, Op.EQ, 9))),
                new SeccompRule(List.of("kill"), SeccompAction.errno(4), List.of(ArgCondition.of(1, Op.GE, 9))),
                new SeccompRule(List.of("kill"), SeccompAction.allow(), List.of(ArgCondition.of(1, Op.LT, 9))))));

        assertThat(bpf.run(Data.of(Arch.X86_64, nr("kill"), 1, 9))).isEqualTo(errno(3));
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("kill"), 1, 10))).isEqualTo(errno(4));
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("kill"), 1, 0))).isEqualTo(RET_ALLOW);
    }

    @Test
    void anUnconditionalRuleOverridesTheCallsConditionalRulesBeforeAndAfterItAsInLibseccomp() {
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.errno(38), List.of(Arch.X86_64), List.of(
                new SeccompRule(List.of("kill"), SeccompAction.errno(3), List.of(ArgCondition.of(1, Op.EQ, 9))),
                SeccompRule.of(SeccompAction.allow(), "kill"),
                new SeccompRule(List.of("kill"), SeccompAction.errno(4), List.of(ArgCondition.of(1, Op.EQ, 10))))));

        assertThat(bpf.run(Data.of(Arch.X86_64, nr("kill"), 1, 9))).isEqualTo(RET_ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("kill"), 1, 10))).isEqualTo(RET_ALLOW);
    }

    @Test
    void aRuleThatRepeatsTheDefaultActionIsDroppedAsLibseccompDoes() {
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.errno(1), List.of(Arch.X86_64), List.of(
                new SeccompRule(List.of("kill"), SeccompAction.errno(1), List.of(ArgCondition.of(1, Op.EQ, 9))),
                new SeccompRule(List.of("kill"), SeccompAction.allow(), List.of(ArgCondition.of(1, Op.GE, 1))))));

        assertThat(bpf.run(Data.of(Arch.X86_64, nr("kill"), 1, 9))).isEqualTo(RET_ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("kill"), 1, 0))).isEqualTo(errno(1));
    }

    @Test
    void theFirstOfTwoUnconditionalActionsForOneCallWinsAsInLibseccomp() {
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.errno(1), List.of(Arch.X86_64), List.of(
                SeccompRule.of(SeccompAction.allow(), "read"), SeccompRule.of(SeccompAction.errno(5), "read"),
                SeccompRule.of(SeccompAction.errno(5), "write"), SeccompRule.of(SeccompAction.allow(), "write"))));

        assertThat(bpf.run(Data.of(Arch.X86_64, nr("read")))).isEqualTo(RET_ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("write")))).isEqualTo(errno(5));
    }

    @Test
    void conditionsOnTheSameArgumentInOneOciEntryBecomeAlternativesAsInRunc() {
        List<SeccompRule> rules = SeccompRule.fromOci(List.of("personality"), SeccompAction.allow(),
                List.of(ArgCondition.of(0, Op.EQ, 0), ArgCondition.of(0, Op.EQ, 8)));
        BpfInterpreter bpf = compile(SeccompPolicy.of(SeccompAction.errno(1), List.of(Arch.X86_64), rules));

        assertThat(rules).hasSize(2);
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("personality"), 0))).isEqualTo(RET_ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("personality"), 8))).isEqualTo(RET_ALLOW);
        assertThat(bpf.run(Data.of(Arch.X86_64, nr("personality"), 1))).isEqualTo(errno(1));
        assertThat(SeccompRule.fromOci(List.of("socket"), SeccompAction.allow(),
                List.of(ArgCondition.of(0, Op.EQ, 0), ArgCondition.of(2, Op.EQ, 8)))).hasSize(1);
    }

    @Test
    void aPolicyWithADifferentOutcomeForEveryCallNeedsLongJumpsAndStaysExact() {
        List<SeccompRule> rules = new ArrayList<>();
        List<String> names = new ArrayList<>(X86_64.names());
        names.sort(null);
        for (int i = 0; i < names.size(); i++) {
            // conditional rules too, so that leaves are longer than one return
            List<ArgCondition> conditions = i % 3 == 0 ? List.of(ArgCondition.of(0, Op.GT, i)) : List.of();
            rules.add(new SeccompRule(List.of(names.get(i)), SeccompAction.errno(1 + i % 4000), conditions));
        }
        SeccompProgram program = SeccompCompiler.compile(
                SeccompPolicy.of(SeccompAction.allow(), List.of(Arch.X86_64), rules));
        BpfInterpreter bpf = new BpfInterpreter(program);

        assertThat(program.instructions()).isGreaterThan(1000).isLessThanOrEqualTo(4096);
        boolean sawTrampoline = false;
        for (int i = 0; i < program.instructions(); i++) {
            sawTrampoline |= program.code(i) == 0x05;
        }
        assertThat(sawTrampoline).as("a far jump went through a BPF_JA").isTrue();
        for (int i = 0; i < names.size(); i++) {
            int n = X86_64.number(names.get(i));
            if (!X86_64.name(n).orElseThrow().equals(names.get(i))) {
                continue; // an alias: the first name of the number decides in this test's loop
            }
            int expected = errno(1 + i % 4000);
            if (i % 3 == 0) {
                assertThat(bpf.run(Data.of(Arch.X86_64, n, i))).as(names.get(i)).isEqualTo(RET_ALLOW);
                assertThat(bpf.run(Data.of(Arch.X86_64, n, i + 1L))).as(names.get(i)).isEqualTo(expected);
            } else {
                assertThat(bpf.run(Data.of(Arch.X86_64, n))).as(names.get(i)).isEqualTo(expected);
            }
        }
    }

    @Test
    void tooLargeAPolicyIsRefusedWithTheKernelLimit() {
        List<SeccompRule> rules = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            rules.add(new SeccompRule(List.of("ioctl"), SeccompAction.errno(1 + i),
                    List.of(ArgCondition.of(1, Op.EQ, i), ArgCondition.of(2, Op.EQ, i))));
        }
        SeccompPolicy policy = SeccompPolicy.of(SeccompAction.allow(), List.of(Arch.X86_64), rules);

        assertThatThrownBy(() -> SeccompCompiler.compile(policy))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4096");
    }

    @Test
    void loadFlagsAreTheKernelBitsAndWaitKillableRecvIsDroppedWithoutAListener() {
        SeccompPolicy policy = SeccompPolicy.of(SeccompAction.allow(), List.of(Arch.X86_64), List.of());

        assertThat(SeccompCompiler.compile(policy.withFlags(Set.of(SeccompPolicy.Flag.TSYNC, SeccompPolicy.Flag.LOG,
                SeccompPolicy.Flag.SPEC_ALLOW))).flags()).isEqualTo(1 | 2 | 4);
        assertThat(SeccompCompiler.compile(policy.withFlags(Set.of(SeccompPolicy.Flag.WAIT_KILLABLE_RECV))).flags())
                .isZero();
        assertThat(SeccompPolicy.Flag.of("SECCOMP_FILTER_FLAG_SPEC_ALLOW")).isEqualTo(SeccompPolicy.Flag.SPEC_ALLOW);
        assertThatThrownBy(() -> SeccompPolicy.Flag.of("SECCOMP_FILTER_FLAG_FAST"))
                .hasMessageContaining("SECCOMP_FILTER_FLAG_FAST");
    }

    @Test
    void anEmptyPolicyIsTheArchCheckAndTheDefault() {
        SeccompProgram program = SeccompCompiler.compile(
                SeccompPolicy.of(SeccompAction.allow(), List.of(Arch.X86_64), List.of()));

        // ld arch; jeq x86_64; ret badarch; ld nr; jge 0x40000000; ret allow; ret badarch
        assertThat(program.instructions()).isEqualTo(7);
        assertThat(program.k(1)).isEqualTo((int) Arch.X86_64.auditArch());
    }
}
