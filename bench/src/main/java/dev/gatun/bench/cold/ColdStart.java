package dev.gatun.bench.cold;

import dev.gatun.core.Container;
import dev.gatun.core.ContainerBuilder;
import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.Root;
import dev.gatun.oci.Spec;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Java side of the cold-path benchmark ({@code bench/cold-start.sh}): what one fresh
 * {@code java} process does, so that the script can time the whole process from outside.
 *
 * <ul>
 *   <li>{@code bare}: returns at once (a bare {@code java} process on the same class path);</li>
 *   <li>{@code containers N}: runs N default containers ({@code Container.builder().command("/bin/true")})
 *       one after the other, each to its exit, and prints its laps: {@code main <epoch ms>} when
 *       {@code main()} starts, {@code lap <i> <ns>} for each container (the first from {@code main()}
 *       starting, the others from their own {@code builder()} call), {@code end <epoch ms>} when
 *       {@code main()} returns;</li>
 *   <li>{@code frombundle N DIR}: as {@code containers N}, each container made by
 *       {@code Container.fromBundle(DIR, id)} from the bundle {@code bundle DIR} wrote (the same
 *       container, its config.json parsed each time);</li>
 *   <li>{@code bundle DIR}: writes an OCI bundle for {@code crun run} that describes the same
 *       container: the builder's own spec ({@link ContainerBuilder#toSpec()}: namespaces, seccomp,
 *       capabilities, masked paths, the default limits, the host paths bound read-only), with its
 *       root moved to {@code DIR/rootfs}, which holds the mount points and the host's top-level
 *       symlinks the sandbox root would hold.</li>
 * </ul>
 *
 * <p>Only {@code System.nanoTime} and {@code System.currentTimeMillis} are used for the laps, so
 * the harness itself loads no class a container would not.
 */
public final class ColdStart {

    private ColdStart() {}

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        long startMs = System.currentTimeMillis();
        switch (args.length == 0 ? "" : args[0]) {
            case "bare" -> { }
            case "containers" -> containers(Integer.parseInt(args[1]), null, start, startMs);
            case "frombundle" -> containers(Integer.parseInt(args[1]), Path.of(args[2]), start, startMs);
            case "bundle" -> bundle(Path.of(args[1]));
            default -> throw new IllegalArgumentException("usage: ColdStart bare | containers N | frombundle N DIR | bundle DIR");
        }
    }

    /** {@code bundle}: null for the builder's default container, else the bundle to run with {@code fromBundle}. */
    private static void containers(int n, Path bundle, long start, long startMs) throws Exception {
        long[] laps = new long[n];
        long t = start;
        for (int i = 0; i < n; i++) {
            Container c = bundle == null ? Container.builder().command("/bin/true").build()
                    : Container.fromBundle(bundle, "gatun-cold-" + ProcessHandle.current().pid() + "-" + i);
            int code = c.run().waitFor();
            long now = System.nanoTime();
            if (code != 0) {
                throw new IllegalStateException("container " + (i + 1) + " exited with " + code);
            }
            laps[i] = now - t;
            t = System.nanoTime();
        }
        StringBuilder out = new StringBuilder();
        out.append("main ").append(startMs).append('\n');
        for (int i = 0; i < n; i++) {
            out.append("lap ").append(i + 1).append(' ').append(laps[i]).append('\n');
        }
        out.append("end ").append(System.currentTimeMillis()).append('\n');
        System.out.print(out);
        System.out.flush();
    }

    private static void bundle(Path dir) throws Exception {
        bundle(dir, "/bin/true");
    }

    /**
     * Writes the bundle of {@code Container.builder().command(command)}'s container for
     * {@code crun run} into {@code dir} (see the class doc).
     */
    public static void bundle(Path dir, String... command) throws Exception {
        bundle(dir, Container.builder().command(command).id("gatun-cold").toSpec());
    }

    /**
     * Writes {@code spec} (a builder's, {@link ContainerBuilder#toSpec()}) as a bundle for
     * {@code crun run} into {@code dir}: its root moved to {@code DIR/rootfs}, which holds the
     * mount points and the host's top-level symlinks the sandbox root would hold.
     */
    public static void bundle(Path dir, Spec spec) throws Exception {
        Path rootfs = dir.resolve("rootfs");
        Files.createDirectories(rootfs);
        for (String p : ContainerBuilder.DEFAULT_HOST_PATHS) {
            Path host = Path.of(p);
            Path inside = rootfs.resolve(p.substring(1));
            if (Files.isSymbolicLink(host)) {
                Files.createDirectories(inside.getParent());
                Files.deleteIfExists(inside);
                Files.createSymbolicLink(inside, Files.readSymbolicLink(host));
            }
        }
        for (var m : spec.mounts()) {
            Path inside = rootfs.resolve(m.destination().substring(1));
            if (!Files.isSymbolicLink(inside)) {
                if (Files.isRegularFile(Path.of(m.destination()))) {
                    Files.createDirectories(inside.getParent());
                    if (!Files.exists(inside)) {
                        Files.createFile(inside);
                    }
                } else {
                    Files.createDirectories(inside);
                }
            }
        }
        // crun 1.8 refuses an ociVersion it does not know ("unknown version specified"): 1.0.2 is what
        // `crun spec` writes; nothing in this spec is newer.
        Spec moved = spec.toBuilder().ociVersion("1.0.2").root(new Root("rootfs", spec.root().readonly())).build();
        OciSpecs.writeConfig(moved, dir.resolve("config.json"));
    }
}
