package dev.gatun.oci;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Fuzzing of the config reader and the validator (the {@code fuzz} profile; see oci-spec/pom.xml).
 * Any exception but {@link InvalidSpecException}, an error without a path, or a spec that does not
 * survive a write and a read is a finding. Jazzer fuzzes one test per JVM: one per class here.
 */
class ConfigReaderFuzz {

    @FuzzTest(maxDuration = "60s")
    void aConfigIsReadAndValidatedOrRefusedWithAPath(byte[] data) {
        Spec spec;
        try {
            spec = OciSpecs.readConfig(new String(data, StandardCharsets.UTF_8));
        } catch (InvalidSpecException refused) {
            requirePaths(refused.errors());
            return;
        }
        requirePaths(OciSpecs.validate(spec));
        // what was read writes and reads back to the same spec
        if (!OciSpecs.readConfig(OciSpecs.writeConfig(spec)).equals(spec)) {
            throw new AssertionError("round trip changed " + OciSpecs.writeConfig(spec));
        }
    }

    private static void requirePaths(List<ValidationError> errors) {
        for (ValidationError e : errors) {
            if (!e.path().startsWith("$") || e.message().isBlank()) {
                throw new AssertionError("an error without a path or a message: " + e);
            }
        }
    }
}
