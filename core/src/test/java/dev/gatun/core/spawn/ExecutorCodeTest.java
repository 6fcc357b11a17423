package dev.gatun.core.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.linux.Arch;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded executor bytes are exactly what the committed assembly source assembles to.
 * Needs binutils for each architecture (.ci/run installs binutils and
 * binutils-aarch64-linux-gnu), so it runs in the kernel lane, where a missing assembler fails.
 */
@KernelTest(root = false)
class ExecutorCodeTest {

    private static final Path ASM = Path.of("src/main/asm");

    @TempDir
    Path dir;

    @Test
    void x86_64BytesMatchTheAssembledSource() throws Exception {
        assertThat(assemble("as", List.of("--64"), "objcopy", "executor_x86_64.S"))
                .isEqualTo(HexFormat.of().formatHex(ExecutorCode.of(Arch.X86_64)));
    }

    @Test
    void aarch64BytesMatchTheAssembledSource() throws Exception {
        assertThat(assemble("aarch64-linux-gnu-as", List.of(), "aarch64-linux-gnu-objcopy", "executor_aarch64.S"))
                .isEqualTo(HexFormat.of().formatHex(ExecutorCode.of(Arch.AARCH64)));
    }

    private String assemble(String as, List<String> asFlags, String objcopy, String source)
            throws IOException, InterruptedException {
        Kernel.require(onPath(as) && onPath(objcopy), as + " and " + objcopy + " (binutils) are not installed");
        Path object = dir.resolve(source + ".o");
        Path bin = dir.resolve(source + ".bin");
        List<String> assemble = new java.util.ArrayList<>(List.of(as));
        assemble.addAll(asFlags);
        assemble.addAll(List.of("-o", object.toString(), ASM.resolve(source).toString()));
        run(assemble);
        run(List.of(objcopy, "-O", "binary", "-j", ".text", object.toString(), bin.toString()));
        return HexFormat.of().formatHex(Files.readAllBytes(bin));
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
