package dev.gatun.oci;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/** The official runtime-spec 1.3.0 JSON schemas and test documents, copied into the test resources. */
final class OfficialSchema {

    static final Path DIR = directory();

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4);
    static final Schema CONFIG = load("config-schema.json");
    static final Schema STATE = load("state-schema.json");
    static final Schema FEATURES = load("features-schema.json");

    private OfficialSchema() {}

    private static Path directory() {
        try {
            return Path.of(OfficialSchema.class.getResource("/oci-schema/config-schema.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Schema load(String name) {
        // loaded by location so that the relative $refs ("defs.json#/...") resolve beside it
        return REGISTRY.getSchema(SchemaLocation.of("classpath:oci-schema/" + name));
    }

    static List<Error> check(Schema schema, JsonNode document) {
        return schema.validate(document);
    }

    /** The test documents of one kind (config, state, features) and verdict (good, bad). */
    static Stream<Path> documents(String kind, String verdict) {
        try (Stream<Path> files = Files.list(DIR.resolve("test").resolve(kind).resolve(verdict))) {
            return files.sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
