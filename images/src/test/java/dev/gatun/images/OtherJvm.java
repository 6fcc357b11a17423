package dev.gatun.images;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A second JVM on the store, for what one JVM cannot show about fcntl locks (they are per
 * process): {@code hold <store> <image id>} holds the image, prints {@code held} and sleeps until
 * killed; {@code gc <store>} runs gc and prints {@code trees=<n> blobs=<n>}.
 */
public final class OtherJvm {

    private OtherJvm() {}

    public static void main(String[] args) throws Exception {
        ImageStore store = ImageStore.open(Path.of(args[1]));
        switch (args[0]) {
            case "hold" -> {
                ImageStore.Hold h = store.hold(Digest.parse("image id", args[2]));
                System.out.println("held " + h.tree());
                System.out.flush();
                Thread.sleep(600_000);
            }
            case "gc" -> {
                ImageStore.Collected c = store.gc();
                System.out.println("trees=" + c.trees() + " blobs=" + c.blobs());
            }
            default -> throw new IllegalArgumentException("verb " + args[0]);
        }
    }

    /** Starts it with {@code args} on this JVM's class and module path, stderr into stdout. */
    public static Process start(String... args) throws IOException {
        List<String> classPath = new ArrayList<>();
        for (String p : List.of(System.getProperty("jdk.module.path", ""), System.getProperty("java.class.path", ""))) {
            for (String e : p.split(File.pathSeparator)) {
                if (!e.isBlank()) {
                    classPath.add(e);
                }
            }
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", String.join(File.pathSeparator, classPath),
                OtherJvm.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }
}
