package dev.gatun.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import dev.gatun.testing.OciLayoutBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main job given an image: {@code Demo <layout>} runs the image's own command (busybox
 * httpd on the port the image exposes, 8080), publishes it on the host's 8081 and GETs the image's
 * page, looks inside with an exec, and removes everything. A JVM of its own, as a user runs it.
 */
@KernelTest
class DemoImageKernelTest {

    @TempDir
    Path tmp;

    @Test
    void theDemoRunsAnImageItIsGiven() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "a static busybox (Debian package busybox-static)");
        Path base = BusyboxRootfs.create(tmp.resolve("base"));
        Path site = Files.createDirectories(tmp.resolve("site/www"));
        Files.writeString(site.resolve("index.html"), "<h1>served from the image's layer</h1>\n");
        Path layout = OciLayoutBuilder.create().layer(base).layer(tmp.resolve("site"))
                .entrypoint("/bin/httpd", "-f", "-p", "8080", "-h", "/www").env("PATH=/bin")
                .refName("latest").write(tmp.resolve("layout"));

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process demo = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-XX:-UsePerfData",
                "-Dgatun.imageStore=" + tmp.resolve("store"), "-cp", System.getProperty("java.class.path"),
                Demo.class.getName(), layout.toString()).redirectErrorStream(true).start();
        String out;
        try {
            out = new String(demo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(demo.waitFor(120, TimeUnit.SECONDS)).as("the demo ended").isTrue();
        } finally {
            demo.destroyForcibly();
        }
        assertThat(demo.exitValue()).as(out).isZero();
        assertThat(out).as(out)
                .contains("the server: the image " + layout + "'s own command, /bin/httpd -f -p 8080 -h /www")
                .contains("== The server answers on the host: -p 8081:8080")
                .contains("from the host: HTTP/1.", "<h1>served from the image's layer</h1>")
                .contains("inside: my pid is ", "hostname web")
                .containsPattern("inside: processes I can see: 1 \\d+")
                .contains(" removed\n").doesNotContain("still exists!", "still alive!", "Exception");
    }
}
