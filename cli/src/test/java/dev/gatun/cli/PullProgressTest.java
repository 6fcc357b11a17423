package dev.gatun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.images.Descriptor;
import dev.gatun.images.Digest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What {@code gatun pull} prints, on a terminal and off one. */
class PullProgressTest {

    private static final Descriptor A = layer("a", 2 << 20);
    private static final Descriptor B = layer("b", 1 << 20);

    @Test
    void offATerminalEachLayerIsOnePlainLineWhenItCompletes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PullProgress p = new PullProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        p.progress(0, A, 1 << 20, A.size());
        p.progress(1, B, B.size(), B.size());
        p.progress(0, A, A.size(), A.size());
        p.progress(0, A, A.size(), A.size()); // reported twice: printed once
        p.finish();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(
                "layer 2 " + B.digest().hex().substring(0, 12) + " 1.0 MB done\n"
                        + "layer 1 " + A.digest().hex().substring(0, 12) + " 2.0 MB done\n");
    }

    @Test
    void onATerminalOneBarIsRedrawnInPlaceAndEndsItsLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PullProgress p = new PullProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        p.progress(0, A, 1 << 20, A.size());
        p.progress(1, B, 0, B.size());
        assertThat(p.line()).isEqualTo("[##########....................] 1.0 MB / 3.0 MB  0/2 layers");
        p.progress(1, B, B.size(), B.size());
        p.progress(0, A, A.size(), A.size());
        assertThat(p.line()).isEqualTo("[##############################] 3.0 MB / 3.0 MB  2/2 layers");
        p.finish();
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).startsWith("\r[").contains("\033[K").endsWith("2/2 layers\033[K\n").doesNotContain("layer 1 ");
    }

    private static Descriptor layer(String seed, long size) {
        return new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip",
                Digest.sha256(seed.getBytes(StandardCharsets.UTF_8)), size, null);
    }
}
