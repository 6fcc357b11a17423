package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.cgroups.Resources.DeviceRule;
import dev.gatun.oci.Resources;
import dev.gatun.oci.Spec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The device rules the builder writes into the spec, the one source of truth. */
class ContainerBuilderDevicesTest {

    @Test
    void theSpecsDeviceRulesAreRuncsDefaultThenTheBuilders() {
        Spec spec = Container.builder().command("/bin/true").seccomp(false)
                .resources(r -> r.device(new DeviceRule(true, "b", 7L, null, "rw"))).toSpec();

        List<Resources.DeviceRule> rules = spec.linux().resources().devices();
        assertThat(rules.getFirst()).as("deny all first").isEqualTo(new Resources.DeviceRule(false, "a", null, null, "rwm"));
        assertThat(rules).contains(new Resources.DeviceRule(true, "c", null, null, "m"),
                new Resources.DeviceRule(true, "b", null, null, "m"), new Resources.DeviceRule(true, "c", 1L, 3L, "rwm"),
                new Resources.DeviceRule(true, "c", 136L, null, "rwm"), new Resources.DeviceRule(true, "c", 10L, 200L, "rwm"));
        assertThat(rules).hasSize(13);
        assertThat(rules.getLast()).as("the builder's own rule last, so that it wins")
                .isEqualTo(new Resources.DeviceRule(true, "b", 7L, null, "rw"));
    }

    @Test
    void aBuilderWithoutLimitsStillRestrictsDevices() {
        Spec spec = Container.builder().command("/bin/true").seccomp(false).toSpec();
        assertThat(spec.linux().resources().devices()).hasSize(12).first()
                .isEqualTo(new Resources.DeviceRule(false, "a", null, null, "rwm"));
    }
}
