package dev.gatun.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.security.SecurityStep.Capset;
import dev.gatun.core.security.SecurityStep.Prctl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CapabilityPlanTest {

    private static final Set<Capability> BIND = Set.of(Capability.CAP_NET_BIND_SERVICE);

    private static List<Integer> drops(CapabilityPlan plan) {
        return plan.beforeUserChange().stream()
                .filter(s -> s instanceof Prctl p && p.option() == SecurityStep.PR_CAPBSET_DROP)
                .map(s -> (int) ((Prctl) s).arg2())
                .toList();
    }

    private static Capset capset(CapabilityPlan plan) {
        return plan.afterUserChange().stream().filter(s -> s instanceof Capset).map(s -> (Capset) s)
                .findFirst().orElseThrow();
    }

    @Test
    void everyCapabilityUpToTheKernelsLastOutsideTheBoundingSetIsDropped() {
        CapabilityPlan plan = CapabilityPlan.of(CapabilitySets.dockerDefault(), 40, false);

        assertThat(drops(plan)).hasSize(41 - 14).doesNotContain(0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31)
                .contains(2, 21, 40);
        assertThat(plan.unavailable()).isEmpty();
    }

    @Test
    void capabilitiesOfANewerKernelThatGatunDoesNotKnowAreDroppedToo() {
        CapabilityPlan plan = CapabilityPlan.of(CapabilitySets.all(), 43, false);

        assertThat(drops(plan)).containsExactly(41, 42, 43);
    }

    @Test
    void capabilitiesAnOlderKernelLacksAreIgnoredAndReported() {
        CapabilityPlan plan = CapabilityPlan.of(CapabilitySets.all(), 37, false);

        assertThat(plan.unavailable()).containsExactlyInAnyOrder(
                Capability.CAP_PERFMON, Capability.CAP_BPF, Capability.CAP_CHECKPOINT_RESTORE);
        assertThat(drops(plan)).isEmpty();
        assertThat(words(capset(plan))[0]).isEqualTo(-1); // effective 0..31
        assertThat(words(capset(plan))[3]).isEqualTo(0b11_1111); // effective 32..37
        assertThatThrownBy(() -> CapabilityPlan.of(CapabilitySets.all(), 64, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64");
    }

    @Test
    void capsetCarriesVersion3AndTwoDataStructsWithCapsAbove31InTheSecond() {
        CapabilitySets sets = new CapabilitySets(Set.of(Capability.CAP_CHOWN, Capability.CAP_BPF),
                Set.of(Capability.CAP_CHOWN), Set.of(Capability.CAP_CHOWN, Capability.CAP_BPF),
                Set.of(Capability.CAP_BPF), Set.of());
        Capset capset = capset(CapabilityPlan.of(sets, 40, false));
        ByteBuffer header = ByteBuffer.wrap(capset.header()).order(ByteOrder.nativeOrder());

        assertThat(header.getInt(0)).isEqualTo(0x20080522);
        assertThat(header.getInt(4)).isZero();
        // {effective, permitted, inheritable} for caps 0..31, then for 32..63; CAP_BPF is 39 = 32 + 7
        assertThat(words(capset)).containsExactly(1, 1, 0, 0, 1 << 7, 1 << 7);
    }

    @Test
    void withoutAUserChangeThereIsNoKeepcapsAndCapsetFollowsTheDrops() {
        CapabilityPlan plan = CapabilityPlan.of(CapabilitySets.dockerDefault(), 40, false);

        assertThat(plan.beforeUserChange()).allMatch(s -> ((Prctl) s).option() == SecurityStep.PR_CAPBSET_DROP);
        assertThat(plan.afterUserChange()).hasSize(2);
        assertThat(plan.afterUserChange().get(0)).isInstanceOf(Capset.class);
        assertThat(((Prctl) plan.afterUserChange().get(1)).arg2()).isEqualTo(SecurityStep.PR_CAP_AMBIENT_CLEAR_ALL);
    }

    @Test
    void aUserChangeIsBracketedByKeepcapsAndAmbientIsRaisedAfterCapset() {
        CapabilityPlan plan = CapabilityPlan.of(new CapabilitySets(BIND, BIND, BIND, BIND, BIND), 40, true);

        Prctl last = (Prctl) plan.beforeUserChange().getLast();
        assertThat(last.option()).isEqualTo(SecurityStep.PR_SET_KEEPCAPS);
        assertThat(last.arg2()).isEqualTo(1);
        assertThat(plan.afterUserChange()).extracting(SecurityStep::describe).containsExactly(
                "prctl(PR_SET_KEEPCAPS, 0)",
                "capset(effective=[CAP_NET_BIND_SERVICE], permitted=[CAP_NET_BIND_SERVICE],"
                        + " inheritable=[CAP_NET_BIND_SERVICE])",
                "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)",
                "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE)");
        Prctl raise = (Prctl) plan.afterUserChange().getLast();
        assertThat(raise.option()).isEqualTo(47);
        assertThat(raise.arg2()).isEqualTo(2);
        assertThat(raise.arg3()).isEqualTo(10);
    }

    @Test
    void theMaskHasOneBitPerCapabilityNumber() {
        assertThat(CapabilityPlan.mask(Set.of(Capability.CAP_CHOWN, Capability.CAP_CHECKPOINT_RESTORE)))
                .isEqualTo(1L | 1L << 40);
        assertThat(CapabilityPlan.mask(CapabilitySets.DOCKER_DEFAULT)).isEqualTo(0x00000000a80425fbL);
    }

    static int[] words(Capset capset) {
        ByteBuffer data = ByteBuffer.wrap(capset.data()).order(ByteOrder.nativeOrder());
        int[] words = new int[6];
        for (int i = 0; i < 6; i++) {
            words[i] = data.getInt(4 * i);
        }
        return words;
    }
}
