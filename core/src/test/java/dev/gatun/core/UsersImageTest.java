package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An image config's {@code User} in each of its forms, looked up in the image's own files. */
class UsersImageTest {

    @TempDir
    Path tree;

    @BeforeEach
    void etc() throws Exception {
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\nweb:x:33:44::/var/www:/bin/sh\n");
        Files.writeString(tree.resolve("etc/group"), "root:x:0:\nwww:x:44:\nstaff:x:50:\n");
    }

    @Test
    void aNameTakesItsUidAndGidFromTheImagesPasswd() {
        assertThat(Users.imageUser(tree, "web")).containsExactly(33, 44);
    }

    @Test
    void aUidAloneTakesItsPasswdGidOrZero() {
        assertThat(Users.imageUser(tree, "33")).containsExactly(33, 44);
        assertThat(Users.imageUser(tree, "1000")).containsExactly(1000, 0);
    }

    @Test
    void aGroupAfterTheColonIsANumberOrANameInTheImagesGroupFile() {
        assertThat(Users.imageUser(tree, "1000:1000")).containsExactly(1000, 1000);
        assertThat(Users.imageUser(tree, "web:staff")).containsExactly(33, 50);
        assertThat(Users.imageUser(tree, "33:staff")).containsExactly(33, 50);
    }

    @Test
    void unknownNamesAreErrorsNamingTheUserAndTheFile() {
        assertThatThrownBy(() -> Users.imageUser(tree, "ghost")).hasMessageContaining("\"ghost\"")
                .hasMessageContaining("/etc/passwd");
        assertThatThrownBy(() -> Users.imageUser(tree, "web:nogroup")).hasMessageContaining("\"nogroup\"")
                .hasMessageContaining("/etc/group");
    }

    @Test
    void aPasswdThatIsASymlinkOutOfTheImageIsNotRead() throws Exception {
        Files.delete(tree.resolve("etc/passwd"));
        Files.createSymbolicLink(tree.resolve("etc/passwd"), Path.of("/etc/passwd"));
        assertThatThrownBy(() -> Users.imageUser(tree, "root")).hasMessageContaining("symlink");
    }
}
