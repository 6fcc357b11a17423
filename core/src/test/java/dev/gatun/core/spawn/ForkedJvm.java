package dev.gatun.core.spawn;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a test probe's main class in a fresh JVM (on the class path, native access granted to the
 * unnamed module), for what a test cannot observe from inside its own JVM: a thread dump the JVM
 * prints, or a different garbage collector.
 */
final class ForkedJvm {

    private ForkedJvm() {}

    /** The probe's exit code and its stdout and stderr, merged. */
    record Result(int exitCode, String output) {}

    static Result run(Class<?> main, List<String> jvmOptions, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        List<String> classPath = new ArrayList<>();
        for (String p : List.of(System.getProperty("jdk.module.path", ""), System.getProperty("java.class.path", ""))) {
            for (String e : p.split(File.pathSeparator)) {
                if (!e.isBlank()) {
                    classPath.add(e);
                }
            }
        }
        try {
            classPath.addFirst(Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(String.join(File.pathSeparator, classPath));
        command.add(main.getName());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                out.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append("(reading the probe's output failed: ").append(e).append(')');
            }
        });
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            reader.join();
            throw new AssertionError("probe " + main.getSimpleName() + " still ran after " + timeoutSeconds + " s:\n" + out);
        }
        reader.join();
        return new Result(process.exitValue(), out.toString());
    }
}
