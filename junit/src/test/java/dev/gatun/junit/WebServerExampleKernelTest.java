package dev.gatun.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The example suite: a web server per class (busybox httpd in a static field) serving a file
 * copied in, fetched through its mapped port; and an echo server per test (an instance field).
 * Runs as root in the build and, as {@link RootlessWebServerExampleKernelTest}, as the
 * unprivileged user of {@code .ci/unprivileged-lane} (published through pasta there).
 *
 * <p>Every test has a timeout: each one sends traffic through a published port, and a port that
 * never answers must fail the build, not hang it.
 */
@KernelTest(root = false, requires = Kernel.Feature.USER_NAMESPACES)
@Gatun
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebServerExampleKernelTest {

    static final String PAGE_TEXT = "<h1>served from a Gatun container</h1>\n";
    /** src/test/resources/www/index.html */
    private static final Path PAGE = resource("/www/index.html");
    private static final Set<String> PER_TEST_IDS = ConcurrentHashMap.newKeySet();

    @GatunContainer
    static final TestContainer WEB = TestContainer.sandbox()
            .command("/bin/busybox", "httpd", "-f", "-v", "-p", "80", "-h", "/www")
            .withFile(PAGE, "/www/index.html")
            .withExposedPort(80)
            .waitingFor(Wait.forHttp("/index.html").forStatusCode(200));

    @GatunContainer
    final TestContainer echo = TestContainer.sandbox()
            .command("/bin/sh", "-c", "echo ready; exec /bin/busybox nc -ll -p 7 -e /bin/cat")
            .withExposedPort(7)
            .waitingFor(Wait.forListeningPort());

    private static Path resource(String name) {
        try {
            return Path.of(WebServerExampleKernelTest.class.getResource(name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theClassWideServerServesTheCopiedFileOnItsMappedPort() throws Exception {
        assertThat(WEB.host()).isEqualTo("127.0.0.1");
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            URI base = URI.create("http://" + WEB.host() + ":" + WEB.mappedPort(80));
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(base.resolve("/index.html"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).isEqualTo(PAGE_TEXT);
            HttpResponse<String> missing = http.send(HttpRequest.newBuilder(base.resolve("/nothing-here"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(404);
        }
        // httpd -v logs each response; the log pump reads them while the test goes on
        for (int i = 0; i < 100 && !WEB.logs().contains("response:404"); i++) {
            Thread.sleep(50);
        }
        assertThat(WEB.logs()).containsPattern("(?m)^\\S+: response:200$").containsPattern("(?m)^\\S+: response:404$");
    }

    @Test
    void eachTestGetsAnEchoServerOfItsOwnAlreadyListening() throws Exception {
        assertThat(echo.isRunning()).isTrue();
        assertThat(PER_TEST_IDS.add(echo.id())).as("a fresh container per test").isTrue();
        // the port wait returns once nc listens, which may be before the pump has read "ready"
        for (int i = 0; i < 100 && echo.logs().isEmpty(); i++) {
            Thread.sleep(50);
        }
        assertThat(echo.logs()).isEqualTo("ready\n");
        try (Socket s = new Socket(echo.host(), echo.mappedPort(7))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("ping\n");
        }
    }

    @Test
    void anotherTestGetsAnotherEchoServerWhileTheClassWideServerLives() {
        assertThat(echo.isRunning()).isTrue();
        assertThat(PER_TEST_IDS.add(echo.id())).as("a fresh container per test").isTrue();
        assertThat(WEB.isRunning()).as("the class's server lives across tests").isTrue();
    }
}
