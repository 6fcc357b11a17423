package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * Reads, writes, validates and generates OCI runtime-spec documents: {@code config.json}
 * ({@link Spec}), {@code state.json} ({@link State}) and {@code features.json} ({@link Features}).
 *
 * <h2>Reading</h2>
 * The {@code read*} methods parse JSON into the model and check types only: a string where a
 * number belongs, a negative uint64, malformed or truncated JSON, or input beyond the limits
 * below is an {@link InvalidSpecException} naming the JSON path. They do not check the spec's
 * rules: call {@link #validate(Spec)} (all problems, as a list) or {@link #requireValid(Spec)}.
 * Unknown properties are kept in each record's {@code extra} and written back. Stricter than Go's
 * {@code encoding/json} on purpose: a duplicate key, content after the document, a {@code null}
 * inside a list or map, or a number or boolean where a string belongs is an error, so that two
 * parsers can never read one file two ways.
 *
 * <h2>Limits</h2>
 * Untrusted input cannot exhaust the stack or the heap: documents are limited to
 * {@value #MAX_DOCUMENT_BYTES} bytes and {@value #MAX_TOKENS} tokens, strings to
 * {@value #MAX_STRING_LENGTH} characters and nesting to {@value #MAX_NESTING_DEPTH} levels
 * (Jackson's {@link StreamReadConstraints}). A real config.json, even with a large seccomp
 * profile, is far below all four.
 *
 * <h2>Writing</h2>
 * Output is indented JSON in the model's property order; absent ({@code null}) values are left
 * out, as Go's {@code omitempty} does, and present ones are written as they are (an empty list
 * stays {@code []}), so a document read and written again is the same JSON tree; only a property
 * whose value is an explicit {@code null} disappears.
 *
 * <p>All methods are static and thread-safe; none of them validates on write.
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/spec.md">OCI runtime-spec 1.3.0</a>
 */
public final class OciSpecs {

    /** The largest document read, in bytes. */
    public static final long MAX_DOCUMENT_BYTES = 16L << 20;
    /** The longest string value read, in characters. */
    public static final int MAX_STRING_LENGTH = 1 << 20;
    /** The deepest nesting of arrays and objects read. */
    public static final int MAX_NESTING_DEPTH = 64;
    /**
     * The most JSON tokens read. Without it a 16 MiB array of small numbers in an unknown
     * property would become millions of tree nodes, some twenty times the document's size.
     */
    public static final long MAX_TOKENS = 1_000_000;

    /**
     * The mapper, built on first use: building it loads Jackson's databind (some 300 ms in a fresh
     * JVM), which validating or building a spec never needs.
     */
    private static final class Shared {
        static final JsonMapper MAPPER = newMapper();
    }

    private OciSpecs() {}

    /**
     * Returns the mapper this class uses: strict types (no coercion of strings to numbers or of
     * numbers to strings), trailing tokens rejected, the limits above, null values omitted.
     * Immutable and shared; use {@code rebuild()} to derive another.
     */
    public static JsonMapper mapper() {
        return Shared.MAPPER;
    }

    private static JsonMapper newMapper() {
        StreamReadConstraints limits = StreamReadConstraints.builder()
                .maxDocumentLength(MAX_DOCUMENT_BYTES)
                .maxStringLength(MAX_STRING_LENGTH)
                .maxNestingDepth(MAX_NESTING_DEPTH)
                .maxTokenCount(MAX_TOKENS)
                .build();
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(limits)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return JsonMapper.builder(factory)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                // property order is the model's, which follows the spec's Go structs
                .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .withCoercionConfig(LogicalType.Textual, c -> c
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Integer, c -> c
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
                // a null inside a list or map is refused where it is, with its index or key
                .changeDefaultNullHandling(n -> JsonSetter.Value.forContentNulls(Nulls.FAIL))
                .changeDefaultPropertyInclusion(i -> i.withValueInclusion(JsonInclude.Include.NON_NULL))
                .build();
    }

    // ---- config.json

    /** Reads a {@code config.json} file; see the class doc for what is and is not checked. */
    public static Spec readConfig(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readConfig(in);
        }
    }

    /** Reads a {@code config.json} document from a stream, which stays open. */
    public static Spec readConfig(InputStream in) throws IOException {
        return read(in, Spec.class, "config.json");
    }

    /** Reads a {@code config.json} document from a string. */
    public static Spec readConfig(String json) {
        return read(json, Spec.class, "config.json");
    }

    /**
     * Reads a process document ({@code runc exec --process}: the {@code process} object of a
     * config.json on its own), with the same limits and checks as {@link #readConfig(Path)}.
     */
    public static ProcessSpec readProcess(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, ProcessSpec.class, file.getFileName().toString());
        }
    }

    /** Writes {@code spec} to {@code file}, replacing it. */
    public static void writeConfig(Spec spec, Path file) throws IOException {
        write(spec, file);
    }

    /** Writes {@code spec} to a stream, which stays open. */
    public static void writeConfig(Spec spec, OutputStream out) throws IOException {
        write(spec, out);
    }

    /** Returns {@code spec} as indented JSON. */
    public static String writeConfig(Spec spec) {
        return Shared.MAPPER.writeValueAsString(spec);
    }

    // ---- state.json

    /** Reads a {@code state.json} file. */
    public static State readState(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, State.class, "state.json");
        }
    }

    /** Reads a {@code state.json} document from a string. */
    public static State readState(String json) {
        return read(json, State.class, "state.json");
    }

    /** Writes {@code state} to {@code file}, replacing it (not atomically: write a temporary file and move it). */
    public static void writeState(State state, Path file) throws IOException {
        write(state, file);
    }

    /** Writes {@code state} to a stream, which stays open. */
    public static void writeState(State state, OutputStream out) throws IOException {
        write(state, out);
    }

    /** Returns {@code state} as indented JSON. */
    public static String writeState(State state) {
        return Shared.MAPPER.writeValueAsString(state);
    }

    // ---- features.json

    /** Reads a {@code features.json} file. */
    public static Features readFeatures(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, Features.class, "features.json");
        }
    }

    /** Reads a {@code features.json} document from a string. */
    public static Features readFeatures(String json) {
        return read(json, Features.class, "features.json");
    }

    /** Returns {@code features} as indented JSON. */
    public static String writeFeatures(Features features) {
        return Shared.MAPPER.writeValueAsString(features);
    }

    // ---- the seccomp agent's message

    /**
     * Returns the JSON a runtime sends to the seccomp agent with the notify descriptor. Not
     * validated; the caller builds it.
     */
    public static String writeProcessState(ContainerProcessState state) {
        return Shared.MAPPER.writeValueAsString(state);
    }

    /** Reads the message a seccomp agent receives; see {@link #writeProcessState}. */
    public static ContainerProcessState readProcessState(String json) {
        return read(json, ContainerProcessState.class, "container process state");
    }

    // ---- validation

    /**
     * Checks {@code spec} against the runtime-spec: what its JSON schema requires and the
     * semantic rules of config.md and config-linux.md. Returns every problem, in document order;
     * an empty list means valid. Never throws for a bad spec.
     */
    public static List<ValidationError> validate(Spec spec) {
        return ConfigRules.check(spec);
    }

    /** Checks a state document; see {@link #validate(Spec)}. */
    public static List<ValidationError> validate(State state) {
        return DocumentRules.check(state);
    }

    /** Checks a features document; see {@link #validate(Spec)}. */
    public static List<ValidationError> validate(Features features) {
        return DocumentRules.check(features);
    }

    /**
     * Returns {@code spec} if it is valid.
     *
     * @throws InvalidSpecException carrying every problem {@link #validate(Spec)} found
     */
    public static Spec requireValid(Spec spec) {
        List<ValidationError> errors = validate(spec);
        if (!errors.isEmpty()) {
            throw new InvalidSpecException("config.json", errors);
        }
        return spec;
    }

    // ---- generation

    /**
     * Returns the configuration {@code runc spec} writes: {@code sh} as root in a read-only
     * {@code rootfs}, with a terminal, new pid, network, ipc, uts, mount and cgroup namespaces,
     * the standard mounts, masked and read-only paths, three capabilities and no devices.
     */
    public static Spec example() {
        return Examples.example();
    }

    /**
     * Returns the configuration {@code runc spec --rootless} writes for a user whose host IDs
     * are {@code uid} and {@code gid}: {@link #example()} in a new user namespace mapping root
     * to them, without a network namespace or resource limits, with {@code /sys} bind-mounted.
     *
     * @param uid the host user ID that becomes root in the container (0 to 2^32-2)
     * @param gid the host group ID that becomes root's group
     */
    public static Spec exampleRootless(long uid, long gid) {
        return Examples.rootless(example(), uid, gid);
    }

    // ---- plumbing

    private static <T> T read(InputStream in, Class<T> type, String what) throws IOException {
        try {
            return notNull(Shared.MAPPER.readValue(in, type), what);
        } catch (JacksonIOException e) {
            throw e.getCause();
        } catch (JacksonException e) {
            throw invalid(e, what);
        }
    }

    private static <T> T read(String json, Class<T> type, String what) {
        try {
            return notNull(Shared.MAPPER.readValue(json, type), what);
        } catch (JacksonException e) {
            throw invalid(e, what);
        }
    }

    /** The document {@code null} is valid JSON that Jackson reads as no object at all. */
    private static <T> T notNull(T value, String what) {
        if (value == null) {
            throw new InvalidSpecException(what, List.of(new ValidationError("$", "is null: a " + what
                    + " document is a JSON object")));
        }
        return value;
    }

    private static void write(Object value, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            write(value, out);
        }
    }

    private static void write(Object value, OutputStream out) throws IOException {
        try {
            Shared.MAPPER.writeValue(out, value);
        } catch (JacksonIOException e) {
            throw e.getCause();
        }
    }

    private static InvalidSpecException invalid(JacksonException e, String what) {
        String message = e.getOriginalMessage();
        if (e instanceof StreamConstraintsException) {
            message = message + " (a limit of OciSpecs against hostile input)";
        }
        // The cause of a failing record constructor (Copies: a null element) is the useful part.
        if (e.getCause() instanceof IllegalArgumentException iae) {
            message = iae.getMessage();
        }
        if (e.getLocation() != null && e.getLocation().getLineNr() > 0) {
            message = message + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        }
        return new InvalidSpecException(what, List.of(new ValidationError(jsonPath(e.getPath()), message)), e);
    }

    /** Turns Jackson's reference chain into {@code $.a.b[0]['odd key']}. */
    static String jsonPath(List<JacksonException.Reference> references) {
        StringBuilder path = new StringBuilder("$");
        for (JacksonException.Reference r : references) {
            if (r.getPropertyName() != null) {
                Paths.appendKey(path, r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        return path.toString();
    }
}
