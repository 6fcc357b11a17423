package dev.gatun.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad and hostile input gives an InvalidSpecException with a path, never a StackOverflowError or OutOfMemoryError. */
class HostileInputTest {

    /** document, expected error path, message fragment. */
    static Stream<Arguments> badDocuments() {
        return Stream.of(
                Arguments.of("{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"rootfs\"", "$.root", "end-of-input"),
                Arguments.of("{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"roo", "$.root.path", "end-of-input"),
                Arguments.of("", "$", "No content"),
                Arguments.of("[]", "$", "from Array value"),
                Arguments.of("{\"ociVersion\": 1}", "$.ociVersion", "Integer value (1)"),
                Arguments.of("{\"root\": {\"readonly\": \"true\"}}", "$.root.readonly", "String value (\"true\")"),
                Arguments.of("{\"process\": {\"oomScoreAdj\": 1.5}}", "$.process.oomScoreAdj", "Floating-point value (1.5)"),
                Arguments.of("{\"process\": {\"args\": \"sh\"}}", "$.process.args", "from String value"),
                Arguments.of("{\"process\": {\"args\": [\"sh\", null]}}", "$.process.args[1]", "Invalid `null` value"),
                Arguments.of("{\"annotations\": {\"a\": null}}", "$.annotations.a", "Invalid `null` value"),
                Arguments.of("{\"process\": {\"consoleSize\": {\"height\": -1, \"width\": 1}}}", "$.process.consoleSize.height", "negative"),
                Arguments.of("{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 18446744073709551616, \"hard\": 1}]}}",
                        "$.process.rlimits[0].soft", "not an unsigned 64-bit integer"),
                Arguments.of("{\"linux\": {\"resources\": {\"memory\": {\"limit\": 9223372036854775808}}}}",
                        "$.linux.resources.memory.limit", "out of range of `long`"),
                Arguments.of("{\"linux\": {\"namespaces\": {\"type\": \"pid\"}}}", "$.linux.namespaces", "from Object value"),
                Arguments.of("{\"hostname\": \"a\", \"hostname\": \"b\"}", "$", "Duplicate Object property \"hostname\""),
                Arguments.of("{\"hostname\": \"a\"} {}", "$", "Trailing token"),
                Arguments.of("{\"annotations\": {\"a\": 1}}", "$.annotations.a", "Integer value (1)"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badDocuments")
    void badInputIsOneErrorWithAPath(String json, String path, String message) {
        InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, () -> OciSpecs.readConfig(json));
        assertThat(e).as("exception for %s", json).isNotNull();
        assertThat(e.errors()).singleElement().satisfies(error -> {
            assertThat(error.path()).isEqualTo(path);
            assertThat(error.message()).contains(message);
        });
    }

    @Test
    void theDocumentNullIsAnInvalidSpecNotANullSpec() {
        InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, () -> OciSpecs.readConfig("null"));
        assertThat(e).hasMessage("invalid config.json: $: is null: a config.json document is a JSON object");
    }

    @Test
    void aNulInAMountDestinationOrSourceIsCaughtByTheValidator() {
        Spec spec = OciSpecs.readConfig("""
                {"ociVersion": "1.3.0", "root": {"path": "r"},
                 "mounts": [{"destination": "/tmp\\u0000/x", "source": "a\\u0000b", "type": "bind"}]}""");
        assertThat(OciSpecs.validate(spec)).extracting(ValidationError::toString).containsExactly(
                "$.mounts[0].destination: contains a NUL character, which no C string (path, name, argument) can hold",
                "$.mounts[0].source: contains a NUL character, which no C string (path, name, argument) can hold");
    }

    @Test
    void aNulInAnyStringThatReachesTheKernelIsCaughtByTheValidatorAtItsPath() {
        Spec spec = OciSpecs.readConfig("""
                {"ociVersion": "1.3.0", "root": {"path": "r\\u0000"}, "hostname": "h\\u0000",
                 "process": {"args": ["/bin/sh", "-c\\u0000"], "cwd": "/\\u0000"},
                 "hooks": {"prestart": [{"path": "/h\\u0000", "args": ["\\u0000"]}]},
                 "linux": {"namespaces": [{"type": "uts"}], "sysctl": {"net.a.b": "1\\u0000"},
                           "maskedPaths": ["/m\\u0000"], "readonlyPaths": ["/r\\u0000"]}}""");
        assertThat(OciSpecs.validate(spec)).extracting(ValidationError::path).containsExactly("$.root.path",
                "$.process.cwd", "$.process.args[1]", "$.hooks.prestart[0].path", "$.hooks.prestart[0].args[0]",
                "$.hostname", "$.linux.maskedPaths[0]", "$.linux.readonlyPaths[0]", "$.linux.sysctl['net.a.b']");
    }

    @Test
    void aThrottleWithoutARateIsCaughtByTheValidator() {
        Spec spec = OciSpecs.readConfig("""
                {"ociVersion": "1.3.0", "root": {"path": "r"},
                 "linux": {"resources": {"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0}]}}}}""");
        assertThat(OciSpecs.validate(spec)).extracting(ValidationError::toString)
                .containsExactly("$.linux.resources.blockIO.throttleReadBpsDevice[0].rate: is required");
    }

    @Test
    void unifiedKeysThatMoveProcessesOrSteerTheCgroupAreRefusedAndItsLimitsAreNot() {
        Spec spec = OciSpecs.readConfig("""
                {"ociVersion": "1.3.0", "root": {"path": "r"},
                 "linux": {"resources": {"unified": {"cgroup.procs": "1", "cgroup.max.depth": "2",
                    "cgroup.kill": "1", "cgroup.max.descendants": "10", "memory.high": "1m"}}}}""");
        String tail = " is a cgroup interface file, not a limit; of cgroup.* only cgroup.max.depth and cgroup.max.descendants may be set";
        assertThat(OciSpecs.validate(spec)).extracting(ValidationError::toString).containsExactly(
                "$.linux.resources.unified['cgroup.procs']: \"cgroup.procs\"" + tail,
                "$.linux.resources.unified['cgroup.kill']: \"cgroup.kill\"" + tail);
    }

    @Test
    void aHostnameLongerThanTheKernelTakesIsCaughtByTheValidator() {
        Spec spec = OciSpecs.readConfig("{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"r\"}, \"hostname\": \""
                + "h".repeat(65) + "\", \"domainname\": \"" + "d".repeat(64) + "\", \"linux\": {\"namespaces\": [{\"type\": \"uts\"}]}}");
        assertThat(OciSpecs.validate(spec)).extracting(ValidationError::toString)
                .containsExactly("$.hostname: is 65 bytes long: the kernel takes at most 64");
    }

    @Test
    void anErrnoAboveMaxErrnoOrATraceMessageAbove16BitsIsCaughtByTheValidatorAtItsRule() {
        Spec spec = OciSpecs.readConfig("""
                {"ociVersion": "1.3.0", "root": {"path": "r"},
                 "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 4095, "syscalls": [
                    {"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4096},
                    {"names": ["ptrace"], "action": "SCMP_ACT_TRACE", "errnoRet": 65536},
                    {"names": ["reboot"], "action": "SCMP_ACT_TRACE", "errnoRet": 65535}]}}}""");
        assertThat(OciSpecs.validate(spec)).extracting(ValidationError::toString).containsExactly(
                "$.linux.seccomp.syscalls[0].errnoRet: 4096 is out of range: an errno is 0 to 4095 (MAX_ERRNO)",
                "$.linux.seccomp.syscalls[1].errnoRet: 65536 is out of range: a trace message is 0 to 65535");
    }

    @Test
    void uidRangesOverflowing2To32AreCaughtByTheValidator() {
        Spec spec = OciSpecs.readConfig("""
                {"ociVersion": "1.3.0", "root": {"path": "r"},
                 "linux": {"namespaces": [{"type": "user"}],
                           "uidMappings": [{"containerID": 4294967295, "hostID": 0, "size": 2}],
                           "gidMappings": [{"containerID": 0, "hostID": 9999999999, "size": 1}]}}""");
        assertThat(OciSpecs.validate(spec)).extracting(ValidationError::path)
                .containsExactly("$.linux.uidMappings[0].size", "$.linux.gidMappings[0].hostID");
    }

    @Test
    void negativeSizesAreCaughtByTheValidator() {
        Spec spec = OciSpecs.readConfig("""
                {"ociVersion": "1.3.0", "root": {"path": "r"},
                 "linux": {"namespaces": [{"type": "user"}],
                           "uidMappings": [{"containerID": 0, "hostID": 0, "size": -5}],
                           "gidMappings": [{"containerID": 0, "hostID": 0, "size": 1}]}}""");
        assertThat(OciSpecs.validate(spec)).singleElement()
                .satisfies(e -> assertThat(e.toString()).isEqualTo("$.linux.uidMappings[0].size: -5 is out of range: a mapping holds 1 to 4294967295 IDs"));
    }

    @Test
    void aTenMegabyteStringIsRefusedWithTheLimitNamed() {
        String json = "{\"ociVersion\": \"1.3.0\", \"hostname\": \"" + "a".repeat(10 << 20) + "\"}";
        InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, () -> OciSpecs.readConfig(json));
        assertThat(e.errors()).singleElement().satisfies(error -> {
            assertThat(error.path()).isEqualTo("$.hostname");
            assertThat(error.message()).contains("String value length").contains("exceeds the maximum allowed (" + OciSpecs.MAX_STRING_LENGTH);
        });
    }

    @Test
    void deeplyNestedJsonIsRefusedWithoutAStackOverflow() {
        int depth = 100_000;
        String json = "{\"ociVersion\": \"1.3.0\", \"x\": " + "[".repeat(depth) + "]".repeat(depth) + "}";
        InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, () -> OciSpecs.readConfig(json));
        assertThat(e.errors()).singleElement().satisfies(error ->
                assertThat(error.message()).contains("Document nesting depth").contains(String.valueOf(OciSpecs.MAX_NESTING_DEPTH)));
    }

    @Test
    void millionsOfTinyValuesAreRefusedBeforeTheyBecomeATree() {
        String json = "{\"ociVersion\": \"1.3.0\", \"x\": [" + "0,".repeat(2_000_000) + "0]}";
        InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, () -> OciSpecs.readConfig(json));
        assertThat(e.errors()).singleElement().satisfies(error ->
                assertThat(error.message()).contains("Token count").contains(String.valueOf(OciSpecs.MAX_TOKENS)));
    }

    @Test
    void aHugeMappingListIsOneErrorNotAQuadraticCheck() {
        StringBuilder ranges = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            ranges.append(i == 0 ? "" : ",").append("{\"containerID\": ").append(i).append(", \"hostID\": ").append(i).append(", \"size\": 1}");
        }
        String json = "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"r\"}, \"linux\": {\"namespaces\": [{\"type\": \"user\"}],"
                + " \"uidMappings\": [" + ranges + "], \"gidMappings\": [{\"containerID\": 0, \"hostID\": 0, \"size\": 1}]}}";
        assertThat(OciSpecs.validate(OciSpecs.readConfig(json))).singleElement()
                .satisfies(e -> assertThat(e.toString()).isEqualTo("$.linux.uidMappings: 100000 ranges: the kernel accepts at most 340"));
    }

    @Test
    void aFloodOfProblemsIsCappedAndCounted() {
        String json = "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"r\"}, \"linux\": {\"maskedPaths\": ["
                + String.join(",", java.util.Collections.nCopies(5000, "\"relative\"")) + "]}}";
        java.util.List<ValidationError> errors = OciSpecs.validate(OciSpecs.readConfig(json));
        assertThat(errors).hasSize(1001);
        assertThat(errors.getLast()).hasToString("$: 4000 more problems were found and not listed");
    }

    @Test
    void aLargeRealisticSeccompProfileIsWellWithinTheLimits() {
        StringBuilder rules = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            rules.append(i == 0 ? "" : ",").append("{\"names\": [\"read\", \"write\", \"openat\"], \"action\": \"SCMP_ACT_ALLOW\","
                    + " \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}");
        }
        String json = "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"r\"}, \"linux\": {\"seccomp\": "
                + "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" + rules + "]}}}";
        assertThat(OciSpecs.validate(OciSpecs.readConfig(json))).isEmpty();
    }

    @Test
    void anOversizedDocumentIsRefusedBeforeItIsRead() {
        long size = OciSpecs.MAX_DOCUMENT_BYTES + 1;
        // a stream of spaces: nothing to hold in memory, only a length to count
        InputStream endless = new InputStream() {
            private long left = size;

            @Override
            public int read() {
                return left-- > 0 ? ' ' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) ' ');
                left -= n;
                return n;
            }
        };
        InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, () -> OciSpecs.readConfig(endless));
        assertThat(e.errors()).singleElement().satisfies(error ->
                assertThat(error.message()).contains("Document length").contains(String.valueOf(OciSpecs.MAX_DOCUMENT_BYTES)));
    }

    @Test
    void aMissingFileIsAnIOExceptionNotAnInvalidSpec(@TempDir Path dir) {
        IOException e = catchThrowableOfType(IOException.class, () -> OciSpecs.readConfig(dir.resolve("config.json")));
        assertThat(e).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aConfigWrittenToAFileReadsBackEqual(@TempDir Path dir) throws IOException {
        Spec spec = OciSpecs.example();
        Path file = dir.resolve("config.json");
        OciSpecs.writeConfig(spec, file);
        assertThat(OciSpecs.readConfig(file)).isEqualTo(spec);
        assertThat(OciSpecs.readConfig(new ByteArrayInputStream(Files.readAllBytes(file)))).isEqualTo(spec);
        assertThat(Files.readString(file, StandardCharsets.UTF_8)).startsWith("{\n  \"ociVersion\" : \"1.3.0\"");
    }
}
