package dev.gatun.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.cgroups.Resources;
import dev.gatun.oci.Linux;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceMappingTest {

    private static final Resources.DeviceRule DENY_ALL = new Resources.DeviceRule(false, null, null, null, "rwm");

    @Test
    void aSpecWithoutDeviceRulesGetsNone() {
        Resources r = Resources.builder().pidsLimit(10).build();
        assertThat(ResourceMapping.withContainerDevices(r, List.of()).devices()).isEmpty();
    }

    @Test
    void theContainersOwnDevicesAreAllowedAfterTheSpecsRules() {
        Resources denyAll = Resources.builder().device(DENY_ALL).build();
        Linux.Device fuse = new Linux.Device("c", "/dev/fuse", 10L, 229L, 0666L, 0L, 0L, Map.of());
        List<String> rules = ResourceMapping.withContainerDevices(denyAll, List.of(fuse)).devices().stream()
                .map(d -> (d.allow() ? "allow " : "deny ") + d.toV1()).toList();
        assertThat(rules).first().isEqualTo("deny a *:* rwm");
        assertThat(rules).containsSubsequence("deny a *:* rwm", "allow c *:* m", "allow b *:* m", "allow c 1:3 rwm",
                "allow c 1:5 rwm", "allow c 1:7 rwm", "allow c 1:8 rwm", "allow c 1:9 rwm", "allow c 5:0 rwm",
                "allow c 5:2 rwm", "allow c 136:* rwm", "allow c 10:229 rwm");
    }

    @Test
    void theOtherLimitsAreKept() {
        Resources r = Resources.builder().device(DENY_ALL).memory("64m").pidsLimit(5).build();
        Resources withDevices = ResourceMapping.withContainerDevices(r, null);
        assertThat(withDevices.memory()).isEqualTo(r.memory());
        assertThat(withDevices.pids()).isEqualTo(r.pids());
    }
}
