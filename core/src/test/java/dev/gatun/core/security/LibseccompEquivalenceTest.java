package dev.gatun.core.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.KernelVersion;
import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.SyscallTable;
import dev.gatun.core.security.ArgCondition.Op;
import dev.gatun.core.security.BpfInterpreter.Data;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gatun's compiler against the system's libseccomp (as runc uses it): both programs for the same
 * policy run in {@link BpfInterpreter} over every call number of every architecture the filter
 * accepts, with argument vectors that hit the profile's conditions, and must return the same.
 * Needs no root; needs {@code libseccomp.so.2}, which Debian's apt depends on.
 */
class LibseccompEquivalenceTest {

    private static final KernelVersion KERNEL = new KernelVersion(6, 18, 0);
    private static Libseccomp libseccomp;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadLibseccomp() {
        libseccomp = Libseccomp.load().orElse(null);
        Assumptions.assumeTrue(libseccomp != null, "libseccomp.so.2 is not installed");
    }

    @Test
    void theDefaultProfileBehavesAsLibseccompsBuildOfItForEveryCapabilitySetAndArchitecture() throws Throwable {
        for (Arch nativeArch : List.of(Arch.X86_64, Arch.AARCH64)) {
            for (Set<Capability> caps : List.of(CapabilitySets.DOCKER_DEFAULT, Set.<Capability>of(),
                    EnumSet.allOf(Capability.class))) {
                SeccompPolicy policy = ContainersSeccompProfile.bundled().policy(nativeArch, caps, KERNEL);
                assertSameBehaviour(policy, nativeArch + " with " + caps.size() + " capabilities");
            }
        }
    }

    @Test
    void randomPoliciesBehaveAsLibseccompsBuildOfThem() throws Throwable {
        Random random = new Random(2026);
        List<String> names = new ArrayList<>(SyscallTable.of(Arch.X86_64).names());
        names.sort(null);
        int refused = 0;
        for (int round = 0; round < 20; round++) {
            List<SeccompRule> rules = new ArrayList<>();
            for (int r = 0; r < 40; r++) {
                String name = names.get(random.nextInt(60)); // few names, so rules on one call meet
                SeccompAction action = randomAction(random);
                List<ArgCondition> conditions = new ArrayList<>();
                boolean[] used = new boolean[6];
                for (int c = random.nextInt(3); c > 0; c--) {
                    int index = random.nextInt(6);
                    if (!used[index]) {
                        used[index] = true;
                        conditions.add(randomCondition(random, index));
                    }
                }
                rules.add(new SeccompRule(List.of(name), action, conditions));
            }
            SeccompPolicy policy = SeccompPolicy.of(SeccompAction.errno(38),
                    List.of(Arch.X86_64, Arch.X86, Arch.X32), onlyOneConditionalActionPerCall(rules));
            try {
                assertSameBehaviour(policy, "random policy " + round);
            } catch (Libseccomp.Refused e) {
                // libseccomp refuses two rules with one condition chain and two actions (EEXIST),
                // and so does runc; Gatun lets the first listed win. Nothing to compare.
                refused++;
            }
        }
        assertThat(refused).as("policies libseccomp refused").isLessThan(10);
    }

    /**
     * libseccomp merges overlapping conditional rules of different actions into one tree in an
     * order it does not document (Gatun: first listed wins); keep the first conditional action of
     * each call, so the fuzzing compares what both define.
     */
    static List<SeccompRule> onlyOneConditionalActionPerCall(List<SeccompRule> rules) {
        java.util.Map<String, SeccompAction> first = new java.util.HashMap<>();
        List<SeccompRule> kept = new ArrayList<>();
        for (SeccompRule rule : rules) {
            if (rule.conditions().isEmpty()) {
                kept.add(rule);
                continue;
            }
            SeccompAction action = first.computeIfAbsent(rule.names().getFirst(), n -> rule.action());
            if (action.equals(rule.action())) {
                kept.add(rule);
            }
        }
        return kept;
    }

    private static SeccompAction randomAction(Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> SeccompAction.allow();
            case 1 -> SeccompAction.errno(1 + random.nextInt(3));
            case 2 -> SeccompAction.of(SeccompAction.Kind.KILL_PROCESS);
            case 3 -> SeccompAction.trace(7);
            default -> SeccompAction.of(SeccompAction.Kind.LOG);
        };
    }

    static final long[] VALUES = {0, 1, 9, 16, 0xFFFF_FFFFL, 0x1_0000_0000L, 0x1_0000_0009L,
        0x7E02_0000L, -1L};

    private static ArgCondition randomCondition(Random random, int index) {
        Op op = Op.values()[random.nextInt(Op.values().length)];
        long value = VALUES[random.nextInt(VALUES.length)];
        long valueTwo = op == Op.MASKED_EQ ? value & VALUES[random.nextInt(VALUES.length)] : 0;
        return new ArgCondition(index, op, value, valueTwo);
    }

    private void assertSameBehaviour(SeccompPolicy policy, String what) throws Throwable {
        assertSameBehaviour(libseccomp, policy, what, dir.resolve("filter.bpf"));
    }

    /**
     * Runs Gatun's and libseccomp's programs for {@code policy} over every call of every
     * architecture; {@code scratch} is a file libseccomp's export may write. Shared with
     * {@link SeccompPropertiesTest}.
     */
    static void assertSameBehaviour(Libseccomp libseccomp, SeccompPolicy policy, String what, Path scratch)
            throws Throwable {
        BpfInterpreter gatun = new BpfInterpreter(SeccompCompiler.compile(policy));
        BpfInterpreter reference = new BpfInterpreter(libseccomp.compile(policy, scratch));
        List<long[]> argVectors = new ArrayList<>(List.of(new long[6], new long[] {0xFFFF_FFFFL}, new long[] {8},
                new long[] {16, 3, 9}, new long[] {16, 3, 0}, new long[] {2, 1, 9}, new long[] {0x2_0000_0000L}));
        Random random = new Random(1);
        for (int i = 0; i < 4; i++) {
            long[] args = new long[6];
            for (int a = 0; a < 6; a++) {
                args[a] = random.nextBoolean() ? VALUES[random.nextInt(VALUES.length)] : random.nextLong();
            }
            argVectors.add(args);
        }
        int compared = 0;
        int skipped = 0;
        for (Arch arch : Arch.values()) {
            long offset = arch == Arch.X32 ? SeccompCompiler.X32_SYSCALL_BIT : 0;
            SyscallTable table = SyscallTable.of(arch);
            java.util.TreeSet<Long> numbers = new java.util.TreeSet<>();
            for (long nr = 0; nr < 600; nr++) {
                numbers.add(nr);
            }
            for (String name : table.names()) {
                numbers.add((long) table.number(name)); // arm's private calls sit at 0xf0001..
                numbers.add(table.number(name) + 1L);
            }
            for (long nr : numbers) {
                if (!sameCall(table, libseccomp.name(arch, offset + nr), nr)) {
                    skipped++; // the system's libseccomp predates (or postdates) Gatun's table here
                    continue;
                }
                for (long[] args : argVectors) {
                    Data data = Data.of(arch, offset + nr, args);
                    int expected = reference.run(data);
                    int actual = gatun.run(data);
                    if (actual != expected) {
                        // one assertion per mismatch only: two million AssertJ calls cost seconds
                        assertThat(actual).as("%s: call %d on %s, args %s", what, nr, arch,
                                java.util.Arrays.toString(args)).isEqualTo(expected);
                    }
                    compared++;
                }
            }
        }
        assertThat(compared).isGreaterThan(10_000);
        assertThat(skipped).as("calls whose name the two tables disagree on").isLessThan(5 * 40);
    }

    /** Whether libseccomp's name for {@code nr} is a name Gatun's table gives the same number. */
    private static boolean sameCall(SyscallTable table, java.util.Optional<String> libseccompName, long nr) {
        if (libseccompName.isEmpty()) {
            return table.name((int) nr).isEmpty();
        }
        return table.find(libseccompName.get()).orElse(-1) == nr;
    }
}
