package dev.gatun.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Writes the offsets of a new time namespace that a process has unshared but nobody has entered
 * yet, then lets it exec (which enters it, since Linux 6.2) and reads the clocks inside. The
 * process is perl (Debian's perl-base is essential), which can make raw syscalls.
 */
@KernelTest
@Timeout(30)
class TimeOffsetsKernelTest {

    private HostSnapshot before;

    @BeforeEach
    void snapshot() {
        before = HostSnapshot.take();
    }

    @AfterEach
    void nothingLeftBehind() {
        Leaks.assertNoneSince(before);
    }

    @Test
    void clocksInsideANewTimeNamespaceDifferByTheOffsetsWritten() throws Exception {
        Kernel.require(Files.isExecutable(Path.of("/usr/bin/perl")), "needs /usr/bin/perl (Debian's perl-base)");
        Kernel.require(Files.exists(Path.of("/proc/self/ns/time")), "needs time namespaces (Linux 5.6)");
        String[] version = System.getProperty("os.version").split("[.-]");
        Kernel.require(Integer.parseInt(version[0]) * 1000 + Integer.parseInt(version[1]) >= 6002,
                "needs Linux 6.2, where execve enters the time namespace for children; this is " + System.getProperty("os.version"));
        boolean x86 = System.getProperty("os.arch").equals("amd64");
        int unshare = x86 ? 272 : 97;
        int clockGettime = x86 ? 228 : 113;
        // stage 1: unshare(CLONE_NEWTIME), say ready, wait; stage 2 (after exec, inside): print
        // CLOCK_MONOTONIC and the boot-time uptime, then wait until stdin closes
        String inside = "my $t = \"\\0\" x 16; syscall(" + clockGettime + ", 1, $t) == 0 or die \"clock_gettime: $!\";"
                + " my ($s, $ns) = unpack(\"q q\", $t); open(my $u, \"<\", \"/proc/uptime\") or die; my $up = <$u>;"
                + " $up =~ s/ .*//s; $| = 1; print \"$s.\" . sprintf(\"%09d\", $ns) . \" $up\\n\"; <STDIN>;";
        String outside = "syscall(" + unshare + ", 0x80) == 0 or die \"unshare: $!\"; $| = 1; print \"ready\\n\";"
                + " <STDIN>; exec(\"/usr/bin/perl\", \"-e\", $ARGV[0]) or die \"exec: $!\";";
        TimeOffsets offsets = new TimeOffsets(Duration.ofDays(3), Duration.ofHours(5).plusMillis(250));
        Process p = new ProcessBuilder("/usr/bin/perl", "-e", outside, inside).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream in = p.getOutputStream()) {
            assertThat(out.readLine()).isEqualTo("ready");
            offsets.writeTo(p.pid());
            assertThat(Files.readString(Path.of("/proc", Long.toString(p.pid()), "timens_offsets")))
                    .containsPattern("monotonic\\s+259200\\s+0\n")
                    .containsPattern("boottime\\s+18000\\s+250000000\n");
            in.write('\n');
            in.flush();
            String[] clocks = out.readLine().split(" ");
            double hostMonotonic = System.nanoTime() / 1e9;
            double hostUptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
            assertThat(Double.parseDouble(clocks[0]) - hostMonotonic).isCloseTo(259200.0, within(5.0));
            assertThat(Double.parseDouble(clocks[1]) - hostUptime).isCloseTo(18000.25, within(5.0));
            // the namespace has been entered: its offsets are frozen now
            assertThat(NamespaceSet.of(p.pid()).differentFrom(NamespaceSet.self())).containsExactly(NamespaceType.TIME);
            assertThatThrownBy(() -> offsets.writeTo(p.pid()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("/proc/" + p.pid() + "/timens_offsets")
                    .hasMessageContaining("EACCES");
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            p.getErrorStream().close();
        }
    }
}
