package dev.gatun.core.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.linux.Arch;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded init-waiter bytes are exactly what the committed assembly sources assemble to, and
 * the ELF around them is one the kernel runs: the host's waiter, exec'd with a directory fd,
 * blocks on the FIFO, execs the command once the FIFO is read, and reports a failed exec's errno.
 * Needs binutils for each architecture (as {@link ExecutorCodeTest}).
 */
@KernelTest(root = false)
class InitWaiterCodeTest {

    private static final Path ASM = Path.of("src/main/asm");

    @TempDir
    Path dir;

    @Test
    void x86_64BytesMatchTheAssembledSource() throws Exception {
        assertThat(assemble("as", List.of("--64"), "objcopy", "waiter_x86_64.S"))
                .isEqualTo(HexFormat.of().formatHex(InitWaiter.code(Arch.X86_64)));
    }

    @Test
    void aarch64BytesMatchTheAssembledSource() throws Exception {
        assertThat(assemble("aarch64-linux-gnu-as", List.of(), "aarch64-linux-gnu-objcopy", "waiter_aarch64.S"))
                .isEqualTo(HexFormat.of().formatHex(InitWaiter.code(Arch.AARCH64)));
    }

    @Test
    void theFdWordIsPatchedBeforeTheFifoName() {
        byte[] elf = InitWaiter.elf(Arch.X86_64, 0x1234);
        int at = elf.length - "exec.fifo".length() - 1 - 4;
        assertThat(ByteBuffer.wrap(elf, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(0x1234);
        assertThat(new String(elf, at + 4, 9)).isEqualTo("exec.fifo");
        assertThat(elf).startsWith(0x7f, 'E', 'L', 'F');
    }

    /**
     * The waiter as a file (fd 3 of a shell: the directory; argv[0]: the command's path, as the
     * planner passes it) waits for the FIFO's reader, then runs
     * the command; a command that is not there comes back as ENOENT on the FIFO and exit 127.
     */
    @Test
    void theWaiterExecsTheCommandOnceTheFifoIsRead() throws Exception {
        Kernel.require(Arch.current() == Arch.X86_64 || Arch.current() == Arch.AARCH64, "no waiter for this machine");
        Path waiter = dir.resolve("waiter");
        Files.write(waiter, InitWaiter.elf(Arch.current(), 3));
        waiter.toFile().setExecutable(true);
        Path fifo = dir.resolve("exec.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();

        Process ok = new ProcessBuilder("bash", "-c", "exec 3<\"$1\"; exec -a /bin/echo \"$2\" echo started", "bash",
                dir.toString(), waiter.toString()).start();
        Thread.sleep(200);
        assertThat(ok.isAlive()).as("waits for the FIFO's reader").isTrue();
        assertThat(Files.readAllBytes(fifo)).as("nothing on the FIFO after a successful exec").isEmpty();
        assertThat(ok.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(ok.getInputStream().readAllBytes())).isEqualTo("started\n");
        assertThat(ok.exitValue()).isZero();

        Process missing = new ProcessBuilder("bash", "-c", "exec 3<\"$1\"; exec -a /no/such/program \"$2\" x", "bash",
                dir.toString(), waiter.toString()).start();
        byte[] report = Files.readAllBytes(fifo);
        assertThat(missing.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(missing.exitValue()).isEqualTo(127);
        assertThat(ByteBuffer.wrap(report).order(ByteOrder.nativeOrder()).getInt()).isEqualTo(2); // ENOENT
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
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
