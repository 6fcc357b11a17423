package dev.gatun.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random layers of hostile names and links: whatever a layer holds, nothing outside the target
 * changes, and a refusal is an {@link InvalidImageException}.
 */
class LayersEscapeProperties {

    /** A placeholder in link targets for the absolute path of the directory outside the target. */
    private static final String OUTSIDE = "@outside";

    record Entry(int type, String name, String link) {}

    @Provide
    Arbitrary<List<Entry>> layers() {
        Arbitrary<String> part = Arbitraries.of("a", "b", "..", ".", "", ".wh.a", ".wh..wh..opq", "secret", "x");
        Arbitrary<String> name = part.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join("/", l))
                .flatMap(n -> Arbitraries.of(n, "/" + n));
        Arbitrary<String> link = Arbitraries.of("..", "../..", "/", OUTSIDE, OUTSIDE + "/secret", "a", "a/b", "/a", "x",
                "../" + "../outside", "b/../..");
        Arbitrary<Entry> entry = Combinators.combine(Arbitraries.integers().between(0, 3), name, link).as(Entry::new);
        return entry.list().ofMinSize(1).ofMaxSize(12);
    }

    @Property(tries = 400)
    void nothingOutsideTheTargetChanges(@ForAll("layers") List<Entry> layer) throws IOException {
        Path tmp = Files.createTempDirectory("gatun-layer-prop");
        try {
            Path root = Files.createDirectory(tmp.resolve("root"));
            Path outside = Files.createDirectory(tmp.resolve("outside"));
            Files.writeString(outside.resolve("secret"), "host");
            Object mode = Files.getAttribute(outside, "unix:mode");
            Tars t = Tars.tar();
            for (Entry e : layer) {
                String link = e.link().replace(OUTSIDE, outside.toString());
                switch (e.type()) {
                    case 0 -> { // a name ending in / is a directory to the tar writer
                        if (e.name().endsWith("/")) {
                            t.dir(e.name(), 0755);
                        } else {
                            t.file(e.name(), "pwned");
                        }
                    }
                    case 1 -> t.dir(e.name(), 0755);
                    case 2 -> t.symlink(e.name(), link);
                    default -> t.hardlink(e.name(), link);
                }
            }
            try {
                Layers.apply(new ByteArrayInputStream(t.bytes()), root, new Layers.Options(false));
            } catch (InvalidImageException refused) {
                // a refusal is fine; what matters is below
            }
            try (Stream<Path> s = Files.list(outside)) {
                assertThat(s.map(p -> p.getFileName().toString())).containsExactly("secret");
            }
            assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("host");
            assertThat(Files.getAttribute(outside.resolve("secret"), "unix:nlink")).isEqualTo(1);
            assertThat(Files.getAttribute(outside, "unix:mode")).isEqualTo(mode);
            try (Stream<Path> s = Files.list(tmp)) {
                assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("root", "outside");
            }
        } finally {
            Layers.removeTree(tmp);
        }
    }
}
