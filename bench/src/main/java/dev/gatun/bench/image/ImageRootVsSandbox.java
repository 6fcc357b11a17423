package dev.gatun.bench.image;

import static dev.gatun.bench.Samples.pct;
import static dev.gatun.bench.Samples.row;

import dev.gatun.core.Container;
import dev.gatun.core.ContainerBuilder;
import dev.gatun.images.Image;
import dev.gatun.images.ImageSource;
import dev.gatun.images.ImageStore;
import dev.gatun.images.Platform;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.OciLayoutBuilder;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 17's image-root benchmark ({@code bench/image-root.sh}): the second and later containers
 * from an image already in the store start with no copy, "≤ 2 ms more than the sandbox root".
 * In one warm JVM, interleaved (each round runs both, in an order that alternates): a default
 * container of {@code /bin/true} on the sandbox root, and the same container from a busybox
 * image built offline ({@link OciLayoutBuilder}) and unpacked into a store of its own during the
 * warm-up. Wall time of build, run, exit and close (the root made and removed) per container.
 * As root the image root is an overlay in the JVM's mount namespace; rootless, an overlay the
 * container's init mounts (Linux 5.11+). Writes {@code <out>.csv} (every sample) and
 * {@code <out>.md}.
 *
 * <pre>ImageRootVsSandbox ROUNDS WARMUP OUT</pre>
 */
public final class ImageRootVsSandbox {

    private static final double TARGET_MS = 2.0;

    private final Image image;
    private final ImageStore store;
    private int next;

    private ImageRootVsSandbox(Image image, ImageStore store) {
        this.image = image;
        this.store = store;
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        int warmup = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        Path work = Files.createTempDirectory("gatun-image-root-bench");
        try {
            Path layout = OciLayoutBuilder.create().layer(BusyboxRootfs.create(work.resolve("base"))).refName("latest")
                    .write(work.resolve("layout"));
            ImageRootVsSandbox bench = new ImageRootVsSandbox(
                    ImageSource.ociLayout(layout, null, Platform.current()), ImageStore.open(work.resolve("store")));
            bench.run(rounds, warmup, out);
        } finally {
            try (var s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void run(int rounds, int warmup, Path out) throws Exception {
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
        for (int i = 0; i < warmup; i++) { // the first image container unpacks the image into the store
            image();
            sandbox();
        }
        long[] sandbox = new long[rounds];
        long[] image = new long[rounds];
        long[] diff = new long[rounds];
        StringBuilder csv = new StringBuilder("round,case,wall_ns\n");
        for (int i = 0; i < rounds; i++) {
            if (i % 2 == 0) {
                sandbox[i] = sandbox();
                image[i] = image();
            } else {
                image[i] = image();
                sandbox[i] = sandbox();
            }
            diff[i] = image[i] - sandbox[i];
            csv.append(i).append(",sandbox,").append(sandbox[i]).append('\n');
            csv.append(i).append(",image,").append(image[i]).append('\n');
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).strip();
        Files.writeString(Path.of(out + ".csv"), csv);
        boolean root = ProcessHandle.current().info().user().map("root"::equals).orElse(false);
        List<String> md = new ArrayList<>();
        md.add("# A container of `/bin/true` from an image already in the store vs on the sandbox root, same warm JVM"
                + (root ? " (root)" : " (rootless)"));
        md.add("");
        md.add(Runtime.version() + "; kernel " + Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip() + "; "
                + Runtime.getRuntime().availableProcessors() + " CPUs, shared with other builds: load before "
                + loadBefore + ", after " + loadAfter + "; " + Instant.now() + "; user "
                + ProcessHandle.current().info().user().orElse("?") + ". " + warmup + " warm-up rounds (the first "
                + "unpacks the image), then " + rounds + " interleaved rounds (the order alternating). Each sample: "
                + "build, run, wait for exit, close (root made and removed). Image root: "
                + (root ? "an overlay mounted in the JVM's mount namespace" : "an overlay the container's init mounts "
                + "in its own user and mount namespaces (a copy on kernels before 5.11)")
                + ". Raw samples: `" + out.getFileName() + ".csv`. Produced by `bench/image-root.sh`.");
        md.add("");
        md.add("| | p50 | p90 | p99 |");
        md.add("|---|---:|---:|---:|");
        md.add(row("sandbox root (ms)", sandbox, 1e6));
        md.add(row("image root (ms)", image, 1e6));
        md.add(String.format("| image − sandbox, of the percentiles (ms) | %+.2f | %+.2f | %+.2f |",
                (pct(image, 50) - pct(sandbox, 50)) / 1e6, (pct(image, 90) - pct(sandbox, 90)) / 1e6,
                (pct(image, 99) - pct(sandbox, 99)) / 1e6));
        md.add(row("image − sandbox in the same round (ms)", diff, 1e6));
        md.add("");
        double p50 = (pct(image, 50) - pct(sandbox, 50)) / 1e6;
        md.add(String.format("Target (issue 17): the image root costs ≤ %.0f ms more than the sandbox root. At p50: "
                + "%+.2f ms, %s.", TARGET_MS, p50, p50 <= TARGET_MS ? "met" : "not met"));
        Files.write(Path.of(out + ".md"), md);
        md.forEach(System.out::println);
    }

    private long sandbox() throws IOException, InterruptedException {
        return time(Container.builder());
    }

    private long image() throws IOException, InterruptedException {
        return time(Container.builder().image(image, store));
    }

    private long time(ContainerBuilder builder) throws IOException, InterruptedException {
        long t = System.nanoTime();
        try (Container c = builder.id("bench-" + ProcessHandle.current().pid() + "-" + next++).command("/bin/true")
                .redirectInput(Redirect.PIPE).redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD).build()) {
            int code = c.run().waitFor();
            if (code != 0) {
                throw new IllegalStateException("container " + c.id() + " (/bin/true) exited " + code);
            }
        }
        return System.nanoTime() - t;
    }
}
