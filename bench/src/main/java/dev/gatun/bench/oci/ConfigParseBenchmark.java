package dev.gatun.bench.oci;

import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.Spec;
import dev.gatun.oci.ValidationError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reading a typical config.json: the runtime-spec's own 10.8 KB example (ociVersion set to
 * 1.3.0 so that it validates), parsed into the model and validated, against Jackson's plain
 * {@code readTree} of the same text as the floor.
 *
 * <p>Run: {@code ./mvnw -B -o -q -pl bench package -DskipTests && java -jar bench/target/benchmarks.jar ConfigParseBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ConfigParseBenchmark {

    private final JsonMapper plain = JsonMapper.builder().build();
    private String json;
    private Spec spec;

    @Setup
    public void load() throws IOException {
        try (InputStream in = ConfigParseBenchmark.class.getResourceAsStream("config.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        spec = OciSpecs.readConfig(json);
        List<ValidationError> errors = OciSpecs.validate(spec);
        if (!errors.isEmpty()) {
            throw new IllegalStateException("the benchmark config should be valid: " + errors);
        }
    }

    /** The floor: Jackson's tree parse of the same text, no model, no checks. */
    @Benchmark
    public JsonNode jacksonReadTree() {
        return plain.readTree(json);
    }

    /** Parse into the records (types checked, unknown properties kept). */
    @Benchmark
    public Spec parse() {
        return OciSpecs.readConfig(json);
    }

    /** What a runtime does on {@code create}: parse, then check every rule. */
    @Benchmark
    public List<ValidationError> parseAndValidate() {
        return OciSpecs.validate(OciSpecs.readConfig(json));
    }

    /** Validation alone, on an already parsed spec. */
    @Benchmark
    public List<ValidationError> validate() {
        return OciSpecs.validate(spec);
    }
}
