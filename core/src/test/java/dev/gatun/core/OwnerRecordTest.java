package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The owner record's file format and the owner's identity: files in a temp directory, no root. */
class OwnerRecordTest {

    @TempDir
    Path dir;

    @Test
    void aRecordReadsBackAsWrittenAndAReplacementLeavesNoTemporaryFile() throws IOException {
        new OwnerRecord(new Owner(12, 34), List.of()).write(dir);
        OwnerRecord r = new OwnerRecord(new Owner(12, 34), List.of(Path.of("/sys/fs/cgroup/memory/gatun-a"),
                Path.of("/sys/fs/cgroup/unified/gatun-jvm-12-34/gatun-a")));
        r.write(dir);
        assertThat(OwnerRecord.read(dir)).contains(r);
        assertThat(Files.readString(dir.resolve("owner"))).isEqualTo("""
                owner 12 34
                cgroup /sys/fs/cgroup/memory/gatun-a
                cgroup /sys/fs/cgroup/unified/gatun-jvm-12-34/gatun-a
                """);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(dir.resolve("owner"));
        }
    }

    @Test
    void aDirectoryWithoutARecordHasNoOwnerAndAMalformedRecordIsAnErrorNamingTheFile() throws IOException {
        assertThat(OwnerRecord.read(dir)).isEmpty();
        Files.writeString(dir.resolve("owner"), "owner twelve\n");
        assertThatThrownBy(() -> OwnerRecord.read(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining(dir.resolve("owner").toString());
    }

    @Test
    void thisJvmIsAliveAndTheSamePidWithAnotherStartTimeIsNot() {
        Owner self = Owner.self();
        assertThat(self.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(self.alive()).isTrue();
        assertThat(new Owner(self.pid(), self.startTime() + 1).alive()).as("a reused pid").isFalse();
        assertThat(Owner.parseToken(self.token())).contains(self);
        assertThat(Owner.parseToken("12")).isEmpty();
        assertThat(Owner.parseToken("x-1")).isEmpty();
    }
}
