package dev.gatun.cli;

import dev.gatun.core.ContainerExec;
import dev.gatun.core.ContainerProcess;
import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.ProcessSpec;
import dev.gatun.oci.Spec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gatun exec}: runc's {@code exec}, a thin layer on {@link ContainerExec#intoDetached}. The
 * process starts from the container's own process (config.json as create recorded it) with the
 * flags' changes, or is the whole {@code --process} document; it joins the container's namespaces
 * and cgroup. Without {@code -d} this command waits for it, passes its stdio through unchanged,
 * forwards SIGTERM, SIGINT and SIGHUP to it, and exits with its status.
 */
@Command(name = "exec", description = "run a process in a running container")
final class Exec implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = {"--process", "-p"}, description = "a process.json: the whole process to run (the flags below are then ignored)")
    Path processFile;

    @Option(names = {"--tty", "-t"}, description = "give the process a pseudo-terminal (needs --console-socket)")
    boolean tty;

    @Option(names = "--console-socket", description = "a unix socket to receive the terminal's pty master (SCM_RIGHTS)")
    Path consoleSocket;

    @Option(names = {"--detach", "-d"}, description = "return once the process runs")
    boolean detach;

    @Option(names = "--pid-file", description = "where to write the process's pid")
    Path pidFile;

    @Option(names = "--cwd", description = "the working directory inside the container")
    String cwd;

    @Option(names = {"--env", "-e"}, description = "set an environment variable NAME=value (repeatable)")
    List<String> env = new ArrayList<>();

    @Option(names = {"--user", "-u"}, description = "uid[:gid] to run as")
    String user;

    @Option(names = {"--additional-gids", "-g"}, description = "a supplementary gid (repeatable)")
    List<Long> additionalGids = new ArrayList<>();

    @Option(names = {"--cap", "-c"}, description = "add a capability to every set (repeatable)")
    List<String> caps = new ArrayList<>();

    @Option(names = "--no-new-privs", description = "set no_new_privs")
    boolean noNewPrivs;

    @Option(names = "--preserve-fds", defaultValue = "0", description = "pass the fds 3 .. 3+N-1 to the process")
    int preserveFds;

    @Parameters(index = "0", paramLabel = "<container-id>")
    String id;

    @Parameters(index = "1..*", paramLabel = "<command>", description = "the command and its arguments")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (preserveFds < 0) {
            throw new CliException("--preserve-fds " + preserveFds + ": a count of fds (0 or more)");
        }
        StateStore store = main.store();
        ContainerRecord r = store.get(id);
        String status = r.status(store.directory(id));
        if (status.equals("stopped") || status.equals("paused")) {
            throw new CliException("cannot exec in a " + status + " container");
        }
        Spec spec = OciSpecs.readConfig(store.directory(id).resolve(Lifecycle.CONFIG));
        ProcessSpec process = processFile != null ? OciSpecs.readProcess(processFile) : fromFlags(spec);
        if (Boolean.TRUE.equals(process.terminal()) && consoleSocket == null) {
            throw new CliException("a terminal (-t, or terminal in --process) needs --console-socket");
        }
        List<Path> cgroups = r.cgroups().stream().map(Path::of).toList();
        ContainerExec exec = ContainerExec.intoDetached(id, r.pid(), r.initStartTime(), spec, cgroups).process(process)
                .preserveFds(preserveFds);
        if (Boolean.TRUE.equals(process.terminal())) {
            exec.consoleSocket(consoleSocket);
        } else {
            exec.inheritIO();
        }
        if (detach) {
            // never reaped here: conmon (the subreaper that inherits it) waits for this pid
            long pid = exec.startDetached();
            if (pidFile != null) {
                Lifecycle.writePidFile(pidFile, pid);
            }
            main.debug("exec in container " + id + ": process " + pid + ", detached");
            return 0;
        }
        ContainerProcess p = exec.start();
        if (pidFile != null) {
            Lifecycle.writePidFile(pidFile, p.pid());
        }
        main.debug("exec in container " + id + ": process " + p.pid());
        for (String name : List.of("TERM", "INT", "HUP")) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                try {
                    p.signal(s.getNumber());
                } catch (RuntimeException e) {
                    // the process is gone: its exit ends the wait below
                }
            });
        }
        return p.waitFor();
    }

    /** The container's process, changed as runc's exec flags change it. */
    private ProcessSpec fromFlags(Spec spec) {
        if (command.isEmpty()) {
            throw new CliException("exec needs a command (or --process)");
        }
        ProcessSpec base = spec.process() != null ? spec.process() : ProcessSpec.builder().build();
        ProcessSpec.Builder b = base.toBuilder().args(command).terminal(tty ? true : null).consoleSize(null);
        List<String> environment = new ArrayList<>(base.env() == null ? List.of() : base.env());
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new CliException("--env " + e + ": not NAME=value");
            }
            environment.removeIf(old -> old.startsWith(e.substring(0, eq + 1)));
            environment.add(e);
        }
        b.env(environment);
        if (cwd != null) {
            b.cwd(cwd);
        }
        if (user != null || !additionalGids.isEmpty()) {
            ProcessSpec.User old = base.user();
            Long uid = old == null ? null : old.uid();
            Long gid = old == null ? null : old.gid();
            if (user != null) {
                String[] ids = user.split(":", 2);
                try {
                    uid = Long.parseLong(ids[0]);
                    gid = ids.length > 1 ? Long.parseLong(ids[1]) : gid;
                } catch (NumberFormatException e) {
                    throw new CliException("--user " + user + ": not uid[:gid] (numbers; names are not looked up)");
                }
            }
            b.user(new ProcessSpec.User(uid, gid, old == null ? null : old.umask(),
                    additionalGids.isEmpty() ? (old == null ? null : old.additionalGids()) : List.copyOf(additionalGids),
                    null));
        }
        if (!caps.isEmpty()) {
            ProcessSpec.Capabilities c = base.capabilities();
            b.capabilities(new ProcessSpec.Capabilities(plus(c == null ? null : c.bounding()),
                    plus(c == null ? null : c.effective()), plus(c == null ? null : c.inheritable()),
                    plus(c == null ? null : c.permitted()), plus(c == null ? null : c.ambient())));
        }
        if (noNewPrivs) {
            b.noNewPrivileges(true);
        }
        return b.build();
    }

    private List<String> plus(List<String> set) {
        List<String> out = new ArrayList<>(set == null ? List.of() : set);
        for (String cap : caps) {
            String name = cap.toUpperCase(java.util.Locale.ROOT).startsWith("CAP_") ? cap.toUpperCase(java.util.Locale.ROOT)
                    : "CAP_" + cap.toUpperCase(java.util.Locale.ROOT);
            if (!out.contains(name)) {
                out.add(name);
            }
        }
        return out;
    }
}
