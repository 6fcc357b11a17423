package dev.gatun.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayersTest {

    @TempDir
    Path tmp;
    Path root;
    Path outside;

    @BeforeEach
    void dirs() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "host");
    }

    private Layers.Result apply(byte[] layer) throws IOException {
        return Layers.apply(new ByteArrayInputStream(layer), root, new Layers.Options(false));
    }

    private void assertOutsideUntouched() throws IOException {
        try (Stream<Path> s = Files.list(outside)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("secret");
        }
        assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("host");
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("root", "outside");
        }
    }

    @Test
    void filesDirectoriesSymlinksAndHardLinksAreCreatedWithTheirModes() throws IOException {
        Layers.Result r = apply(Tars.tar().dir("bin/", 0755).file("bin/tool", "#!/bin/sh\n", 04755)
                .symlink("bin/alias", "tool").hardlink("bin/same", "bin/tool").dir("tmp/", 01777)
                .file("etc/deep/config", "x").bytes());
        assertThat(r.entries()).isEqualTo(6);
        assertThat(Files.readString(root.resolve("bin/tool"))).isEqualTo("#!/bin/sh\n");
        assertThat((int) Files.getAttribute(root.resolve("bin/tool"), "unix:mode") & 07777).isEqualTo(04755);
        assertThat((int) Files.getAttribute(root.resolve("tmp"), "unix:mode") & 07777).isEqualTo(01777);
        assertThat(Files.readSymbolicLink(root.resolve("bin/alias"))).isEqualTo(Path.of("tool"));
        assertThat(Files.isSameFile(root.resolve("bin/same"), root.resolve("bin/tool"))).isTrue();
        assertThat(Files.getAttribute(root.resolve("bin/tool"), "unix:nlink")).isEqualTo(2);
        assertThat(Files.readString(root.resolve("etc/deep/config"))).isEqualTo("x");
    }

    @Test
    void gzipAndZstdLayersAreDetectedByTheirMagicAndHaveTheSameDiffId() throws IOException {
        Tars t = Tars.tar().file("a", "hello");
        Digest plain = apply(t.bytes()).diffId();
        assertThat(apply(t.gzip()).diffId()).isEqualTo(plain);
        assertThat(apply(t.zstd()).diffId()).isEqualTo(plain);
        assertThat(plain).isEqualTo(Digest.sha256(t.bytes()));
    }

    @Test
    void xzIsRefusedByName() {
        byte[] xz = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 1, 2};
        assertThatThrownBy(() -> apply(xz)).isInstanceOf(InvalidImageException.class).hasMessageContaining("xz");
    }

    @Test
    void aWhiteoutRemovesWhatALowerLayerMade() throws IOException {
        apply(Tars.tar().file("etc/gone", "1").dir("var/cache/", 0755).file("var/cache/big", "2").file("keep", "3").bytes());
        apply(Tars.tar().file("etc/.wh.gone", "").file("var/.wh.cache", "").bytes());
        assertThat(root.resolve("etc/gone")).doesNotExist();
        assertThat(root.resolve("etc/.wh.gone")).doesNotExist();
        assertThat(root.resolve("var/cache")).doesNotExist();
        assertThat(root.resolve("keep")).hasContent("3");
    }

    @Test
    void anOpaqueDirectoryKeepsOnlyItsOwnLayersEntries() throws IOException {
        apply(Tars.tar().file("app/old1", "1").file("app/sub/old2", "2").file("other", "3").bytes());
        // the marker after a sibling of its own layer: order in the tar does not matter
        apply(Tars.tar().file("app/new", "n").file("app/.wh..wh..opq", "").file("app/later", "l").bytes());
        try (Stream<Path> s = Files.list(root.resolve("app"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("new", "later");
        }
        assertThat(root.resolve("other")).hasContent("3");
    }

    @Test
    void aWhiteoutDoesNotHideAnEntryOfItsOwnLayer() throws IOException {
        apply(Tars.tar().file("x", "mine").file(".wh.x", "").bytes());
        assertThat(root.resolve("x")).hasContent("mine");
    }

    @Test
    void anEntryReplacesASymlinkInsteadOfWritingThroughIt() throws IOException {
        apply(Tars.tar().symlink("evil", outside.resolve("secret").toString()).file("evil", "overwritten").bytes());
        assertThat(Files.isSymbolicLink(root.resolve("evil"))).isFalse();
        assertThat(root.resolve("evil")).hasContent("overwritten");
        assertOutsideUntouched();
    }

    @Test
    void aDirectoryReplacesAFileAndAFileReplacesADirectoryTree() throws IOException {
        apply(Tars.tar().file("a", "file").dir("b/", 0755).file("b/c", "x").bytes());
        apply(Tars.tar().dir("a/", 0700).file("b", "now a file").bytes());
        assertThat(root.resolve("a")).isDirectory();
        assertThat(root.resolve("b")).hasContent("now a file");
    }

    @Test
    void dotDotIsRefusedAndNamesTheEntry() throws IOException {
        assertThatThrownBy(() -> apply(Tars.tar().file("../escape", "x").bytes()))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("\"../escape\"").hasMessageContaining("..");
        assertThatThrownBy(() -> apply(Tars.tar().file("a/../../escape", "x").bytes()))
                .isInstanceOf(InvalidImageException.class);
        assertOutsideUntouched();
    }

    @Test
    void anAbsoluteNameLandsInsideTheTarget() throws IOException {
        apply(Tars.tar().file("/etc/abs", "in").bytes());
        assertThat(root.resolve("etc/abs")).hasContent("in");
        assertOutsideUntouched();
    }

    @Test
    void anAbsoluteSymlinkedParentIsResolvedInsideTheTarget() throws IOException {
        apply(Tars.tar().symlink("out", outside.toString()).file("out/secret", "pwned").file("out/new", "pwned").bytes());
        assertOutsideUntouched();
        assertThat(root.resolve(outside.toString().substring(1)).resolve("new")).hasContent("pwned");
    }

    @Test
    void aClimbingSymlinkedParentIsClampedAtTheTarget() throws IOException {
        apply(Tars.tar().dir("a/", 0755).symlink("a/up", "../../../../..").file("a/up/outside/secret", "pwned")
                .file("a/up/top", "t").bytes());
        assertOutsideUntouched();
        assertThat(root.resolve("top")).hasContent("t");
        assertThat(root.resolve("outside/secret")).hasContent("pwned");
    }

    @Test
    void aSymlinkChainThroughSeveralLinksStaysInside() throws IOException {
        apply(Tars.tar().symlink("l1", "l2").symlink("l2", "/l3").symlink("l3", "..").file("l1/x", "x").bytes());
        assertThat(root.resolve("x")).hasContent("x");
        assertOutsideUntouched();
    }

    @Test
    void aSymlinkLoopIsAnError() {
        assertThatThrownBy(() -> apply(Tars.tar().symlink("a", "b").symlink("b", "a").file("a/x", "x").bytes()))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("\"a/x\"").hasMessageContaining("symlinks");
    }

    @Test
    void aHardLinkOutOfTheTargetIsRefused() throws IOException {
        assertThatThrownBy(() -> apply(Tars.tar().hardlink("h", "../outside/secret").bytes()))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("\"h\"");
        assertThatThrownBy(() -> apply(Tars.tar().hardlink("h2", outside.resolve("secret").toString()).bytes()))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("\"h2\"");
        assertOutsideUntouched();
    }

    @Test
    void aHardLinkThroughASymlinkedParentStaysInside() throws IOException {
        assertThatThrownBy(() -> apply(Tars.tar().symlink("o2", outside.toString()).hardlink("h", "o2/secret").bytes()))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("not in the layer");
        assertOutsideUntouched();
    }

    @Test
    void aHardLinkToASymlinkLinksTheSymlinkItself() throws IOException {
        apply(Tars.tar().symlink("s", outside.resolve("secret").toString()).hardlink("h", "s").bytes());
        assertThat(Files.isSymbolicLink(root.resolve("h"))).isTrue();
        assertOutsideUntouched();
    }

    @Test
    void aFileUnderAFileIsAnError() {
        assertThatThrownBy(() -> apply(Tars.tar().file("f", "x").file("f/g", "y").bytes()))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("\"f/g\"").hasMessageContaining("/f is not a directory");
    }

    @Test
    void devicesAndFifosAreSkippedAndReported() throws IOException {
        Layers.Result r = apply(Tars.tar().charDevice("dev/null").fifo("pipe").file("ok", "1").bytes());
        assertThat(root.resolve("dev/null")).doesNotExist();
        assertThat(root.resolve("pipe")).doesNotExist();
        assertThat(r.skipped()).containsExactly("dev/null: device node not created", "pipe: FIFO not created");
    }

    @Test
    void userXattrsAreSetAndOthersReported() throws IOException {
        Layers.Result r = apply(Tars.tar().file("f", "x", Map.of("SCHILY.xattr.user.origin", "test",
                "SCHILY.xattr.security.capability", "caps")).bytes());
        assertThat(r.skipped()).containsExactly("f: extended attribute security.capability not set");
        var view = Files.getFileAttributeView(root.resolve("f"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
        if (view.list().contains("origin")) { // tmpfs without user xattrs would refuse the write above
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16);
            view.read("origin", b);
            assertThat(new String(b.array(), 0, b.position())).isEqualTo("test");
        }
    }

    @Test
    void aTruncatedLayerIsAnError() throws IOException {
        byte[] whole = Tars.tar().file("a", "x".repeat(10000)).gzip();
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length / 2);
        assertThatThrownBy(() -> apply(cut)).isInstanceOf(InvalidImageException.class).hasMessageContaining("truncated");
        byte[] tarCut = java.util.Arrays.copyOf(Tars.tar().file("a", "x".repeat(10000)).bytes(), 5000);
        assertThatThrownBy(() -> apply(tarCut)).isInstanceOf(InvalidImageException.class).hasMessageContaining("truncated");
    }

    @Test
    void aDirectoryLaterReplacedByASymlinkDoesNotGetItsModeThroughTheLink() throws IOException {
        String before = Files.getAttribute(outside, "unix:mode").toString();
        apply(Tars.tar().dir("a/", 0700).dir("a/b/", 0700).symlink("a", outside.toString()).bytes());
        assertThat(Files.getAttribute(outside, "unix:mode").toString()).isEqualTo(before);
        assertOutsideUntouched();
    }

    @Test
    void directoryModesAreSetAfterTheirContents() throws IOException {
        apply(Tars.tar().dir("ro/", 0555).file("ro/f", "x").bytes());
        assertThat(Files.getPosixFilePermissions(root.resolve("ro"), LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("ro"), PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
