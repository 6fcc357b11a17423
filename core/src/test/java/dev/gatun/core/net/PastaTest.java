package dev.gatun.core.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PastaTest {

    @TempDir
    Path tmp;

    @Test
    void eachForwardIsAPastaOptionOfItsOwnSinceAnAddressBindsAllPortsOfASpec() {
        List<Pasta.Forward> forwards = List.of(new Pasta.Forward("tcp", "127.0.0.1", 8081, 80),
                new Pasta.Forward("tcp", "::1", 8443, 443), new Pasta.Forward("udp", "127.0.0.1", 5353, 53));
        assertThat(Pasta.options(forwards, "tcp")).containsExactly("-t", "127.0.0.1/8081:80", "-t", "::1/8443:443");
        assertThat(Pasta.options(forwards, "udp")).containsExactly("-u", "127.0.0.1/5353:53");
        assertThat(Pasta.options(List.of(), "tcp")).containsExactly("-t", "none");
    }

    @Test
    void aMissingCommandNamesThePackage() throws Exception {
        Path tun = Files.createFile(tmp.resolve("tun"));
        assertThat(Pasta.unavailabilityCause(tmp.resolve("pasta"), tun))
                .isEqualTo("the network mode pasta needs " + tmp.resolve("pasta") + " (Debian package passt)");
        Path command = Files.createFile(tmp.resolve("cmd"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(tun, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(Pasta.unavailabilityCause(command, tun)).isNull();
    }
}
