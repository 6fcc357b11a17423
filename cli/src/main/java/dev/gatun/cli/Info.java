package dev.gatun.cli;

import dev.gatun.core.Gatun;
import dev.gatun.oci.Features;
import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.Spec;
import dev.gatun.oci.SpecVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The commands that only read or describe: state, list, spec, features, version, check. */
final class Info {

    private Info() {}

    @Command(name = "state", description = "print the container's OCI state as JSON")
    static final class StateCommand implements Callable<Integer> {
        @ParentCommand
        Main main;

        @Parameters(index = "0", paramLabel = "<container-id>")
        String id;

        @Override
        public Integer call() throws IOException {
            StateStore store = main.store();
            ContainerRecord r = store.get(id);
            System.out.println(r.stateJson(r.status(store.directory(id))));
            return 0;
        }
    }

    @Command(name = "list", aliases = "ls", description = "list the containers under --root")
    static final class ListCommand implements Callable<Integer> {
        @ParentCommand
        Main main;

        @Option(names = {"--format", "-f"}, defaultValue = "table", description = "table or json")
        String format;

        @Option(names = {"--quiet", "-q"}, description = "only the ids")
        boolean quiet;

        @Override
        public Integer call() throws IOException {
            if (!format.equals("table") && !format.equals("json")) {
                throw new CliException("invalid format option: " + format + " (table or json)");
            }
            StateStore store = main.store();
            List<Map<String, Object>> states = new ArrayList<>();
            for (String id : store.ids()) {
                store.find(id).ifPresent(r -> {
                    try {
                        states.add(r.stateMap(r.status(store.directory(id))));
                    } catch (IOException e) {
                        throw new CliException("container " + id + ": " + e.getMessage(), e);
                    }
                });
            }
            if (quiet) {
                states.forEach(s -> System.out.println(s.get("id")));
            } else if (format.equals("json")) {
                // one line, and "null" for none, as runc's encoding of its (nil) slice
                System.out.println(states.isEmpty() ? "null" : OciSpecs.mapper().writer()
                        .without(tools.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(states));
            } else {
                table(states);
            }
            return 0;
        }

        private static void table(List<Map<String, Object>> states) {
            String[] columns = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
            String[] keys = {"id", "pid", "status", "bundle", "created", "owner"};
            int[] width = new int[columns.length];
            for (int i = 0; i < columns.length; i++) {
                width[i] = columns[i].length();
                for (Map<String, Object> s : states) {
                    width[i] = Math.max(width[i], String.valueOf(s.get(keys[i])).length());
                }
            }
            StringBuilder out = new StringBuilder();
            row(out, width, columns);
            for (Map<String, Object> s : states) {
                String[] cells = new String[keys.length];
                for (int i = 0; i < keys.length; i++) {
                    cells[i] = String.valueOf(s.get(keys[i]));
                }
                row(out, width, cells);
            }
            System.out.print(out);
        }

        private static void row(StringBuilder out, int[] width, String[] cells) {
            for (int i = 0; i < cells.length; i++) {
                out.append(i + 1 < cells.length ? String.format("%-" + (width[i] + 3) + "s", cells[i]) : cells[i]);
            }
            out.append('\n');
        }
    }

    @Command(name = "ps", description = "list the processes in the container's cgroup")
    static final class PsCommand implements Callable<Integer> {
        @ParentCommand
        Main main;

        @Option(names = {"--format", "-f"}, defaultValue = "table", description = "table or json (the pids)")
        String format;

        @Parameters(index = "0", paramLabel = "<container-id>")
        String id;

        @Override
        public Integer call() throws IOException {
            if (!format.equals("table") && !format.equals("json")) {
                throw new CliException("invalid format option: " + format + " (table or json)");
            }
            StateStore store = main.store();
            ContainerRecord r = store.get(id);
            if (r.status(store.directory(id)).equals("stopped")) {
                throw new CliException("container not running");
            }
            java.util.Set<Long> pids = Lifecycle.cgroupPids(r);
            if (format.equals("json")) {
                System.out.println(OciSpecs.mapper().writer()
                        .without(tools.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(pids));
                return 0;
            }
            StringBuilder out = new StringBuilder("PID     COMMAND\n");
            for (long pid : pids) {
                String comm;
                try {
                    comm = Files.readString(Path.of("/proc", Long.toString(pid), "comm")).trim();
                } catch (IOException e) {
                    continue; // exited meanwhile
                }
                out.append(String.format("%-7d %s%n", pid, comm));
            }
            System.out.print(out);
            return 0;
        }
    }

    @Command(name = "spec", description = "write a starting config.json into the bundle")
    static final class SpecCommand implements Callable<Integer> {
        @Option(names = {"--bundle", "-b"}, description = "the bundle directory (default: the current directory)")
        Path bundle = Path.of("");

        @Option(names = "--rootless", description = "a spec for a rootless container (a user namespace mapping the caller)")
        boolean rootless;

        @Override
        public Integer call() throws IOException {
            Path config = bundle.toAbsolutePath().resolve("config.json");
            if (Files.exists(config)) {
                throw new CliException("File " + config + " exists. Remove it first");
            }
            Spec spec = rootless ? OciSpecs.exampleRootless(id("Uid"), id("Gid")) : OciSpecs.example();
            OciSpecs.writeConfig(spec, config);
            return 0;
        }

        /** The caller's real uid or gid, from /proc/self/status. */
        private static long id(String which) throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(which + ":")) {
                    return Long.parseLong(line.substring(which.length() + 1).trim().split("\\s+")[0]);
                }
            }
            throw new IOException("/proc/self/status has no " + which + " line");
        }
    }

    @Command(name = "features", description = "print what this runtime supports, as OCI features JSON")
    static final class FeaturesCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            Features f = new Features("1.0.0", SpecVersion.CURRENT, List.of("prestart", "createRuntime", "createContainer",
                    "startContainer", "poststart", "poststop"), null, null, null, null);
            System.out.println(OciSpecs.writeFeatures(f));
            return 0;
        }
    }

    @Command(name = "version", description = "print the version (as --version)")
    static final class VersionCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            for (String line : new Main.Version().getVersion()) {
                System.out.println(line);
            }
            return 0;
        }
    }

    @Command(name = "check", description = "say whether gatun can run containers on this host, and if not why")
    static final class CheckCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println(Gatun.isSupported()
                    ? "gatun can run containers here (kernel " + Gatun.kernelRelease() + ")"
                    : "gatun cannot run containers here: " + Gatun.unsupportedCause().orElseThrow());
            return Gatun.isSupported() ? 0 : 1;
        }
    }
}
