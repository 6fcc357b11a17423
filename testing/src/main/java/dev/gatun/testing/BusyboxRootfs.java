package dev.gatun.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * A tiny root filesystem for test containers: Debian's static busybox ({@code busybox-static},
 * installed by {@code .ci/run}) with a link per applet, the usual top-level directories, and an
 * {@code /etc/passwd} and {@code /etc/group} that know root and nobody.
 *
 * <p>busybox is the probe inside test containers: {@code cat}, {@code id}, {@code hostname},
 * {@code ls -l /proc/self/fd}, a fork loop, a memory hog ({@code head -c 200m /dev/zero | tail})
 * all come from the one binary.
 */
public final class BusyboxRootfs {

    /** Where Debian's busybox-static puts the binary. */
    public static final List<Path> CANDIDATES = List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"));

    private BusyboxRootfs() {}

    /** The host's static busybox, or empty when busybox-static is not installed. */
    public static Optional<Path> binary() {
        return CANDIDATES.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * Lays out a busybox root filesystem in {@code dir} (which may exist, and should be empty) and
     * returns it. Requires busybox: a kernel test calls this after
     * {@code Kernel.require(BusyboxRootfs.binary().isPresent(), ...)}, or lets the exception
     * (which names the missing package) fail it.
     */
    public static Path create(Path dir) {
        Path busybox = binary().orElseThrow(() -> new IllegalStateException(
                "no static busybox at " + CANDIDATES + ": apt-get install busybox-static"));
        try {
            for (String d : List.of("bin", "dev", "etc", "proc", "sys", "tmp", "root", "var", "run", "usr/bin", "sbin")) {
                Files.createDirectories(dir.resolve(d));
            }
            Files.copy(busybox, dir.resolve("bin/busybox"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.COPY_ATTRIBUTES);
            for (String applet : applets(busybox)) {
                Path link = dir.resolve("bin").resolve(applet);
                if (!applet.equals("busybox") && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, Path.of("busybox"));
                }
            }
            Files.writeString(dir.resolve("etc/passwd"),
                    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
            Files.writeString(dir.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
            Files.writeString(dir.resolve("etc/hostname"), "busybox\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> applets(Path busybox) throws IOException {
        Process p = new ProcessBuilder(busybox.toString(), "--list").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (p.waitFor() != 0) {
                throw new IOException(busybox + " --list exited with " + p.exitValue() + ": " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while listing busybox applets", e);
        }
        return out.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
