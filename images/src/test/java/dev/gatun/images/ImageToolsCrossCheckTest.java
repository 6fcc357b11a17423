package dev.gatun.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.OciLayoutBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same image through other tools: {@code umoci unpack} of the layout must give the same tree
 * (files, modes, owners, link targets, contents) as {@link ImageStore#unpack}, and
 * {@code skopeo copy} to a docker-save archive must read back as the same image. Needs Debian's
 * skopeo and umoci (installed by {@code .ci/run}); skipped without them, failing in CI.
 */
class ImageToolsCrossCheckTest {

    @TempDir
    Path tmp;
    Path layout;

    @BeforeEach
    void image() throws IOException {
        Kernel.require(Files.isExecutable(Path.of("/usr/bin/umoci")) && Files.isExecutable(Path.of("/usr/bin/skopeo")),
                "skopeo and umoci are not installed (apt-get install skopeo umoci)");
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        Path base = BusyboxRootfs.create(tmp.resolve("base"));
        Files.writeString(base.resolve("etc/motd"), "gone");
        Files.createDirectories(base.resolve("opt/old"));
        Files.writeString(base.resolve("opt/old/f"), "lower");
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Files.createDirectories(upper.resolve("etc"));
        Files.writeString(upper.resolve("etc/.wh.motd"), "");
        Files.createDirectories(upper.resolve("opt"));
        Files.writeString(upper.resolve("opt/.wh..wh..opq"), "");
        Files.writeString(upper.resolve("opt/new"), "upper");
        Files.setAttribute(upper.resolve("opt/new"), "unix:mode", 04750);
        Files.createLink(upper.resolve("opt/hard"), upper.resolve("opt/new"));
        Files.createSymbolicLink(upper.resolve("opt/abs"), Path.of("/etc/passwd"));
        layout = OciLayoutBuilder.create().layer(base).layer(upper).refName("test").write(tmp.resolve("layout"));
    }

    @Test
    void umociUnpacksTheSameTree() throws Exception {
        run("umoci", "unpack", "--image", layout + ":test", tmp.resolve("bundle").toString());
        Path ours = ImageStore.open(tmp.resolve("store")).unpack(ImageSource.ociLayout(layout, "test", Platform.current()));
        assertThat(describe(ours)).isEqualTo(describe(tmp.resolve("bundle/rootfs")));
    }

    @Test
    void aDockerArchiveMadeBySkopeoReadsAsTheSameImage() throws Exception {
        Path archive = tmp.resolve("image.tar");
        run("skopeo", "copy", "--quiet", "oci:" + layout + ":test", "docker-archive:" + archive + ":gatun/test:1");
        Image fromArchive = ImageSource.dockerArchive(archive, "gatun/test:1");
        Image fromLayout = ImageSource.ociLayout(layout, "test", Platform.current());
        assertThat(fromArchive.config().diffIds()).isEqualTo(fromLayout.config().diffIds());
        assertThat(fromArchive.config().command()).isEqualTo(fromLayout.config().command());
        Path a = ImageStore.open(tmp.resolve("store-a")).unpack(fromArchive);
        Path b = ImageStore.open(tmp.resolve("store-b")).unpack(fromLayout);
        assertThat(describe(a)).isEqualTo(describe(b));
        assertThat(a.resolve("opt/new")).hasContent("upper");
    }

    /** Every path with its type, mode, owner, link target or content hash, and link count. */
    private static TreeMap<String, String> describe(Path root) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = "/" + root.relativize(p);
                Object mode = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                String owner = Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":"
                        + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
                String what;
                if (Files.isSymbolicLink(p)) {
                    what = "-> " + Files.readSymbolicLink(p);
                    mode = "link";
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    what = "dir";
                } else {
                    what = OciLayoutBuilder.sha256(Files.readAllBytes(p)) + " nlink "
                            + Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
                }
                out.put(rel.equals("/") ? "/" : rel, Integer.toOctalString(mode instanceof Integer i ? i : 0) + " " + owner + " " + what);
            }
        }
        out.remove("/"); // umoci's rootfs directory is its own
        return out;
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + output).isZero();
    }
}
