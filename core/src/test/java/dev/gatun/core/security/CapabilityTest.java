package dev.gatun.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CapabilityTest {

    @Test
    void numbersAreTheKernels() {
        assertThat(Capability.CAP_CHOWN.number()).isZero();
        assertThat(Capability.CAP_SETPCAP.number()).isEqualTo(8);
        assertThat(Capability.CAP_NET_RAW.number()).isEqualTo(13);
        assertThat(Capability.CAP_SYS_ADMIN.number()).isEqualTo(21);
        assertThat(Capability.CAP_MKNOD.number()).isEqualTo(27);
        assertThat(Capability.CAP_AUDIT_WRITE.number()).isEqualTo(29);
        assertThat(Capability.CAP_SETFCAP.number()).isEqualTo(31);
        assertThat(Capability.CAP_MAC_OVERRIDE.number()).isEqualTo(32);
        assertThat(Capability.CAP_AUDIT_READ.number()).isEqualTo(37);
        assertThat(Capability.CAP_PERFMON.number()).isEqualTo(38);
        assertThat(Capability.CAP_BPF.number()).isEqualTo(39);
        assertThat(Capability.CAP_CHECKPOINT_RESTORE.number()).isEqualTo(40);
        assertThat(Capability.lastKnown()).isEqualTo(40);
        for (Capability c : Capability.values()) {
            assertThat(Capability.ofNumber(c.number())).isSameAs(c);
        }
    }

    @Test
    void namesAreAcceptedWithOrWithoutThePrefixInAnyCase() {
        assertThat(Capability.of("CAP_NET_RAW")).isEqualTo(Capability.CAP_NET_RAW);
        assertThat(Capability.of("net_raw")).isEqualTo(Capability.CAP_NET_RAW);
        assertThat(Capability.of("cap_sys_admin")).isEqualTo(Capability.CAP_SYS_ADMIN);
        assertThatThrownBy(() -> Capability.of("CAP_TELEPORT"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"CAP_TELEPORT\"");
        assertThatThrownBy(() -> Capability.ofNumber(41)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thisKernelKnowsEveryCapabilityGatunKnows() throws Exception {
        // kernel 5.9+ has CAP_CHECKPOINT_RESTORE; readable without root
        assertThat(Capability.lastSupported()).isGreaterThanOrEqualTo(Capability.lastKnown());
    }

    @Test
    void dockersDefaultIsFourteenCapabilitiesInBoundingEffectiveAndPermittedOnly() {
        CapabilitySets docker = CapabilitySets.dockerDefault();

        assertThat(docker.bounding()).hasSize(14).containsExactlyInAnyOrder(
                Capability.CAP_CHOWN, Capability.CAP_DAC_OVERRIDE, Capability.CAP_FSETID, Capability.CAP_FOWNER,
                Capability.CAP_MKNOD, Capability.CAP_NET_RAW, Capability.CAP_SETGID, Capability.CAP_SETUID,
                Capability.CAP_SETFCAP, Capability.CAP_SETPCAP, Capability.CAP_NET_BIND_SERVICE,
                Capability.CAP_SYS_CHROOT, Capability.CAP_KILL, Capability.CAP_AUDIT_WRITE);
        assertThat(docker.effective()).isEqualTo(docker.bounding());
        assertThat(docker.permitted()).isEqualTo(docker.bounding());
        assertThat(docker.inheritable()).isEmpty();
        assertThat(docker.ambient()).isEmpty();
        assertThat(SecurityDefaults.capabilities()).isEqualTo(docker);
    }

    @Test
    void effectiveMustBeASubsetOfPermitted() {
        assertThatThrownBy(() -> new CapabilitySets(Set.of(), Set.of(Capability.CAP_KILL), Set.of(), Set.of(), Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capabilities.effective").hasMessageContaining("CAP_KILL")
                .hasMessageContaining("capabilities.permitted");
    }

    @Test
    void ambientMustBeInPermittedAndInheritable() {
        Set<Capability> bind = Set.of(Capability.CAP_NET_BIND_SERVICE);

        assertThatThrownBy(() -> new CapabilitySets(bind, bind, bind, Set.of(), bind))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capabilities.ambient").hasMessageContaining("capabilities.inheritable");
        assertThatThrownBy(() -> new CapabilitySets(bind, Set.of(), Set.of(), bind, bind))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capabilities.permitted");
        assertThat(new CapabilitySets(bind, bind, bind, bind, bind).ambient()).isEqualTo(bind);
    }

    @Test
    void setsAreCopiedAndNullIsRefused() {
        Set<Capability> caps = EnumSet.of(Capability.CAP_KILL);
        CapabilitySets sets = CapabilitySets.of(caps);
        caps.add(Capability.CAP_SYS_ADMIN);

        assertThat(sets.bounding()).containsExactly(Capability.CAP_KILL);
        assertThatThrownBy(() -> new CapabilitySets(null, Set.of(), Set.of(), Set.of(), Set.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bounding");
        assertThat(CapabilitySets.all().bounding()).hasSize(41);
        assertThat(CapabilitySets.none().bounding()).isEmpty();
        assertThat(List.copyOf(sets.bounding())).containsExactly(Capability.CAP_KILL);
    }
}
