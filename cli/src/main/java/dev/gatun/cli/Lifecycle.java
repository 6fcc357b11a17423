package dev.gatun.cli;

import dev.gatun.cgroups.Cgroups;
import dev.gatun.core.Container;
import dev.gatun.core.DetachedInit;
import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.Spec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The commands that change a container: create, start, run, kill, delete. */
final class Lifecycle {

    private Lifecycle() {}

    /** runc's create flags, shared by create and run. */
    static final class CreateOptions {
        @Option(names = {"--bundle", "-b"}, description = "the bundle directory (default: the current directory)")
        Path bundle = Path.of("");

        @Option(names = "--pid-file", description = "where to write the init's pid")
        Path pidFile;

        @Option(names = "--console-socket", description = "a unix socket to receive the terminal's pty master (SCM_RIGHTS)")
        Path consoleSocket;

        @Option(names = "--no-pivot", description = "not supported: gatun always uses pivot_root")
        boolean noPivot;

        @Option(names = "--no-new-keyring", description = "accepted: gatun never makes a session keyring")
        boolean noNewKeyring;

        @Option(names = "--preserve-fds", defaultValue = "0", description = "pass the fds 3 .. 3+N-1 to the container's process")
        int preserveFds;
    }

    @Command(name = "create", description = "create a container; its init waits for start")
    static final class Create implements Callable<Integer> {
        @ParentCommand
        Main main;

        @picocli.CommandLine.Mixin
        CreateOptions options = new CreateOptions();

        @Parameters(index = "0", paramLabel = "<container-id>")
        String id;

        @Override
        public Integer call() throws IOException {
            create(main, id, options, false);
            return 0;
        }
    }

    @Command(name = "start", description = "let a created container's init exec its command")
    static final class Start implements Callable<Integer> {
        @ParentCommand
        Main main;

        @Parameters(index = "0", paramLabel = "<container-id>")
        String id;

        @Override
        public Integer call() throws IOException {
            StateStore store = main.store();
            FileLock lock = store.lock();
            ContainerRecord r;
            try {
                r = store.get(id);
                start(store, r);
            } finally {
                StateStore.release(lock);
            }
            runHooks(main, "poststart", store.directory(id), r, "running");
            return 0;
        }
    }

    @Command(name = "run", description = "create and start a container; without -d wait for it and delete it")
    static final class Run implements Callable<Integer> {
        @ParentCommand
        Main main;

        @picocli.CommandLine.Mixin
        CreateOptions options = new CreateOptions();

        @Option(names = {"--detach", "-d"}, description = "return once started")
        boolean detach;

        @Parameters(index = "0", paramLabel = "<container-id>")
        String id;

        @Override
        public Integer call() throws IOException, InterruptedException {
            Created created = create(main, id, options, true);
            if (!detach) {
                // as runc's foreground run: the signals a terminal or a supervisor sends go to the
                // container; in place before start, so that one sent as soon as the container's
                // first output shows never meets the JVM's own handler (exit 143, the hooks' delete)
                ContainerRecord r = created.record();
                for (String name : List.of("TERM", "INT", "HUP")) {
                    sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                        try {
                            DetachedInit.signal(r.pid(), r.initStartTime(), s.getNumber());
                        } catch (IOException e) {
                            // the container is gone: its exit ends the wait below
                        }
                    });
                }
            }
            StateStore store = main.store();
            FileLock lock = store.lock();
            try {
                start(store, created.record());
            } catch (IOException | RuntimeException e) {
                destroy(main, store, created.record(), true);
                throw e;
            } finally {
                StateStore.release(lock);
            }
            runHooks(main, "poststart", store.directory(id), created.record(), "running");
            if (detach) {
                return 0;
            }
            int status;
            try {
                status = created.container().detachedInitExit().get();
            } catch (ExecutionException e) {
                throw new IOException("waiting for container " + id + ": " + e.getCause().getMessage(), e.getCause());
            }
            lock = store.lock();
            try {
                destroy(main, store, created.record(), true);
            } finally {
                StateStore.release(lock);
            }
            return status;
        }
    }

    @Command(name = "kill", description = "send a signal (default SIGTERM) to the container's init")
    static final class Kill implements Callable<Integer> {
        @ParentCommand
        Main main;

        @Option(names = {"--all", "-a"}, description = "send it to every process in the container's cgroup")
        boolean all;

        @Parameters(index = "0", paramLabel = "<container-id>")
        String id;

        @Parameters(index = "1", defaultValue = "SIGTERM", paramLabel = "<signal>")
        String signal;

        @Override
        public Integer call() throws IOException {
            int sig = Signals.parse(signal);
            StateStore store = main.store();
            ContainerRecord r = store.get(id);
            if (r.status(store.directory(id)).equals("stopped")) {
                throw new CliException("container not running");
            }
            if (all) {
                for (long pid : cgroupPids(r)) {
                    InitProcess.of(pid).ifPresent(p -> signalQuietly(p, sig));
                }
            } else if (!DetachedInit.signal(r.pid(), r.initStartTime(), sig)) {
                throw new CliException("container not running");
            }
            return 0;
        }

        private static void signalQuietly(InitProcess p, int sig) {
            try {
                DetachedInit.signal(p.pid(), p.startTime(), sig);
            } catch (IOException e) {
                throw new CliException("kill " + p.pid() + ": " + e.getMessage(), e);
            }
        }
    }

    @Command(name = "delete", description = "delete a stopped (or, with --force, any) container")
    static final class Delete implements Callable<Integer> {
        @ParentCommand
        Main main;

        @Option(names = {"--force", "-f"}, description = "kill a running container first; no error if it does not exist")
        boolean force;

        @Parameters(index = "0", paramLabel = "<container-id>")
        String id;

        @Override
        public Integer call() throws IOException {
            StateStore store = main.store();
            FileLock lock = store.lock();
            try {
                var r = store.find(id);
                if (r.isEmpty()) {
                    if (force) {
                        if (store.isHalfCreated(id)) {
                            store.remove(id); // what a create killed halfway left
                        }
                        return 0;
                    }
                    throw new CliException("container does not exist: " + id);
                }
                String status = r.get().status(store.directory(id));
                if ((status.equals("running") || status.equals("paused")) && !force) {
                    throw new CliException("cannot delete container " + id + " that is not stopped: " + status);
                }
                destroy(main, store, r.get(), true);
            } finally {
                StateStore.release(lock);
            }
            return 0;
        }
    }

    @Command(name = "pause", description = "freeze every process of a running container")
    static final class Pause implements Callable<Integer> {
        @ParentCommand
        Main main;

        @Parameters(index = "0", paramLabel = "<container-id>")
        String id;

        @Override
        public Integer call() throws IOException {
            freeze(main, id, true);
            return 0;
        }
    }

    @Command(name = "resume", description = "thaw a paused container")
    static final class Resume implements Callable<Integer> {
        @ParentCommand
        Main main;

        @Parameters(index = "0", paramLabel = "<container-id>")
        String id;

        @Override
        public Integer call() throws IOException {
            freeze(main, id, false);
            return 0;
        }
    }

    @Command(name = "update", description = "apply new resource limits (OCI linux.resources JSON) to a container's cgroup")
    static final class Update implements Callable<Integer> {
        @ParentCommand
        Main main;

        @Option(names = {"--resources", "-r"}, required = true,
                description = "a file with the linux.resources JSON, or - for stdin")
        String resources;

        @Parameters(index = "0", paramLabel = "<container-id>")
        String id;

        @Override
        public Integer call() throws IOException {
            String json = resources.equals("-") ? new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    : Files.readString(Path.of(resources));
            dev.gatun.oci.Resources r;
            try {
                r = OciSpecs.mapper().readValue(json, dev.gatun.oci.Resources.class);
            } catch (RuntimeException e) {
                throw new CliException("--resources: not a linux.resources JSON object: " + e.getMessage(), e);
            }
            StateStore store = main.store();
            FileLock lock = store.lock();
            try {
                ContainerRecord rec = store.get(id);
                if (rec.status(store.directory(id)).equals("stopped")) {
                    throw new CliException("container not running");
                }
                java.util.Map<String, Path> dirs = new java.util.LinkedHashMap<>();
                rec.cgroupDirectories().forEach((k, v) -> dirs.put(k, Path.of(v)));
                if (dirs.isEmpty()) {
                    throw new CliException("container " + id + " has no cgroup to update");
                }
                DetachedInit.updateResources(dirs, r);
            } finally {
                StateStore.release(lock);
            }
            return 0;
        }
    }

    private static void freeze(Main main, String id, boolean freeze) throws IOException {
        StateStore store = main.store();
        FileLock lock = store.lock();
        try {
            ContainerRecord r = store.get(id);
            String status = r.status(store.directory(id));
            if (!status.equals(freeze ? "running" : "paused")) {
                throw new CliException(freeze ? "container not running" : "container not paused");
            }
            Freezer.of(r).orElseThrow(() -> new CliException("container " + id
                    + " has no freezer cgroup (no freezer hierarchy on this host)")).set(freeze);
        } finally {
            StateStore.release(lock);
        }
    }

    record Created(ContainerRecord record, Container container) {}

    /** create's work (and run's first half): the container waits in its init waiter when this returns. */
    static Created create(Main main, String id, CreateOptions o, boolean forRun) throws IOException {
        StateStore store = main.store();
        StateStore.checkId(id);
        if (o.noPivot) {
            throw new CliException("--no-pivot: not supported by gatun (the rootfs is always entered with pivot_root)");
        }
        if (o.preserveFds < 0) {
            throw new CliException("--preserve-fds " + o.preserveFds + ": a count of fds (0 or more)");
        }
        Path bundle = o.bundle.toAbsolutePath().normalize();
        if (!Files.isDirectory(bundle)) {
            throw new CliException("bundle " + bundle + ": no such directory");
        }
        Path config = bundle.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new CliException("JSON specification file config.json not found in bundle " + bundle);
        }
        Spec spec = OciSpecs.readConfig(config);
        OciSpecs.requireValid(spec);
        if (spec.process() != null && Boolean.TRUE.equals(spec.process().terminal()) && o.consoleSocket == null) {
            throw new CliException("process.terminal is true but no --console-socket was given"
                    + (forRun ? " (gatun run does not attach a terminal of its own yet)" : ""));
        }
        FileLock lock = store.lock();
        try {
            Path dir = store.createDirectory(id);
            Container container = null;
            try {
                DetachedInit.makeFifo(dir);
                // the config as created: start and delete run its poststart and poststop hooks
                Files.copy(config, dir.resolve(CONFIG));
                container = Container.fromSpec(spec, bundle, id).inheritIO().detached(dir, o.consoleSocket)
                        .preserveFds(o.preserveFds);
                container.create();
                long pid = container.pid();
                InitProcess init = InitProcess.of(pid).orElseThrow(
                        () -> new CliException("container " + id + ": its init " + pid + " died while it was created"));
                java.util.Map<String, String> cgroups = new java.util.LinkedHashMap<>();
                container.cgroup().ifPresent(c -> c.directories().forEach((k, v) -> cgroups.put(k, v.toString())));
                Path rootfs = bundle.resolve(spec.root() == null || spec.root().path() == null ? "rootfs" : spec.root().path());
                ContainerRecord r = new ContainerRecord(id, pid, init.startTime(), bundle.toString(),
                        rootfs.normalize().toString(), Instant.now().toString(), "",
                        spec.annotations() == null ? null : spec.annotations(), cgroups);
                store.write(r);
                if (o.pidFile != null) {
                    writePidFile(o.pidFile, pid);
                }
                main.debug("created container " + id + ", init " + pid);
                return new Created(r, container);
            } catch (IOException | RuntimeException e) {
                try {
                    if (container != null && container.pid() > 0) {
                        Path own = store.directory(id);
                        InitProcess.of(container.pid()).ifPresent(p -> killQuietly(p));
                        for (Path c : container.cgroup().map(cg -> cg.directories().values()).orElse(List.of())) {
                            Cgroups.destroy(c);
                        }
                        Files.deleteIfExists(own.resolve(Container.EXEC_FIFO));
                    }
                    store.remove(id);
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        } finally {
            StateStore.release(lock);
        }
    }

    private static void killQuietly(InitProcess p) {
        try {
            DetachedInit.signal(p.pid(), p.startTime(), Signals.SIGKILL);
        } catch (IOException ignored) {
            // gone already
        }
    }

    /** The copy of config.json in a container's state directory. */
    static final String CONFIG = "config.json";

    /**
     * Runs the container's poststart or poststop hooks (from the config create copied); a failure
     * is a warning, as the runtime spec says, never the command's failure.
     */
    static void runHooks(Main main, String kind, Path stateDir, ContainerRecord r, String status) {
        Path config = stateDir.resolve(CONFIG);
        try {
            if (!Files.exists(config)) {
                return;
            }
            Spec spec = OciSpecs.readConfig(config);
            if (spec.hooks() == null) {
                return;
            }
            dev.gatun.oci.State state = new dev.gatun.oci.State(dev.gatun.oci.SpecVersion.CURRENT, r.id(), status,
                    status.equals("stopped") ? null : (int) r.pid(), r.bundle(),
                    r.annotations().isEmpty() ? null : r.annotations());
            DetachedInit.runHooks(kind, spec, state, Path.of(r.bundle()));
        } catch (IOException | RuntimeException e) {
            main.warn(kind + " hook of container " + r.id() + " failed: " + e.getMessage());
        }
    }

    /**
     * Opens the created init's exec.fifo for reading, which lets its waiter exec the command, and
     * reads to end of file: nothing when the exec happened, the errno when it failed.
     */
    static void start(StateStore store, ContainerRecord r) throws IOException {
        Path dir = store.directory(r.id());
        String status = r.status(dir);
        if (status.equals("stopped")) {
            throw new CliException("cannot start a container that has stopped");
        }
        if (status.equals("running")) {
            throw new CliException("cannot start an already running container");
        }
        Path fifo = dir.resolve(Container.EXEC_FIFO);
        Path config = dir.resolve(CONFIG);
        if (Files.exists(config)) {
            Spec spec = OciSpecs.readConfig(config);
            dev.gatun.oci.State state = new dev.gatun.oci.State(dev.gatun.oci.SpecVersion.CURRENT, r.id(), status,
                    (int) r.pid(), r.bundle(), r.annotations().isEmpty() ? null : r.annotations());
            try {
                DetachedInit.runStartContainerHooks(spec, state, r.pid(), r.initStartTime(),
                        r.cgroups().stream().map(Path::of).toList());
            } catch (IOException | RuntimeException e) {
                // the runtime spec: a failed startContainer hook stops the container
                DetachedInit.signal(r.pid(), r.initStartTime(), Signals.SIGKILL);
                throw new CliException("cannot start container " + r.id() + ": " + e.getMessage(), e);
            }
        }
        CompletableFuture<byte[]> read = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("exec.fifo reader").start(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                read.complete(in.readAllBytes());
            } catch (Throwable e) {
                read.completeExceptionally(e);
            }
        });
        InitProcess init = new InitProcess(r.pid(), r.initStartTime());
        boolean died = false;
        byte[] report;
        while (true) {
            try {
                report = read.get(50, TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException e) {
                if (!died && !init.alive()) {
                    // no waiter will ever open the other end: open it ourselves so the reader ends
                    died = true;
                    try (FileChannel unblock = FileChannel.open(fifo, StandardOpenOption.WRITE)) {
                        // closing it is the end of file
                    }
                }
            } catch (ExecutionException e) {
                throw new IOException("cannot start container " + r.id() + ": " + fifo + ": " + e.getCause().getMessage(),
                        e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted starting container " + r.id());
            }
        }
        Files.deleteIfExists(fifo);
        if (died) {
            throw new CliException("cannot start container " + r.id() + ": its init " + r.pid() + " died before start");
        }
        if (report.length >= 4) {
            int errno = ByteBuffer.wrap(report, 0, 4).order(ByteOrder.nativeOrder()).getInt();
            throw new CliException("cannot start container " + r.id() + ": exec of the container's process failed: "
                    + Signals.strerror(errno));
        }
    }

    /**
     * Removes a container: SIGKILL to its init (when {@code kill} and it lives) and to everything
     * in its cgroup, the cgroup directories, then its state directory.
     */
    static void destroy(Main main, StateStore store, ContainerRecord r, boolean kill) throws IOException {
        if (kill && DetachedInit.signal(r.pid(), r.initStartTime(), Signals.SIGKILL)) {
            // a frozen init dies only once thawed
            java.util.Optional<Freezer> freezer = Freezer.of(r);
            if (freezer.isPresent() && freezer.get().frozen()) {
                freezer.get().set(false);
            }
            InitProcess init = new InitProcess(r.pid(), r.initStartTime());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (init.alive()) {
                if (System.nanoTime() > deadline) {
                    throw new CliException("container " + r.id() + ": its init " + r.pid()
                            + " is alive 10 s after SIGKILL (frozen, or in an uninterruptible sleep)");
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted deleting container " + r.id());
                }
            }
        }
        for (String dir : r.cgroups()) {
            Cgroups.destroy(Path.of(dir));
        }
        // the hooks run from the config copy, before the directory holding it goes
        runHooks(main, "poststop", store.directory(r.id()), r, "stopped");
        store.remove(r.id());
    }

    /** The pids in the container's cgroup and below it (the first hierarchy lists them all). */
    static Set<Long> cgroupPids(ContainerRecord r) throws IOException {
        Set<Long> pids = new LinkedHashSet<>();
        if (r.cgroups().isEmpty()) {
            pids.add(r.pid());
            return pids;
        }
        Path top = Path.of(r.cgroups().getFirst());
        if (!Files.isDirectory(top)) {
            return pids;
        }
        try (Stream<Path> walk = Files.walk(top)) {
            for (Path procs : walk.filter(p -> p.getFileName().toString().equals("cgroup.procs")).toList()) {
                try {
                    for (String line : Files.readAllLines(procs)) {
                        if (!line.isBlank()) {
                            pids.add(Long.parseLong(line.trim()));
                        }
                    }
                } catch (NoSuchFileException e) {
                    // a sub-cgroup removed meanwhile
                }
            }
        }
        return pids;
    }

    /** The pid file, written whole and renamed into place (conmon reads it as soon as create returns). */
    static void writePidFile(Path file, long pid) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
        Files.writeString(tmp, Long.toString(pid));
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

}
