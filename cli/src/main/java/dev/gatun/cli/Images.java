package dev.gatun.cli;

import dev.gatun.images.Image;
import dev.gatun.images.ImageSource;
import dev.gatun.images.ImageStore;
import dev.gatun.images.Platform;
import dev.gatun.images.PullOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The image commands, named as podman names them: {@code pull}, {@code images}, {@code rmi}. They work
 * on an {@link ImageStore} ({@code --store}, else the default: {@code /var/lib/gatun} as root,
 * {@code $XDG_DATA_HOME/gatun} or {@code ~/.local/share/gatun} otherwise). Not part of runc's
 * contract: no container engine calls them.
 */
final class Images {

    private Images() {}

    static ImageStore open(Path store) throws IOException {
        return ImageStore.open(store != null ? store : ImageStore.defaultLocation());
    }

    @Command(name = "pull", description = "pull an image from a registry into the store and unpack it; prints its id")
    static final class Pull implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "<reference>", description = "host[:port]/name[:tag|@digest]")
        String reference;

        @Option(names = "--store", description = "the image store (default: /var/lib/gatun as root, else "
                + "$XDG_DATA_HOME/gatun or ~/.local/share/gatun)")
        Path store;

        @Option(names = "--platform", description = "os/arch[/variant] (default: this machine's)")
        String platform;

        @Option(names = "--authfile", description = "the credentials file to read (default: $REGISTRY_AUTH_FILE, "
                + "$XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json, ~/.docker/config.json)")
        Path authFile;

        @Option(names = "--quiet", description = "print only the image id")
        boolean quiet;

        @Override
        public Integer call() throws IOException {
            // the JDK HttpClient reads a response in 16 KiB buffers unless told otherwise (read once, when
            // its first class loads): 256 KiB took a third off the download of bench/image-pull.sh's layers
            if (System.getProperty("jdk.httpclient.bufsize") == null) {
                System.setProperty("jdk.httpclient.bufsize", Integer.toString(256 << 10));
            }
            Platform p = platform != null ? Platform.parse(platform) : Platform.current();
            ImageStore s = open(store);
            PrintStream err = System.err;
            boolean terminal = System.console() != null && System.console().isTerminal();
            PullProgress progress = new PullProgress(quiet ? new PrintStream(java.io.OutputStream.nullOutputStream()) : err, terminal);
            // unpacked while the layers download, each as soon as it is stored
            PullOptions options = PullOptions.defaults().withListener(progress).withUnpack(true);
            if (authFile != null) {
                options = options.withAuthFiles(List.of(authFile));
            }
            Image image = ImageSource.registry(reference, p, s, options);
            progress.finish();
            if (!quiet) {
                err.println("unpacked " + image.layers().size() + " layers");
            }
            System.out.println(image.id());
            return 0;
        }
    }

    @Command(name = "images", description = "list the images in the store")
    static final class ListImages implements Callable<Integer> {
        @Option(names = "--store", description = "the image store (default: as for pull)")
        Path store;

        @Option(names = {"--quiet", "-q"}, description = "only the ids")
        boolean quiet;

        @Override
        public Integer call() throws IOException {
            List<ImageStore.StoredImage> all = open(store).images();
            if (quiet) {
                all.forEach(i -> System.out.println(i.id()));
                return 0;
            }
            System.out.printf("%-19s %-8s %s%n", "ID", "UNPACKED", "NAMES");
            for (ImageStore.StoredImage i : all) {
                System.out.printf("%-19s %-8s %s%n", i.id().hex().substring(0, 12), i.chainId() != null ? "yes" : "no",
                        String.join(", ", i.names()));
            }
            return 0;
        }
    }

    @Command(name = "rmi", description = "remove images from the store (by name, id or id prefix), then what no image uses")
    static final class Rmi implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "<image>")
        List<String> images;

        @Option(names = "--store", description = "the image store (default: as for pull)")
        Path store;

        @Override
        public Integer call() throws IOException {
            ImageStore s = open(store);
            for (String image : images) {
                List<String> removed = s.remove(image);
                if (removed.isEmpty()) {
                    throw new CliException("image \"" + image + "\" is not in the store " + s.root());
                }
                removed.forEach(r -> System.out.println("removed " + r));
            }
            ImageStore.Collected c = s.gc();
            System.out.println("freed " + PullProgress.size(c.bytes()) + " (" + c.blobs() + " blobs, " + c.trees() + " trees)");
            return 0;
        }
    }
}
