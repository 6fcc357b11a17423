package dev.gatun.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.security.Capability;
import dev.gatun.core.security.CapabilitySets;
import dev.gatun.oci.InvalidSpecException;
import dev.gatun.oci.ProcessSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilityMappingTest {

    private static final List<String> RUNC_SPEC = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");

    @Test
    void runcSpecsAmbientCapabilitiesWithoutInheritableOnesAreLeftOutNotRefused() {
        // what `runc spec` writes: ambient set, inheritable absent
        CapabilitySets sets = ContainerPlanner.capabilities(
                new ProcessSpec.Capabilities(RUNC_SPEC, RUNC_SPEC, null, RUNC_SPEC, RUNC_SPEC));
        assertThat(sets.ambient()).isEmpty();
        assertThat(sets.permitted()).containsExactlyInAnyOrder(Capability.CAP_AUDIT_WRITE, Capability.CAP_KILL,
                Capability.CAP_NET_BIND_SERVICE);
    }

    @Test
    void ambientCapabilitiesThatAreInheritableAndPermittedAreKept() {
        List<String> kill = List.of("CAP_KILL");
        CapabilitySets sets = ContainerPlanner.capabilities(new ProcessSpec.Capabilities(kill, kill, kill, kill, kill));
        assertThat(sets.ambient()).containsExactly(Capability.CAP_KILL);
    }

    @Test
    void anUnknownCapabilityIsBadInputNamingTheField() {
        assertThatThrownBy(() -> ContainerPlanner.capabilities(
                new ProcessSpec.Capabilities(List.of("CAP_FLY"), null, null, null, null)))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.process.capabilities");
    }
}
