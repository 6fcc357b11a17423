package dev.gatun.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * The build's training run for the JDK's AOT cache (JEP 514/515, {@code -XX:AOTCacheOutput}):
 * gatun's common paths in one JVM — flag parsing of every command, the state store, state JSON,
 * the error path and its log, spec and features — against a throwaway root, output discarded. No
 * container is made (the build need not run as root). Hidden: not a command for people.
 */
@Command(name = "__train-aot-cache", hidden = true)
final class Training implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("gatun-train");
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream none = new PrintStream(OutputStream.nullOutputStream());
        try {
            System.setOut(none);
            System.setErr(none);
            String root = dir.resolve("root").toString();
            String log = dir.resolve("log.json").toString();
            Path bundle = Files.createDirectory(dir.resolve("bundle"));
            for (List<String> args : List.of(List.of("--version"), List.of("features"),
                    List.of("spec", "--bundle", bundle.toString()),
                    List.of("--root", root, "--log", log, "--log-format", "json", "state", "nosuch"),
                    List.of("--root", root, "list", "--format", "json"), List.of("--root", root, "list"),
                    List.of("--root", root, "kill", "nosuch", "KILL"), List.of("--root", root, "start", "nosuch"),
                    List.of("--root", root, "delete", "--force", "nosuch"),
                    List.of("--root", root, "create", "--bundle", dir.resolve("none").toString(), "--pid-file",
                            dir.resolve("pid").toString(), "nosuch"))) {
                Main.run(args.toArray(String[]::new));
            }
            // the record and state JSON of a (made-up) container
            ContainerRecord r = ContainerRecord.read(new ContainerRecord("x", 1, 1, "/b", "/b/rootfs",
                    "2026-01-01T00:00:00Z", "", java.util.Map.of("a", "b"), java.util.Map.of("", "/sys/fs/cgroup/x")).toJson());
            none.print(r.stateJson("running"));
        } finally {
            System.setOut(out);
            System.setErr(err);
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return 0;
    }
}
