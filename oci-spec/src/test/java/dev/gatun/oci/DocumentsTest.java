package dev.gatun.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** state.json and features.json: reading, writing and their rules. */
class DocumentsTest {

    @Test
    void aStateRoundTripsAndValidates() {
        State state = new State("1.3.0", "box", "running", 4242, "/run/bundles/box", Map.of("k", "v"));
        assertThat(OciSpecs.validate(state)).isEmpty();
        assertThat(OciSpecs.readState(OciSpecs.writeState(state))).isEqualTo(state);
        assertThat(OfficialSchema.check(OfficialSchema.STATE, OciSpecs.mapper().readTree(OciSpecs.writeState(state)))).isEmpty();
    }

    @Test
    void aStoppedContainerNeedsNoPid() {
        assertThat(OciSpecs.validate(new State("1.3.0", "box", "stopped", null, "/b", null))).isEmpty();
    }

    @Test
    void stateRulesReportEveryProblem() {
        State state = new State("one", "", "paused", null, "bundle", Map.of("", "x"));
        assertThat(OciSpecs.validate(state)).extracting(ValidationError::path)
                .containsExactly("$.ociVersion", "$.id", "$.status", "$.bundle", "$.annotations['']");
        assertThat(OciSpecs.validate(new State("1.3.0", "a", "running", null, "/b", null)))
                .singleElement().satisfies(e -> assertThat(e.toString()).isEqualTo("$.pid: is required when the status is running"));
        assertThat(OciSpecs.validate(new State("1.3.0", "a", "created", -1, "/b", null)))
                .extracting(ValidationError::path).containsExactly("$.pid");
        assertThat(OciSpecs.validate(new State(null, null, null, null, null, null))).extracting(ValidationError::path)
                .containsExactly("$.ociVersion", "$.id", "$.status", "$.bundle");
    }

    @Test
    void featuresRulesCheckVersionsAndLinuxNames() {
        Features features = new Features("1.0.0", "1.x", null, List.of("bind"), null, null,
                new Features.LinuxFeatures(List.of("pid", "net"), List.of("CAP_KILL", "kill"), null,
                        new Features.SeccompFeatures(true, List.of("SCMP_ACT_ALLOW", "ALLOW"), null, null, null, null),
                        null, null, null, new Features.MemoryPolicyFeatures(List.of("MPOL_BIND", "BIND"), null), null, null,
                        Map.of()));
        assertThat(OciSpecs.validate(features)).extracting(ValidationError::path).containsExactly("$.ociVersionMax",
                "$.linux.namespaces[1]", "$.linux.capabilities[1]", "$.linux.memoryPolicy.modes[1]", "$.linux.seccomp.actions[1]");
    }

    @Test
    void theFeaturesOfRuntimeSpec130RoundTrip() {
        String json = """
                {"ociVersionMin": "1.0.0", "ociVersionMax": "1.3.0",
                 "linux": {"intelRdt": {"enabled": true, "schemata": true, "monitoring": false},
                           "memoryPolicy": {"modes": ["MPOL_BIND"], "flags": ["MPOL_F_STATIC_NODES"]},
                           "mountExtensions": {"idmap": {"enabled": true}}}}""";
        Features features = OciSpecs.readFeatures(json);
        assertThat(OciSpecs.validate(features)).isEmpty();
        assertThat(features.linux().intelRdt().schemata()).isTrue();
        assertThat(OciSpecs.mapper().readTree(OciSpecs.writeFeatures(features))).isEqualTo(OciSpecs.mapper().readTree(json));
    }

    @Test
    void theSeccompAgentsMessageRoundTrips() {
        ContainerProcessState message = new ContainerProcessState("1.3.0", List.of("seccompFd"), 42, "meta",
                new State("1.3.0", "box", "creating", 42, "/b", null));
        String json = OciSpecs.writeProcessState(message);
        assertThat(json).contains("\"fds\" : [ \"seccompFd\" ]");
        assertThat(OciSpecs.readProcessState(json)).isEqualTo(message);
    }
}
