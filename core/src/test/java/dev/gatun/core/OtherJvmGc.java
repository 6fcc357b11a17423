package dev.gatun.core;

import dev.gatun.images.ImageStore;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link ImageStore#gc()} of the store at {@code args[0]} in a JVM of its own (a locking
 * process other than the test's), printing {@code trees=<n> blobs=<n>}.
 */
public final class OtherJvmGc {

    private OtherJvmGc() {}

    public static void main(String[] args) throws Exception {
        ImageStore.Collected c = ImageStore.open(Path.of(args[0])).gc();
        System.out.println("trees=" + c.trees() + " blobs=" + c.blobs());
    }

    /** Runs it on {@code store} on this JVM's class and module path; its output, once it exited 0. */
    static String run(Path store) throws Exception {
        List<String> classPath = new ArrayList<>();
        for (String p : List.of(System.getProperty("jdk.module.path", ""), System.getProperty("java.class.path", ""))) {
            for (String e : p.split(File.pathSeparator)) {
                if (!e.isBlank()) {
                    classPath.add(e);
                }
            }
        }
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", String.join(File.pathSeparator, classPath),
                OtherJvmGc.class.getName(), store.toString()).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("gc in another JVM failed: " + out);
            }
            return out;
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }
}
