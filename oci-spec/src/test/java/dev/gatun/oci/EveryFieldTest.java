package dev.gatun.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A hand-written config.json that sets every field of runtime-spec 1.3.0, plus unknown ones. */
class EveryFieldTest {

    private static String json;
    private static Spec spec;

    @BeforeAll
    static void read() throws IOException {
        try (InputStream in = EveryFieldTest.class.getResourceAsStream("every-field.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        spec = OciSpecs.readConfig(json);
    }

    @Test
    void everyFieldSurvivesARoundTripUnchanged() {
        JsonNode original = OciSpecs.mapper().readTree(json);
        JsonNode written = OciSpecs.mapper().readTree(OciSpecs.writeConfig(spec));
        assertThat(written).isEqualTo(original);
    }

    @Test
    void theDocumentIsValidForTheValidatorAndTheOfficialSchema() {
        assertThat(OciSpecs.validate(spec)).isEmpty();
        assertThat(OfficialSchema.check(OfficialSchema.CONFIG, OciSpecs.mapper().readTree(OciSpecs.writeConfig(spec)))).isEmpty();
    }

    @Test
    void accessorsAreNamedAfterTheJsonProperties() {
        assertThat(spec.ociVersion()).isEqualTo("1.3.0");
        assertThat(spec.process().ioPriority().priorityClass()).isEqualTo("IOPRIO_CLASS_BE");
        assertThat(spec.process().execCPUAffinity().finalAffinity()).isEqualTo("2, 3");
        assertThat(spec.linux().namespaces()).extracting(Linux.Namespace::type).contains("time", "user");
        assertThat(spec.linux().uidMappings().getFirst().size()).isEqualTo(32000);
        assertThat(spec.linux().resources().blockIO().throttleReadIOPSDevice().getFirst().rate()).isEqualTo(-1L);
        assertThat(spec.linux().timeOffsets().get("monotonic").secs()).isEqualTo(-172800);
        assertThat(spec.linux().netDevices().get("ens4").name()).isNull();
    }

    @Test
    void theDocumentReallySetsEveryComponentOfEveryRecordItReaches() throws ReflectiveOperationException {
        Set<String> unset = new TreeSet<>();
        Set<String> set = new HashSet<>();
        walk("$", spec, unset, set);
        unset.removeAll(set);
        assertThat(unset).isEmpty();
    }

    /**
     * Records, per component path ({@code $.mounts[].options}), whether some instance leaves it
     * null and whether some instance sets it; lists and map values are visited element by element.
     */
    private static void walk(String path, Object value, Set<String> unset, Set<String> set) throws ReflectiveOperationException {
        if (value instanceof Record record) {
            for (RecordComponent c : record.getClass().getRecordComponents()) {
                Object v = c.getAccessor().invoke(record);
                String here = path + "." + c.getName();
                if (v == null) {
                    unset.add(here);
                } else {
                    set.add(here);
                    if (!c.getName().equals("extra")) {
                        walk(here, v, unset, set);
                    }
                }
            }
        } else if (value instanceof List<?> list) {
            for (Object element : list) {
                walk(path + "[]", element, unset, set);
            }
        } else if (value instanceof Map<?, ?> map) {
            for (Object element : map.values()) {
                walk(path + "{}", element, unset, set);
            }
        }
    }

    @Test
    void unsigned64BitValuesAboveLongMaxKeepAllTheirBits() {
        ProcessSpec.Rlimit core = spec.process().rlimits().get(1);
        assertThat(Long.toUnsignedString(core.hard())).isEqualTo("18446744073709551615");
        Seccomp.Arg arg = spec.linux().seccomp().syscalls().get(1).args().getFirst();
        assertThat(arg.value()).isEqualTo(0xFFFF_FFFFL);
        assertThat(arg.valueTwo()).isEqualTo(-1L);
    }

    @Test
    void unknownPropertiesAreKeptAtEveryLevel() {
        assertThat(spec.extra()).containsKey("x-top");
        assertThat(spec.root().extra().get("x-root").asString()).isEqualTo("kept");
        assertThat(spec.process().extra().get("x-process").get("nested").get("deep")).hasSize(3);
        assertThat(spec.mounts().get(1).gidMappings().getFirst().extra()).containsKey("x-mapping");
        assertThat(spec.linux().resources().extra().get("x-resources").asInt()).isEqualTo(7);
    }

    @Test
    void otherPlatformsSectionsAreCarriedThrough() {
        assertThat(spec.windows().get("layerFolders").get(0).asString()).isEqualTo("C:\\layers\\1");
        assertThat(spec.solaris().get("milestone").asString()).startsWith("svc:");
        assertThat(spec.vm().get("hypervisor").get("path").asString()).isEqualTo("/usr/bin/qemu");
        assertThat(spec.zos().get("namespaces")).hasSize(1);
        assertThat(spec.freebsd().get("jail").get("vnet").asString()).isEqualTo("inherit");
    }

    @Test
    void aBuilderCopyEqualsTheOriginalAndAChangeTouchesOnlyItsField() {
        assertThat(spec.toBuilder().build()).isEqualTo(spec);
        Spec renamed = spec.toBuilder().hostname("other").build();
        assertThat(renamed.hostname()).isEqualTo("other");
        assertThat(renamed.toBuilder().hostname("box").build()).isEqualTo(spec);
        assertThat(spec.process().toBuilder().build()).isEqualTo(spec.process());
        assertThat(spec.linux().toBuilder().build()).isEqualTo(spec.linux());
        assertThat(spec.linux().resources().toBuilder().build()).isEqualTo(spec.linux().resources());
    }

    @Test
    void theModelIsImmutable() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> spec.mounts().add(spec.mounts().getFirst()))
                .isInstanceOf(UnsupportedOperationException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> spec.annotations().put("k", "v"))
                .isInstanceOf(UnsupportedOperationException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> spec.extra().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void absentValuesAreLeftOutAndPresentEmptyOnesKept() {
        Spec minimal = Spec.builder().ociVersion("1.3.0").root(new Root("rootfs", null)).build();
        assertThat(OciSpecs.mapper().readTree(OciSpecs.writeConfig(minimal)))
                .isEqualTo(OciSpecs.mapper().readTree("{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"rootfs\"}}"));
        assertThat(OciSpecs.writeConfig(spec)).contains("\"inheritable\" : [ ]");
    }
}
