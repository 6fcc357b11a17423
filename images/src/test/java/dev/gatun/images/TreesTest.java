package dev.gatun.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The copy a container gets as its root where no overlay can be mounted. */
class TreesTest {

    @TempDir
    Path tmp;

    @Test
    void aCopyKeepsLinksModesAndTimes() throws IOException {
        Path from = Files.createDirectories(tmp.resolve("from/bin"));
        Files.writeString(from.resolve("tool"), "x");
        Files.setAttribute(from.resolve("tool"), "unix:mode", 04711);
        Files.setLastModifiedTime(from.resolve("tool"), FileTime.fromMillis(1_600_000_000_000L));
        Files.createLink(from.resolve("same"), from.resolve("tool"));
        Files.createSymbolicLink(from.resolve("out"), Path.of("/etc/passwd"));
        Files.setAttribute(from, "unix:mode", 0555);
        Path to = tmp.resolve("to");
        Trees.copy(tmp.resolve("from"), to, false);
        assertThat((int) Files.getAttribute(to.resolve("bin/tool"), "unix:mode") & 07777).isEqualTo(04711);
        assertThat(Files.getLastModifiedTime(to.resolve("bin/tool"))).isEqualTo(FileTime.fromMillis(1_600_000_000_000L));
        assertThat(Files.isSameFile(to.resolve("bin/tool"), to.resolve("bin/same"))).isTrue();
        assertThat(Files.readSymbolicLink(to.resolve("bin/out"))).isEqualTo(Path.of("/etc/passwd"));
        assertThat((int) Files.getAttribute(to.resolve("bin"), "unix:mode") & 0777).isEqualTo(0555);
        Files.setAttribute(from, "unix:mode", 0755);
        Files.setAttribute(to.resolve("bin"), "unix:mode", 0755);
    }

    @Test
    void aFailedCopyLeavesNothing() throws IOException {
        Files.createDirectories(tmp.resolve("from/a"));
        Path to = tmp.resolve("to");
        Files.createDirectories(tmp.resolve("from/b"));
        Files.writeString(tmp.resolve("from/b/f"), "x");
        Files.writeString(tmp.resolve("from/unreadable"), "x");
        Files.setAttribute(tmp.resolve("from/unreadable"), "unix:mode", 0);
        boolean root = ImageStore.isRoot(); // root reads a mode-0 file: make the target's parent vanish instead
        if (root) {
            Files.delete(tmp.resolve("from/unreadable"));
            Files.createFile(to);
            assertThatThrownBy(() -> Trees.copy(tmp.resolve("from"), to.resolve("sub"), false)).isInstanceOf(IOException.class);
            assertThat(to.resolve("sub")).doesNotExist();
            return;
        }
        assertThatThrownBy(() -> Trees.copy(tmp.resolve("from"), to, false)).isInstanceOf(IOException.class);
        assertThat(to).doesNotExist();
    }
}
