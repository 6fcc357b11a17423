package dev.gatun.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.networknt.schema.Schema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The conformance lane: every document of the runtime-spec's schema/test directory. Good ones
 * parse, validate, round-trip to the same JSON tree and our output passes the official schema;
 * bad ones are rejected with an error at the offending path.
 */
class SchemaConformanceTest {

    static Stream<Path> goodConfigs() {
        return OfficialSchema.documents("config", "good");
    }

    static Stream<Path> badConfigs() {
        return OfficialSchema.documents("config", "bad");
    }

    /** Where each bad document's problem is; a new bad file without an entry fails the test. */
    private static final Map<String, String> BAD_PATHS = Map.of(
            "config/freebsd-vnet-disable.json", "$.freebsd.jail.vnet",
            "config/invalid-json.json", "$",
            "config/linux-hugepage.json", "$.linux.resources.hugepageLimits[0].pageSize",
            "config/linux-netdevice.json", "$.linux.netDevices.eth0.name",
            "config/linux-rdma.json", "$.linux.resources.rdma.mlx5_1.hcaHandles",
            "features/missing-ociVersionMax.json", "$.ociVersionMax",
            "state/invalid-json.json", "$");

    /**
     * Good files that pass the schema but break a semantic rule the schema cannot express: the
     * validator must report exactly this path for them, and nothing else.
     */
    private static final Map<String, String> SCHEMA_ONLY_GOOD = Map.of(
            // netDevices without a network namespace would move host devices into the host (runc refuses)
            "linux-netdevice.json", "$.linux.netDevices",
            // 0.5.0-dev predates 1.0.0, the oldest version supported (SpecVersion.MIN_SUPPORTED)
            "spec-example.json", "$.ociVersion",
            "zos-example.json", "$.ociVersion");

    @Test
    void theCopiedSchemaDirectoryHoldsTheTestDocuments() {
        assertThat(goodConfigs()).hasSizeGreaterThanOrEqualTo(9);
        assertThat(badConfigs()).hasSizeGreaterThanOrEqualTo(5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodConfigs")
    void everyGoodConfigParsesValidatesRoundTripsAndOurOutputPassesTheSchema(Path file) throws IOException {
        Spec spec = OciSpecs.readConfig(file);
        String semantic = SCHEMA_ONLY_GOOD.get(file.getFileName().toString());
        if (semantic == null) {
            assertThat(OciSpecs.validate(spec)).isEmpty();
        } else {
            assertThat(OciSpecs.validate(spec)).extracting(ValidationError::path).containsExactly(semantic);
        }
        assertRoundTrip(file, OciSpecs.writeConfig(spec), OfficialSchema.CONFIG);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodConfigs")
    void aRoundTripIsStable(Path file) throws IOException {
        String once = OciSpecs.writeConfig(OciSpecs.readConfig(file));
        assertThat(OciSpecs.writeConfig(OciSpecs.readConfig(once))).isEqualTo(once);
    }

    static Stream<Path> goodStates() {
        return OfficialSchema.documents("state", "good");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodStates")
    void everyGoodStateParsesValidatesAndRoundTrips(Path file) throws IOException {
        State state = OciSpecs.readState(file);
        assertThat(OciSpecs.validate(state)).isEmpty();
        assertRoundTrip(file, OciSpecs.writeState(state), OfficialSchema.STATE);
    }

    static Stream<Path> goodFeatures() {
        return OfficialSchema.documents("features", "good");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodFeatures")
    void everyGoodFeaturesDocumentParsesValidatesAndRoundTrips(Path file) throws IOException {
        Features features = OciSpecs.readFeatures(Files.readString(file));
        assertThat(OciSpecs.validate(features)).isEmpty();
        assertRoundTrip(file, OciSpecs.writeFeatures(features), OfficialSchema.FEATURES);
    }

    static Stream<Path> badDocuments() {
        return Stream.of("config", "state", "features").flatMap(kind -> OfficialSchema.documents(kind, "bad"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badDocuments")
    void everyBadDocumentIsRejectedWithAnErrorAtTheOffendingPath(Path file) throws IOException {
        String kind = file.getParent().getParent().getFileName().toString();
        String expected = BAD_PATHS.get(kind + "/" + file.getFileName());
        assertThat(expected).as("expected error path for " + file.getFileName()).isNotNull();
        String json = Files.readString(file);
        List<ValidationError> errors = switch (kind) {
            case "config" -> errors(json, OciSpecs::readConfig, OciSpecs::validate);
            case "state" -> errors(json, OciSpecs::readState, OciSpecs::validate);
            case "features" -> errors(json, OciSpecs::readFeatures, OciSpecs::validate);
            default -> throw new IllegalStateException(kind);
        };
        assertThat(errors).extracting(ValidationError::path).contains(expected);
        assertThat(errors).allSatisfy(e -> assertThat(e.message()).isNotBlank());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void theOfficialSchemaAgreesThatTheBadConfigsAreBad(Path file) throws IOException {
        // guards the test data: a "bad" file the schema accepts would make the test above vacuous
        JsonNode tree;
        try {
            tree = OciSpecs.mapper().readTree(Files.readString(file));
        } catch (RuntimeException e) {
            return; // not JSON at all
        }
        assertThat(OfficialSchema.check(OfficialSchema.CONFIG, tree)).isNotEmpty();
    }

    @Test
    void aBadDocumentReadAloneThrowsInvalidSpecExceptionNamingThePath() {
        String json = "{\"ociVersion\": \"1.0.0\", \"linux\": {\"netDevices\": {\"eth0\": {\"name\": 23}}}}";
        InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, () -> OciSpecs.readConfig(json));
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.path()).isEqualTo("$.linux.netDevices.eth0.name");
            assertThat(err.message()).contains("Integer value (23)");
        });
        assertThat(e).hasMessageStartingWith("invalid config.json: $.linux.netDevices.eth0.name: ");
    }

    @Test
    void requireValidThrowsWithEveryProblem() {
        Spec spec = OciSpecs.readConfig("{\"ociVersion\": \"2.0\", \"root\": {}}");
        assertThatThrownBy(() -> OciSpecs.requireValid(spec))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.errors())
                        .extracting(ValidationError::path).containsExactly("$.ociVersion", "$.root.path"));
    }

    private static <T> List<ValidationError> errors(String json, Function<String, T> read, Function<T, List<ValidationError>> validate) {
        try {
            return validate.apply(read.apply(json));
        } catch (InvalidSpecException e) {
            return e.errors();
        }
    }

    private static void assertRoundTrip(Path file, String written, Schema schema) throws IOException {
        JsonNode original = OciSpecs.mapper().readTree(Files.readString(file));
        JsonNode ours = OciSpecs.mapper().readTree(written);
        assertThat(ours).isEqualTo(original);
        assertThat(OfficialSchema.check(schema, ours)).isEmpty();
    }
}
