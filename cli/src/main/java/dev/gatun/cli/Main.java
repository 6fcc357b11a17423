package dev.gatun.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gatun}: an OCI runtime with runc's command-line contract, so that podman (through conmon),
 * containerd and CRI-O can run containers with it. The global flags are runc's; every command
 * reports a failure as one message on stderr (and in {@code --log}) and exits 1.
 */
@Command(name = "gatun", versionProvider = Main.Version.class, mixinStandardHelpOptions = true,
        description = "An OCI runtime for Linux containers, written in Java.",
        subcommands = {Lifecycle.Create.class, Lifecycle.Start.class, Lifecycle.Run.class, Lifecycle.Kill.class,
            Lifecycle.Delete.class, Exec.class, Events.class, Lifecycle.Pause.class, Lifecycle.Resume.class,
            Lifecycle.Update.class, Info.StateCommand.class, Info.ListCommand.class, Info.PsCommand.class,
            Info.SpecCommand.class, Info.FeaturesCommand.class, Info.VersionCommand.class, Info.CheckCommand.class,
            Images.Pull.class, Images.ListImages.class, Images.Rmi.class, Training.class})
public final class Main implements Callable<Integer> {

    /** The project's version, as Maven filters it into the jar's manifest. */
    static final String VERSION = java.util.Objects.requireNonNullElse(Main.class.getPackage().getImplementationVersion(),
            "0.1.0-SNAPSHOT");

    @Option(names = "--root", description = "root directory for the state of containers (default: /run/gatun, or "
            + "$XDG_RUNTIME_DIR/gatun rootless)")
    Path root;

    @Option(names = "--log", description = "where to log (default: stderr)")
    Path log;

    @Option(names = "--log-format", defaultValue = "text", description = "the log's format: text or json")
    String logFormat;

    @Option(names = "--debug", description = "log debug messages")
    boolean debug;

    @Option(names = "--systemd-cgroup", description = "use systemd for cgroups (not supported: a clear error)")
    boolean systemdCgroup;

    @Option(names = "--rootless", arity = "0..1", fallbackValue = "true", defaultValue = "auto",
            description = "rootless mode: true, false or auto")
    String rootless;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        // as runc: what follows the container id is the command's, options and all (sh -c ...)
        cl.getSubcommands().get("exec").setStopAtPositional(true);
        cl.setExecutionStrategy(parsed -> {
            main.configureLogging();
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setParameterExceptionHandler((e, a) -> {
            main.configureLogging();
            main.fail(e.getMessage());
            return 1;
        });
        cl.setExecutionExceptionHandler((e, command, parsed) -> {
            main.fail(message(e));
            if (main.debug) {
                e.printStackTrace();
            }
            return 1;
        });
        return cl.execute(args);
    }

    /** What the user reads: the message, without Java's class names (unless there is no message). */
    private static String message(Exception e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    /** The state store these flags select. */
    StateStore store() {
        if (systemdCgroup) {
            throw new CliException("--systemd-cgroup: the systemd cgroup driver is not supported by gatun yet; "
                    + "use the cgroupfs manager (podman: --cgroup-manager=cgroupfs)");
        }
        if (!logFormat.equals("text") && !logFormat.equals("json")) {
            throw new CliException("--log-format: unknown format \"" + logFormat + "\" (text or json)");
        }
        return new StateStore(root != null ? root : StateStore.defaultRoot(isRootless()));
    }

    boolean isRootless() {
        return switch (rootless) {
            case "true" -> true;
            case "false" -> false;
            case "auto" -> !"root".equals(System.getProperty("user.name"));
            default -> throw new CliException("--rootless: invalid value \"" + rootless + "\" (true, false or auto)");
        };
    }

    private void configureLogging() {
        // the library logs through SLF4J: to stderr, warnings only unless --debug
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", debug ? "debug" : "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        debug("gatun " + VERSION + " started");
    }

    void debug(String message) {
        if (debug && log != null) {
            write("debug", message);
        }
    }

    /** A warning: to the log, or to stderr in the log's text form when there is no log file. */
    void warn(String message) {
        if (log == null) {
            System.err.println(line("warning", message, "text"));
        } else {
            write("warning", message);
        }
    }

    /**
     * Reports a failure as runc does: to the log (one line, text or JSON — podman reads a JSON
     * log's last object as the error) and, when the log is a file, plainly on stderr too.
     */
    void fail(String message) {
        if (log == null) {
            System.err.println(line("error", message, "text"));
            return;
        }
        write("error", message);
        System.err.println(message);
    }

    private void write(String level, String message) {
        try {
            Files.writeString(log, line(level, message, logFormat) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            PrintStream err = System.err;
            err.println("gatun: cannot write the log " + log + ": " + e.getMessage());
            err.println(message);
        }
    }

    private static String line(String level, String message, String format) {
        String time = Instant.now().toString();
        if (format.equals("json")) {
            return "{\"level\":" + ContainerRecord.quote(level) + ",\"msg\":" + ContainerRecord.quote(message)
                    + ",\"time\":" + ContainerRecord.quote(time) + "}";
        }
        return "time=" + ContainerRecord.quote(time) + " level=" + level + " msg=" + ContainerRecord.quote(message);
    }

    /** runc's {@code --version} lines, which containerd parses: name and version, commit, spec. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            // the build does not record its git commit yet; the line is there because parsers expect it
            return new String[] {"gatun version " + VERSION, "commit: unknown", "spec: " + dev.gatun.oci.SpecVersion.CURRENT,
                "java: " + Runtime.version()};
        }
    }
}
