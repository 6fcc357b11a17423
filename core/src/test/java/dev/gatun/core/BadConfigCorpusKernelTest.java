package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad config.json corpus ({@code src/test/resources/bad-configs}): each file, as a bundle's
 * config.json, fails {@link Container#fromBundle} or {@link Container#create()} with exactly the
 * error {@code expected.txt} holds, and leaves nothing behind (no cgroup directory, no state
 * directory, no mount, no child process, no fd).
 *
 * <p>{@code generate.py} writes the files and, for each, the JSON path (or, for a kernel refusal,
 * the value) its error must name ({@code paths.txt}); {@code expected.txt} is written and reviewed
 * by hand, never by the code under test. See the README there for how to add a case.
 */
@KernelTest
class BadConfigCorpusKernelTest {

    private static final Path CORPUS = corpus();

    @TempDir
    static Path bundle;

    @BeforeAll
    static void busyboxAndTheJvmsOwnResources() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static (apt-get install busybox-static)");
        BusyboxRootfs.create(bundle.resolve("rootfs"));
        // the first container of a JVM starts what lives as long as the JVM (the sentinel, the
        // spawn thread, the exit watcher) and their fds: not a case's leak
        runsTheBase();
    }

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    /** file, exception class, exact message, what the message must name. */
    static Stream<Arguments> corpusCases() {
        Map<String, String> names = tabs(CORPUS.resolve("paths.txt"), 2);
        return tabs(CORPUS.resolve("expected.txt"), 3).entrySet().stream().map(e -> {
            String[] f = e.getValue().split("\t", 2);
            return Arguments.of(e.getKey(), f[0], f[1], names.get(e.getKey()));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpusCases")
    void eachBadConfigFailsWithItsExactErrorAndLeavesNothing(String file, String type, String message, String names)
            throws Exception {
        assertThat(message).as("expected.txt's message for %s names what paths.txt says it must", file).contains(names);
        Files.copy(CORPUS.resolve(file), bundle.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        String id = Leftovers.id("corpus");
        HostSnapshot before = HostSnapshot.take();
        Throwable thrown = createFails(id);
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
        assertThat(thrown.getClass().getSimpleName() + "\t" + normalized(thrown.getMessage()))
                .as("the error of %s", file).isEqualTo(type + "\t" + message);
    }

    @Test
    void theBaseEveryCaseBreaksRunsCleanlySoEachFailureIsItsOwnMutation() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        runsTheBase();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    private static void runsTheBase() throws Exception {
        Files.copy(CORPUS.resolve("base.config.json.txt"), bundle.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        String id = Leftovers.id("corpusbase");
        try (Container c = Container.fromBundle(bundle, id)) {
            assertThat(c.run().waitFor()).as("exit status of the corpus's base config").isZero();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void everyCorpusFileHasAReviewedExpectationAndTheCorpusIsLarge() throws IOException {
        List<String> files;
        try (Stream<Path> s = Files.list(CORPUS)) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
        }
        assertThat(tabs(CORPUS.resolve("expected.txt"), 3).keySet()).containsExactlyElementsOf(files);
        assertThat(tabs(CORPUS.resolve("paths.txt"), 2).keySet()).containsExactlyElementsOf(files);
        assertThat(files).hasSizeGreaterThanOrEqualTo(200);
    }

    private static Throwable createFails(String id) throws Exception {
        Container c;
        try {
            c = Container.fromBundle(bundle, id);
        } catch (Exception e) {
            return e;
        }
        try (c) {
            try {
                c.create();
            } catch (Exception e) {
                assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
                return e;
            }
            throw new AssertionError("container " + id + " was created; its config.json should have been refused");
        }
    }

    private static String normalized(String message) {
        return String.valueOf(message)
                .replace(bundle.toString(), "${bundle}")
                .replaceAll("\\(step \\d+ of \\d+\\)", "(step N of M)")
                .replaceAll("\\(\\d+</", Matcher.quoteReplacement("(${fd}</"))
                .replace("\n", "\\n")
                .strip();
    }

    /** The lines of a tab-separated file without its # comments, keyed by the first column. */
    private static Map<String, String> tabs(Path file, int columns) {
        Map<String, String> rows = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", 2);
                assertThat(line.split("\t", columns)).as("%s: %s", file.getFileName(), line).hasSize(columns);
                assertThat(rows.put(f[0], f[1])).as("%s lists %s twice", file.getFileName(), f[0]).isNull();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    private static Path corpus() {
        try {
            return Path.of(BadConfigCorpusKernelTest.class.getResource("/bad-configs/expected.txt").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
