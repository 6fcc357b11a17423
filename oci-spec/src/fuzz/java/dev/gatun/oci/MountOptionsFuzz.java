package dev.gatun.oci;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Fuzzing of {@link MountOptions#parse}, which must never fail (the {@code fuzz} profile). */
class MountOptionsFuzz {

    @FuzzTest(maxDuration = "20s")
    void anyMountOptionListParses(byte[] data) {
        List<String> options = List.of(new String(data, StandardCharsets.UTF_8).split(",", -1));
        MountOptions parsed = MountOptions.parse(options);
        if (!MountOptions.parse(options).equals(parsed)) {
            throw new AssertionError("two parses of " + options + " differ");
        }
    }
}
