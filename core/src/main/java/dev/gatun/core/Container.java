package dev.gatun.core;

import dev.gatun.cgroups.Cgroup;
import dev.gatun.cgroups.CgroupLayout;
import dev.gatun.cgroups.CgroupStats;
import dev.gatun.cgroups.CgroupVersion;
import dev.gatun.cgroups.Cgroups;
import dev.gatun.cgroups.CgroupsPath;
import dev.gatun.cgroups.OnUnsupported;
import dev.gatun.cgroups.Resources;
import dev.gatun.core.io.Stdio;
import dev.gatun.core.net.Pasta;
import dev.gatun.core.net.PortForwarder;
import dev.gatun.core.plan.Absent;
import dev.gatun.core.plan.ContainerPlan;
import dev.gatun.core.plan.ContainerPlanner;
import dev.gatun.core.plan.ResourceMapping;
import dev.gatun.core.security.DeviceCgroup;
import dev.gatun.core.spawn.Handshake;
import dev.gatun.core.spawn.SpawnedProcess;
import dev.gatun.core.spawn.Spawner;
import dev.gatun.oci.InvalidSpecException;
import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.Spec;
import dev.gatun.oci.SpecVersion;
import dev.gatun.oci.State;
import dev.gatun.oci.ValidationError;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Linux container run from this JVM: a process the kernel runs in its own namespaces, under a
 * cgroup, on its own root filesystem — set up by exactly the syscalls {@link #plan()} shows.
 *
 * <pre>{@code
 * try (Container c = Container.builder()
 *         .command("/bin/sh", "-c", "echo hello from $(hostname)")
 *         .resources(r -> r.memory("512m").cpus(1.5).pidsLimit(100))
 *         .build()) {
 *     ContainerProcess p = c.run();
 *     System.out.print(new String(p.getInputStream().readAllBytes()));
 *     p.waitFor();
 * }
 * }</pre>
 *
 * <p>Lifecycle, as the OCI runtime spec has it: {@link #create()} makes the namespaces, the
 * cgroup and the root filesystem and leaves the init waiting just before {@code execve}
 * ({@link ContainerStatus#CREATED}); {@link #start()} lets it exec ({@code RUNNING}); when it exits
 * the container is {@code STOPPED}; {@link #delete()} removes the cgroup and everything else.
 * {@link #run()} is create + start. {@link #close()} stops a running container (SIGTERM, then
 * SIGKILL after the {@linkplain ContainerBuilder#stopTimeout stop timeout}) and deletes it, so
 * try-with-resources leaves nothing behind.
 *
 * <p>Failures: bad input is an {@link InvalidSpecException} naming the JSON path; an operation the
 * status does not allow is a {@link ContainerStateException}; the kernel's refusal is an
 * {@link IOException} ({@link ErrnoException} or a step failure naming the call). A failed
 * {@code create} releases everything it took, in reverse order: no cgroup, mount, process or fd
 * remains.
 *
 * <p>Containers die with the JVM: the init gets SIGKILL when the JVM exits
 * ({@code PR_SET_PDEATHSIG}). Thread-safe: each operation is atomic with respect to the status.
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/runtime.md">OCI runtime lifecycle</a>
 */
public final class Container implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Container.class);

    /** The FIFO a {@linkplain #detached(Path) detached} container's init waits on, in its state directory. */
    public static final String EXEC_FIFO = "exec.fifo";

    /** How to launch, beyond the spec: stdio, policies, the sandbox root. */
    record Launch(Redirect stdin, Redirect stdout, Redirect stderr, boolean redirectErrorStream,
            OnUnsupported onUnsupported, Duration stopTimeout, PreparedRoot sandbox, boolean dieWithJvm,
            Publishing publishing, EtcFiles etcFiles, boolean defaultLimitsOnly) {}

    /**
     * The published ports and their forwarder's limits ({@link ContainerBuilder#publish(int, int)});
     * {@code pasta}: the network mode is {@link NetworkMode#pasta()}, whose pasta process carries
     * the ports and the container's outbound traffic.
     */
    record Publishing(List<PortMapping> ports, int maxConnections, Duration udpIdleTimeout, boolean pasta) {
        static final Publishing NONE = new Publishing(List.of(), ContainerBuilder.DEFAULT_MAX_PUBLISHED_CONNECTIONS,
                ContainerBuilder.DEFAULT_UDP_IDLE_TIMEOUT, false);
    }

    private final String id;
    private final Spec spec;
    private final Path bundle;
    private final Launch launch;
    /** For a detached container: its state directory, where the init waits on exec.fifo; else null. */
    private final Path waitDirectory;

    private final Object lock = new Object();
    private ContainerStatus status = ContainerStatus.NEW;
    private Cgroup cgroup;
    /** What a rootless container without a delegated cgroup dropped (Rootless). */
    private List<String> droppedWithoutCgroup = List.of();
    private Stdio stdio;
    private ContainerPlan plan;
    private Handshake handshake;
    private ContainerProcess process;
    private long pid;
    private ProcessHandle initHandle;
    /** The state directory holding this container's {@link OwnerRecord}, while it has one. */
    private Path ownerRecordDir;
    /** The published ports' forwarder, from create to delete; null without published ports. */
    private PortForwarder forwarder;
    /** In network mode pasta, the published ports with their host ports chosen; null in other modes. */
    private List<PortMapping> pastaPorts;
    /** Where pasta's files go: the container's state directory. */
    private Path pastaDir;
    private final Deque<Cleanup> cleanups = new ArrayDeque<>();

    /** One undo action of create, run in reverse order by delete or a failed create. */
    @FunctionalInterface
    private interface Cleanup {
        void run() throws Exception;
    }

    Container(String id, Spec spec, Path bundle, Launch launch) {
        this(id, spec, bundle, launch, null);
    }

    private Container(String id, Spec spec, Path bundle, Launch launch, Path waitDirectory) {
        this.id = id;
        this.spec = spec;
        this.bundle = bundle;
        this.launch = launch;
        this.waitDirectory = waitDirectory;
    }

    /**
     * A copy of this (not yet created) container that outlives this JVM, for runtimes that keep
     * containers across processes (the {@code gatun} command line). Its {@link #create()} ends with
     * the init waiting in a tiny program of its own, not in the JVM's memory: the init execs a
     * static waiter from a sealed memfd that blocks opening {@code stateDirectory/exec.fifo} for
     * writing and execs the command once a reader opens it — whoever that is, in any process
     * ({@code gatun start}). The caller makes the FIFO ({@link DetachedInit#makeFifo}, mode 0622 so that the
     * container's user can open it) before create, and removes it after start.
     *
     * <p>Nothing ties it to this JVM: no parent-death signal, no sentinel, no exit hook, no owner
     * record; its cgroup and the mount points made in its rootfs stay until the caller removes
     * them ({@link dev.gatun.cgroups.Cgroups#destroy}). After create this object only reports:
     * {@link #pid()}, {@link #cgroup()}; {@link #start()}, {@link #kill}, {@link #delete()} are
     * refused, and {@link #close()} does nothing.
     */
    public Container detached(Path stateDirectory) {
        return detached(stateDirectory, null);
    }

    /**
     * {@link #detached(Path)}, and when the spec asks for a terminal ({@code process.terminal}),
     * create sends its pty master to the unix socket {@code consoleSocket} with
     * {@code SCM_RIGHTS} (runc's {@code --console-socket}, which conmon and containerd listen on)
     * and keeps no copy. A terminal without a console socket is refused at create.
     */
    public Container detached(Path stateDirectory, Path consoleSocket) {
        Objects.requireNonNull(stateDirectory, "stateDirectory");
        if (!launch.publishing().ports().isEmpty() || launch.publishing().pasta()) {
            // the forwarder and pasta are this JVM's, and die with it
            throw new IllegalStateException("a detached container cannot publish ports or use the network mode pasta: "
                    + "what carries them lives in this JVM");
        }
        Container c = new Container(id, spec, bundle, new Launch(launch.stdin(), launch.stdout(), launch.stderr(),
                launch.redirectErrorStream(), launch.onUnsupported(), launch.stopTimeout(), launch.sandbox(), false,
                launch.publishing(), launch.etcFiles(), launch.defaultLimitsOnly()), stateDirectory.toAbsolutePath());
        c.consoleSocket = consoleSocket == null ? null : consoleSocket.toAbsolutePath();
        return c;
    }

    private Path consoleSocket;
    private int preserveFds;

    /**
     * Passes this JVM's fds 3 to {@code 3 + n - 1} to the container's process at the same numbers,
     * as {@code runc create --preserve-fds n}; before {@link #create()}.
     */
    public Container preserveFds(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("preserveFds: " + n + " is negative");
        }
        synchronized (lock) {
            if (status != ContainerStatus.NEW) {
                throw new ContainerStateException("preserveFds", id, status, "new");
            }
            this.preserveFds = n;
        }
        return this;
    }

    /** The init's pid once created (0 before). */
    public long pid() {
        synchronized (lock) {
            return pid;
        }
    }

    /** A builder for a container; see {@link ContainerBuilder} for every attribute and its default. */
    public static ContainerBuilder builder() {
        Warmup.start(true);
        return new ContainerBuilder();
    }

    /**
     * The container an OCI bundle describes: {@code bundle/config.json}, with a relative
     * {@code root.path} taken relative to the bundle. The config is applied exactly as written.
     *
     * @throws InvalidSpecException when config.json is malformed or invalid, naming the path
     */
    public static Container fromBundle(Path bundle, String id) throws IOException {
        Warmup.start(false); // while the config is read
        Spec spec = OciSpecs.readConfig(bundle.resolve("config.json"));
        return fromSpec(spec, bundle, id);
    }

    /**
     * The container of the image at {@code source} — an OCI image layout directory (the manifest
     * for this JVM's platform) or a {@code docker save} archive — with the image's command,
     * environment, working directory and user: {@code builder().image(source).build()}. The image
     * is unpacked into the {@linkplain dev.gatun.images.ImageStore#defaultLocation() default store}
     * now; the container's own writable root is made at create and removed at delete.
     *
     * @throws dev.gatun.images.InvalidImageException a bad image, naming the file and field
     */
    public static Container fromImage(Path source) throws IOException {
        return builder().image(source).build();
    }

    /**
     * The container of the image {@code reference} ({@code host[:port]/name[:tag|@digest]}),
     * pulled from its registry: {@code builder().image(reference).build()}.
     */
    public static Container fromImage(String reference) throws IOException {
        return builder().image(reference).build();
    }

    /** The container {@code spec} describes; relative paths in it are relative to {@code bundle}. */
    public static Container fromSpec(Spec spec, Path bundle, String id) {
        Warmup.start(false);
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(id, "id");
        return new Container(id, spec, bundle.toAbsolutePath(), new Launch(Redirect.PIPE, Redirect.PIPE, Redirect.PIPE,
                false, OnUnsupported.FAIL, Duration.ofSeconds(10), null, true, Publishing.NONE, null, false));
    }

    /** A copy of this (not yet created) container whose init's stdio are the JVM's own (unless the spec asks for a terminal: that wins). */
    public Container inheritIO() {
        return new Container(id, spec, bundle, new Launch(Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT, false,
                launch.onUnsupported(), launch.stopTimeout(), launch.sandbox(), launch.dieWithJvm(), launch.publishing(),
                launch.etcFiles(), launch.defaultLimitsOnly()), waitDirectory);
    }

    /** The container's id. */
    public String id() {
        return id;
    }

    /**
     * The OCI spec the container is planned from; a builder's container adds the binds of its
     * generated {@code /etc} files to it at create ({@link ContainerBuilder} lists them).
     */
    public Spec spec() {
        return spec;
    }

    /** The bundle directory: relative paths in the spec are relative to it. */
    public Path bundle() {
        return bundle;
    }

    /** The current status. */
    public ContainerStatus status() {
        synchronized (lock) {
            syncStatus();
            return status;
        }
    }

    /**
     * Running becomes stopped as soon as the init's exit is known: the exit callback runs on the
     * reaper thread a moment after {@link ContainerProcess#waitFor()} may have returned, and
     * {@code waitFor(); delete();} must not fail in between. Call with the lock held.
     */
    private void syncStatus() {
        if (status == ContainerStatus.RUNNING && process != null && process.spawned().onExit().isDone()) {
            status = ContainerStatus.STOPPED;
        }
    }

    /**
     * The syscall program this container's init will run, one numbered line per step, as a person
     * would write the calls: the dry run. Touches nothing on the host but may create missing mount
     * points inside a rootfs directory, as create would (they are removed again).
     */
    public String plan() throws IOException {
        OciSpecs.requireValid(spec);
        if (launch.sandbox() != null && status() == ContainerStatus.NEW) {
            // the sandbox root's directory does not exist yet: plan against a preview of it
            try {
                launch.sandbox().prepare();
                return planWithEtcFiles(launch.sandbox().bundle());
            } finally {
                launch.sandbox().remove();
            }
        }
        if (launch.etcFiles() != null && status() == ContainerStatus.NEW) {
            Path dir = SandboxRoot.stateDirectory().resolve(id);
            SandboxRoot.makeContainerDirectory(dir);
            try {
                return planWithEtcFiles(dir);
            } finally {
                Files.deleteIfExists(dir);
                SandboxRoot.removeStateDirectoryIfEmpty();
            }
        }
        return planPreview();
    }

    /** The plan, with the generated /etc files (bind sources) written into {@code stateDir} for the moment. */
    private String planWithEtcFiles(Path stateDir) throws IOException {
        if (launch.etcFiles() == null) {
            return planPreview();
        }
        List<Path> files = launch.etcFiles().write(stateDir);
        try {
            return planPreview(launch.etcFiles().addTo(spec, stateDir));
        } finally {
            EtcFiles.remove(files);
        }
    }

    /** The overlay the init mounts on the rootfs, for a rootless image root; null otherwise. */
    private dev.gatun.core.rootfs.ChildRoot childOverlay() {
        return launch.sandbox() == null ? null : launch.sandbox().childOverlay();
    }

    private String planPreview() throws IOException {
        return planPreview(spec);
    }

    private String planPreview(Spec spec) throws IOException {
        // a terminal spec plans with the stdio create will have: for a host pty a real one (opened
        // and closed again here), so that the plan shows the slave's fd number
        try (Stdio s = ContainerPlanner.wantsTerminal(spec) ? ContainerPlanner.openTerminal(spec)
                : Stdio.open(Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT, false);
             ContainerPlan p = ContainerPlanner.plan(spec, bundle, null, s, launch.dieWithJvm(), null, 0, childOverlay())) {
            try {
                return p.render();
            } finally {
                p.removeCreatedPaths();
            }
        }
    }

    /**
     * Creates the container: cgroup, namespaces, root filesystem; the init then waits just before
     * {@code execve} until {@link #start()}.
     *
     * @throws ContainerStateException unless the container is new
     * @throws InvalidSpecException for bad input, naming the JSON path
     * @throws IOException when the kernel refused a step (the step and errno are named)
     */
    public void create() throws IOException {
        synchronized (lock) {
            if (status != ContainerStatus.NEW) {
                throw new ContainerStateException("create", id, status, "new");
            }
            status = ContainerStatus.CREATING;
            pid = 0;
            try {
                doCreate();
                if (waitDirectory != null) {
                    handOff();
                    status = ContainerStatus.CREATED;
                    return;
                }
                status = ContainerStatus.CREATED;
                ExitHook.register(this);
            } catch (IOException | RuntimeException | Error e) {
                undo(e);
                status = ContainerStatus.NEW;
                throw e;
            }
        }
    }

    private void doCreate() throws IOException {
        Gatun.ensureSupported();
        OciSpecs.requireValid(spec);
        // what dead JVMs left goes first: a container of theirs with this id would block this one
        Sweeper.beforeFirstContainer();
        Spec planned = spec;
        List<PortMapping> ports = launch.publishing().ports();
        if (launch.publishing().pasta()) {
            // before anything exists: a missing package or device is one line that names it
            String cause = Pasta.unavailabilityCause();
            if (cause != null) {
                throw new IOException(cause);
            }
            pastaPorts = hostPortsChosen(ports);
        } else if (!ports.isEmpty()) {
            if (Rootless.active()) {
                throw new IllegalArgumentException("publish: " + ports.getFirst() + ": an unprivileged JVM cannot "
                        + "enter the container's network namespace to carry published ports; use "
                        + "network(NetworkMode.pasta()) (Debian package passt), whose pasta carries them");
            }
            // the host ports first: one in use fails create before anything else exists
            PortForwarder f = PortForwarder.bind(ports, launch.publishing().maxConnections(),
                    launch.publishing().udpIdleTimeout());
            forwarder = f;
            cleanups.push(() -> {
                forwarder = null;
                f.close();
            });
        }
        Path stateDir = null;
        if (launch.sandbox() != null) {
            // pushed first: a prepare that fails halfway (ENOSPC, EROFS) leaves what it made to remove
            cleanups.push(() -> {
                failIfLeft(launch.sandbox() instanceof ImageRoot ? "image root" : "sandbox root", launch.sandbox().remove());
                SandboxRoot.removeStateDirectoryIfEmpty();
            });
            launch.sandbox().prepare();
            stateDir = launch.sandbox().bundle();
        } else if (launch.dieWithJvm()) {
            // a state directory of its own, only for the owner record
            Path dir = SandboxRoot.stateDirectory().resolve(id);
            SandboxRoot.makeContainerDirectory(dir);
            stateDir = dir;
            cleanups.push(() -> {
                Files.deleteIfExists(dir);
                SandboxRoot.removeStateDirectoryIfEmpty();
            });
        }
        pastaDir = stateDir;
        if (launch.publishing().pasta() && stateDir == null) {
            throw new IllegalStateException("network mode pasta needs the container's state directory");
        }
        if (launch.etcFiles() != null) {
            if (stateDir == null) {
                throw new IllegalStateException("the generated /etc files need the container's state directory");
            }
            // /etc/hosts, /etc/hostname, /etc/resolv.conf, bound from here by the spec the plan reads
            List<Path> files = launch.etcFiles().write(stateDir);
            cleanups.push(() -> EtcFiles.remove(files));
            planned = launch.etcFiles().addTo(spec, stateDir);
        }
        if (stateDir != null && launch.dieWithJvm()) {
            Path dir = stateDir;
            new OwnerRecord(Owner.self(), List.of()).write(dir);
            cleanups.push(() -> removeOwnerRecord(dir));
            ownerRecordDir = dir;
        }
        if (spec.linux() != null) {
            CgroupLayout layout = CgroupLayout.detect();
            String path = spec.linux().cgroupsPath();
            boolean belowJvm = path == null || !path.startsWith("/");
            Resources resources = ResourceMapping.withContainerDevices(
                    ResourceMapping.toCgroups(spec.linux().resources()), spec.linux().devices());
            boolean rootless = Rootless.active();
            if (rootless) {
                // no device rules: the kernel refuses mknod in a user namespace, and the devices
                // controller and device programs need CAP_SYS_ADMIN of the host (Rootless)
                resources = Rootless.withoutDevices(resources);
            }
            Optional<Rootless.Undelegated> undelegated = rootless && belowJvm ? Rootless.undelegated(layout)
                    : Optional.empty();
            if (undelegated.isPresent()) {
                withoutCgroup(resources, undelegated.get());
            } else {
                CgroupLayout own = cgroupLayout(layout, belowJvm);
                CgroupsPath cgroupsPath = CgroupsPath.parse(path);
                Resources limits = resources;
                // v1: a directory and its writes in every hierarchy, made while this thread plans
                // from the directories they will be (v2: one directory, opened by the clone; a
                // cgroup mount: the planner reads the directories it binds)
                java.util.Map<String, Path> dirs = mountsCgroup(spec) ? java.util.Map.of()
                        : Cgroups.v1Directories(own, cgroupsPath, id);
                pendingCgroup = dirs.isEmpty() ? null : CgroupSetup.start(() -> makeCgroup(own, cgroupsPath, limits));
                if (pendingCgroup == null) {
                    adoptCgroup(makeCgroup(own, cgroupsPath, limits), limits);
                } else {
                    plannedCgroup = Cgroups.v1Planned(dirs);
                    pendingLimits = limits;
                }
            }
        }
        ContainerPlan p;
        try {
            stdio = ContainerPlanner.wantsTerminal(spec) ? ContainerPlanner.openTerminal(spec)
                    : Stdio.open(launch.stdin(), launch.stdout(), launch.stderr(), launch.redirectErrorStream());
            Stdio s = stdio;
            cleanups.push(s::close);
            plan = ContainerPlanner.plan(planned, bundle, cgroup != null ? cgroup : plannedCgroup, stdio,
                    launch.dieWithJvm(), waitDirectory, preserveFds, childOverlay());
            p = plan;
            ContainerPlan made = p;
            cleanups.push(() -> failIfLeft("mount points", made.removeCreatedPaths()));
            cleanups.push(made::close);
        } catch (IOException | RuntimeException | Error e) {
            // the cgroup being made is removed with the rest: wait for it, then undo takes it
            try {
                adoptPendingCgroup();
            } catch (IOException | RuntimeException | Error other) {
                e.addSuppressed(other);
            }
            throw e;
        }
        adoptPendingCgroup();
        if (LOG.isDebugEnabled()) {
            LOG.debug("container {} plan:\n{}", id, p.render());
        }
        handshake = Spawner.get().start(p.program(), p.options());
        Handshake h = handshake;
        cleanups.push(h::close);
        pid = h.process().pid();
        stdio.closeChildEnds();
        p.configureWaitingChild(h);
        if (ContainerPlanner.hasCreateContainerPause(planned)) {
            // the init waits before pivot_root, in all its namespaces: the hooks join them
            h.awaitStage();
            long initPid = pid;
            List<Path> dirs = cgroup == null ? List.of() : List.copyOf(cgroup.directories().values());
            HookRunner.runInContainer("createContainer", Absent.list(spec.hooks().createContainer()), state(),
                    () -> ContainerExec.of(this, initPid, h.process()::isAlive, dirs, launch.dieWithJvm(), io -> { }));
            h.release();
        }
        h.awaitStage();
        p.takeTerminal(h, stdio);
        // the init now waits for start and cannot exit unless killed: the handle names this very
        // process, and ContainerProcess.toHandle() can give it out after the exit too
        initHandle = ProcessHandle.of(pid).orElseThrow(() -> new IOException("the container's init " + pid
                + " died while it was being created"));
        if (forwarder != null) {
            // the init's network namespace (its own or the joined one), pinned by the thread that enters it
            ProcessHandle init = initHandle;
            forwarder.start(Path.of("/proc", Long.toString(pid), "ns", "net"), init::isAlive);
        }
        if (pastaPorts != null) {
            // before start: the command's first packet finds its interface up
            List<Pasta.Forward> forwards = pastaPorts.stream().map(m -> new Pasta.Forward(m.protocol().label(),
                    m.hostIp(), m.hostPort(), m.containerPort())).toList();
            Pasta pasta = Pasta.start(pid, Rootless.active(), forwards, pastaDir);
            cleanups.push(pasta::close);
        }
        HookRunner.run("prestart", spec.hooks() == null ? List.of() : Absent.list(spec.hooks().prestart()), state(), bundle);
        HookRunner.run("createRuntime", spec.hooks() == null ? List.of() : Absent.list(spec.hooks().createRuntime()), state(), bundle);
    }

    /** {@code ports} with a free host port for each that asks for one (host port 0), for pasta, which takes no 0. */
    private static List<PortMapping> hostPortsChosen(List<PortMapping> ports) throws IOException {
        List<PortMapping> chosen = new java.util.ArrayList<>();
        for (PortMapping m : ports) {
            int host = m.hostPort() != 0 ? m.hostPort() : Pasta.freePort(m.protocol().label(), m.hostIp());
            chosen.add(new PortMapping(m.hostIp(), host, m.containerPort(), m.protocol()));
        }
        return List.copyOf(chosen);
    }

    /**
     * A rootless container on a host that delegated this user no cgroup: it runs without one when
     * it sets no limit, or only the builder's defaults, or the caller chose to drop limits (each
     * dropped one is {@linkplain #droppedLimits() reported}); otherwise one line says what to do.
     */
    private void withoutCgroup(Resources resources, Rootless.Undelegated undelegated) throws IOException {
        List<String> limits = Rootless.limitsOf(resources);
        if (limits.isEmpty()) {
            return;
        }
        if (!launch.defaultLimitsOnly() && launch.onUnsupported() == OnUnsupported.FAIL) {
            throw undelegated.refusal(limits);
        }
        droppedWithoutCgroup = limits.stream().map(l -> l + " (no delegated cgroup: " + undelegated.file()
                + " is not writable)").toList();
        if (!launch.defaultLimitsOnly()) {
            LOG.warn("container {}: limits dropped, this user has no delegated cgroup: {}", id, limits);
        } else {
            LOG.debug("container {}: the default limits {} dropped, this user has no delegated cgroup", id, limits);
        }
    }

    /** The v1 cgroup {@link CgroupSetup} is making for this container, until {@link #adoptPendingCgroup}. */
    private java.util.concurrent.Future<Cgroup> pendingCgroup;
    private Cgroup plannedCgroup;
    private Resources pendingLimits;

    /** Whether the spec mounts a cgroup file system in the container (a bind of the container's cgroup directories on v1). */
    private static boolean mountsCgroup(Spec spec) {
        for (dev.gatun.oci.Mount m : Absent.list(spec.mounts())) {
            if ("cgroup".equals(m.type()) || "cgroup2".equals(m.type())) {
                return true;
            }
        }
        return false;
    }

    /** Waits for the cgroup being made, if one is, and makes it the container's (its removal on the cleanups). */
    private void adoptPendingCgroup() throws IOException {
        java.util.concurrent.Future<Cgroup> pending = pendingCgroup;
        if (pending == null) {
            return;
        }
        Resources limits = pendingLimits;
        pendingCgroup = null;
        plannedCgroup = null;
        pendingLimits = null;
        adoptCgroup(CgroupSetup.await(pending), limits);
    }

    /** {@code layout} as this container's cgroup is made in it: below the JVM's own, the sentinel's per-JVM directory. */
    private CgroupLayout cgroupLayout(CgroupLayout layout, boolean belowJvm) throws IOException {
        if (belowJvm) {
            // on pure v2 the JVM's own cgroup must hold no process to delegate controllers
            layout = JvmCgroup.forContainers(layout);
        }
        if (launch.dieWithJvm() && belowJvm && layout.unifiedMount().isPresent()) {
            // below the per-JVM directory the sentinel kills when the JVM dies (an absolute
            // cgroupsPath is the caller's to honour as given)
            Optional<String> parent = Sentinel.unifiedParent(layout);
            if (parent.isPresent()) {
                layout = layout.withUnifiedPath(parent.get());
            }
        }
        return layout;
    }

    /** Makes the container's cgroup with its limits; nothing else (any thread). */
    private Cgroup makeCgroup(CgroupLayout layout, CgroupsPath path, Resources resources) throws IOException {
        try {
            return Cgroups.create(layout, path, id, resources, launch.onUnsupported());
        } catch (AccessDeniedException e) {
            // the usual reason: a JVM that does not run as root, on a host that delegated it no cgroup
            AccessDeniedException clear = new AccessDeniedException(e.getFile(), null,
                    "cannot create the container's cgroup (" + (e.getReason() == null ? "permission denied"
                            : e.getReason()) + "): it needs root, or a cgroup delegated to this user "
                            + "($.linux.cgroupsPath inside it)");
            clear.initCause(e);
            throw clear;
        }
    }

    /** Makes {@code c} the container's cgroup: its removal on the cleanups, the owner record, v2 device rules. */
    private void adoptCgroup(Cgroup c, Resources resources) throws IOException {
        cgroup = c;
        // killAll and delete, the delete even when killAll cannot read the cgroup (out of fds,
        // say): rmdir needs no fd, and an empty cgroup (a failed create's) goes
        cleanups.push(c::destroy);
        if (ownerRecordDir != null) {
            new OwnerRecord(Owner.self(), List.copyOf(new java.util.LinkedHashSet<>(c.directories().values())))
                    .write(ownerRecordDir);
        }
        if (c.version() == CgroupVersion.V2 && !resources.devices().isEmpty()) {
            // v2 has no devices files: the rules are an eBPF program, in force before the
            // child is cloned into the cgroup
            DeviceCgroup.attach(c.directories().get(""), resources.devices());
        }
        if (!c.droppedLimits().isEmpty()) {
            LOG.warn("container {}: limits this host cannot enforce were dropped: {}", id, c.droppedLimits());
        }
    }

    /**
     * A detached create's end: the init execs the waiter (the JVM's part of the handshake is
     * over), then this JVM lets go of everything but the cgroup, which the container keeps. A
     * failure here is create's, and undoes it all.
     */
    private void handOff() throws IOException {
        if (stdio.isTerminal()) {
            if (consoleSocket == null) {
                throw new InvalidSpecException("container configuration", List.of(new ValidationError("$.process.terminal",
                        "a detached container's terminal needs a console socket to send its master to")));
            }
            dev.gatun.core.io.ConsoleSocket.send(consoleSocket, stdio.terminalMaster());
        }
        handshake.release();
        handshake.awaitStage(); // past its wait (ContainerPlanner), so the waiter's exec is what ends the error pipe
        SpawnedProcess waiter = handshake.awaitExec();
        applyOomScoreAdj(waiter, spec.process().oomScoreAdj());
        initExit = waiter.onExit().thenApply(dev.gatun.core.spawn.ExitStatus::exitValue);
        handedOff = true;
        // the fds only: the cgroup and the mount points are the container's now
        Handshake h = handshake;
        ContainerPlan p = plan;
        Stdio s = stdio;
        cleanups.clear();
        handshake = null;
        plan = null;
        IOException first = null;
        for (AutoCloseable c : List.<AutoCloseable>of(h, p, s)) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = new IOException("container " + id + ": closing the creating JVM's fds failed", e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private boolean handedOff;
    private java.util.concurrent.CompletableFuture<Integer> initExit;

    /**
     * For a {@linkplain #detached(Path) detached} container, in the JVM that created it (its
     * init's parent until this JVM exits): the init's exit value ({@code $?}: the code, or 128 +
     * the signal), once it exits — what {@code gatun run} without {@code -d} waits for.
     *
     * @throws ContainerStateException unless this is a detached container after its create
     */
    public java.util.concurrent.CompletableFuture<Integer> detachedInitExit() {
        synchronized (lock) {
            if (initExit == null) {
                throw new ContainerStateException("detachedInitExit", id, status, "created detached");
            }
            return initExit;
        }
    }

    private void refuseHandedOff(String operation) {
        if (handedOff) {
            throw new ContainerStateException(operation, id, status, "not detached (this container was handed off "
                    + "at create; its state lives in " + waitDirectory + ")");
        }
    }

    /**
     * Lets the created init exec the command.
     *
     * @return the running init
     * @throws ContainerStateException unless the container is created
     * @throws IOException when exec failed (e.g. the program is not executable); the container is
     *     then stopped
     */
    public ContainerProcess start() throws IOException {
        synchronized (lock) {
            refuseHandedOff("start");
            if (!status.canStart()) {
                throw new ContainerStateException("start", id, status, "created");
            }
            SpawnedProcess spawned = null;
            try {
                runStartContainerHooks();
                handshake.release();
                // the init says it got past its wait; one killed while it waited (its death perhaps
                // still under way) never does, where the end of its error pipe alone would look like an exec
                handshake.awaitStage();
                spawned = handshake.awaitExec();
                applyOomScoreAdj(spawned, spec.process().oomScoreAdj());
            } catch (IOException | RuntimeException e) {
                status = ContainerStatus.STOPPED;
                IOException died = spawned == null ? diedBeforeStart(e) : null;
                if (died != null) {
                    throw died;
                }
                throw e;
            } finally {
                plan.close();
            }
            process = new ContainerProcess(this, spawned, stdio, initHandle);
            status = ContainerStatus.RUNNING;
            spawned.onExit().thenRun(() -> {
                synchronized (lock) {
                    if (status == ContainerStatus.RUNNING) {
                        status = ContainerStatus.STOPPED;
                    }
                }
            });
        }
        HookRunner.run("poststart", spec.hooks() == null ? List.of() : Absent.list(spec.hooks().poststart()), state(), bundle);
        return process;
    }

    /**
     * The startContainer hooks, in the created container's namespaces before its command runs. A
     * failure stops the container (its init is killed) and is start's failure, as the runtime
     * spec says.
     */
    private void runStartContainerHooks() throws IOException {
        if (spec.hooks() == null || Absent.list(spec.hooks().startContainer()).isEmpty()) {
            return;
        }
        List<Path> dirs = cgroup == null ? List.of() : List.copyOf(cgroup.directories().values());
        Handshake h = handshake;
        try {
            HookRunner.runInContainer("startContainer", Absent.list(spec.hooks().startContainer()), state(),
                    () -> ContainerExec.of(this, pid, h.process()::isAlive, dirs, launch.dieWithJvm(), s -> { }));
        } catch (IOException | RuntimeException e) {
            h.process().kill();
            exitWithin(h.process(), 5000); // stopped means the init is gone
            throw new StartHookException("cannot start container " + id + ": " + e.getMessage(), e);
        }
    }

    /** A startContainer hook's failure: start's error as it is, not an init that died on its own. */
    private static final class StartHookException extends IOException {
        private static final long serialVersionUID = 1L;

        StartHookException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * {@code e} as start reports it: when the created init is gone (killed while it waited, say),
     * the release write fails with a bare EPIPE; say instead whose death it was and how it died.
     * Null for a step failure (it names its step already) and while the init lives.
     */
    private IOException diedBeforeStart(Exception e) {
        if (e instanceof dev.gatun.core.spawn.StepFailedException || e instanceof StartHookException) {
            return null;
        }
        // not dead within a second: the error is about something else
        return exitWithin(handshake.process(), 1000).map(exit -> new IOException("cannot start container " + id
                + ": its created init " + pid + " died before start (" + exit + ")", e)).orElse(null);
    }

    /**
     * Writes {@code process.oomScoreAdj} for the init, now that it has exec'd into a memory of its
     * own. Not before: until exec the init shares the JVM's memory, and the kernel copies an
     * {@code oom_score_adj} write to every process sharing the writer's memory, so the JVM would
     * get the container's score. Processes the container forks in the moment between its exec and
     * this write keep the JVM's score. A write the kernel refuses stops the container.
     */
    static void applyOomScoreAdj(SpawnedProcess init, Integer adj) throws IOException {
        if (adj == null) {
            return;
        }
        Path file = Path.of("/proc", Long.toString(init.pid()), "oom_score_adj");
        try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.WRITE)) {
            // opened while the pidfd says the init lives: the file is the init's, not a reused pid's
            if (!init.signal(0)) {
                return;
            }
            out.write(java.nio.ByteBuffer.wrap(adj.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        } catch (java.nio.file.NoSuchFileException e) {
            // exited already, and reaped: nothing left to adjust
        } catch (IOException e) {
            // ESRCH: exiting, its memory gone; a program that ends at once gets here
            if (exitWithin(init, 200).isPresent()) {
                return;
            }
            if (init.isAlive()) {
                init.kill();
                throw new IOException("process.oomScoreAdj: cannot write " + adj + " to " + file + ": " + e, e);
            }
        }
    }

    /** How {@code p} exited, if it does within {@code millis}. */
    private static Optional<dev.gatun.core.spawn.ExitStatus> exitWithin(SpawnedProcess p, long millis) {
        try {
            return Optional.of(p.onExit().get(millis, TimeUnit.MILLISECONDS));
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** {@link #create()} then {@link #start()}; on failure everything is removed again. */
    public ContainerProcess run() throws IOException {
        create();
        try {
            return start();
        } catch (IOException | RuntimeException e) {
            try {
                delete();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The running (or finished) init process. */
    public ContainerProcess process() {
        synchronized (lock) {
            if (process == null) {
                throw new ContainerStateException("process", id, status, "started");
            }
            return process;
        }
    }

    /**
     * Starts {@code command} in this running container, beside its init, with pipes for its stdio
     * ({@link ContainerProcess#getInputStream()} and so on), as the container's process runs:
     * same user, environment, working directory, capabilities and seccomp filter, in all its
     * namespaces and its cgroup. {@link #execBuilder(String...)} changes any of that.
     *
     * @throws ContainerStateException unless the container is running
     * @throws IOException when the command cannot be started (not found inside: the message says so)
     */
    public ContainerProcess exec(String... command) throws IOException {
        return execBuilder(command).start();
    }

    /**
     * A process to start in this running container: {@code container.execBuilder("sh").terminal(true).start()}.
     * It is checked and started by {@link ContainerExec#start()}; its pipes are closed by
     * {@link #delete()} at the latest.
     *
     * @throws ContainerStateException unless the container is running
     */
    public ContainerExec execBuilder(String... command) {
        synchronized (lock) {
            refuseHandedOff("exec");
            syncStatus();
            if (status != ContainerStatus.RUNNING) {
                throw new ContainerStateException("exec", id, status, "running");
            }
            SpawnedProcess init = process.spawned();
            List<Path> cgroups = cgroup == null ? List.of() : List.copyOf(cgroup.directories().values());
            ContainerExec exec = ContainerExec.of(this, init.pid(), init::isAlive, cgroups, launch.dieWithJvm(), s -> {
                synchronized (lock) {
                    cleanups.push(s::close);
                }
            });
            return command.length == 0 ? exec : exec.command(command);
        }
    }

    /**
     * Sends {@code signal} to the init.
     *
     * @throws ContainerStateException unless the container is created or running
     */
    public void kill(int signal) throws IOException {
        synchronized (lock) {
            refuseHandedOff("kill");
            syncStatus();
            if (!status.canKill()) {
                throw new ContainerStateException("kill", id, status, "created or running");
            }
            if (process != null) {
                process.signal(signal);
            } else {
                handshake.process().signal(signal);
            }
        }
    }

    /** The OCI state: id, status, pid, bundle, annotations. */
    public State state() {
        synchronized (lock) {
            syncStatus();
            return new State(SpecVersion.CURRENT, id, status == ContainerStatus.NEW ? "creating" : status.ociName(),
                    // the prestart and createRuntime hooks run while creating and need the pid
                    // (to join the init's network namespace, say), as runc gives it them
                    status == ContainerStatus.CREATED || status == ContainerStatus.RUNNING
                            || (status == ContainerStatus.CREATING && pid > 0) ? (int) pid : null,
                    bundle.toString(), Absent.map(spec.annotations()).isEmpty() ? null : spec.annotations());
        }
    }

    /** Usage counters from the container's cgroup. */
    public CgroupStats stats() throws IOException {
        synchronized (lock) {
            if (cgroup == null) {
                throw new ContainerStateException("stats", id, status, "created with a cgroup");
            }
            return cgroup.stats();
        }
    }

    /** The container's cgroup (absent before create and after delete, or when the spec has no linux section). */
    public java.util.Optional<Cgroup> cgroup() {
        synchronized (lock) {
            return java.util.Optional.ofNullable(cgroup);
        }
    }

    /** The limits this host could not enforce and that were dropped (see {@link ContainerBuilder#dropUnsupportedLimits}). */
    public List<String> droppedLimits() {
        synchronized (lock) {
            return cgroup == null ? droppedWithoutCgroup : cgroup.droppedLimits();
        }
    }

    /**
     * Removes a stopped container: kills anything left in its cgroup, removes the cgroup, the
     * mount points it made and its directory; runs the poststop hooks.
     *
     * @throws ContainerStateException when the container is created or running (kill it first)
     */
    public void delete() throws IOException {
        State stopped;
        synchronized (lock) {
            if (status == ContainerStatus.NEW) {
                return;
            }
            refuseHandedOff("delete");
            syncStatus();
            if (!status.canDelete()) {
                throw new ContainerStateException("delete", id, status, "stopped");
            }
            stopped = state();
            try {
                undo(null);
            } finally {
                status = ContainerStatus.NEW;
                cgroup = null;
                ExitHook.unregister(this);
            }
        }
        // the state of the container that was deleted ("stopped"), not of the new one it is now
        HookRunner.run("poststop", spec.hooks() == null ? List.of() : Absent.list(spec.hooks().poststop()),
                stopped, bundle);
    }

    /**
     * Stops and deletes: a created container's init is killed; a running one gets SIGTERM and,
     * after the stop timeout, SIGKILL; then {@link #delete()}.
     */
    @Override
    public void close() throws IOException {
        ContainerProcess p;
        synchronized (lock) {
            if (status == ContainerStatus.NEW || handedOff) {
                return;
            }
            if (status == ContainerStatus.CREATED) {
                handshake.process().kill();
                try {
                    handshake.process().onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IOException("the created init " + pid + " did not die after SIGKILL", e);
                }
                status = ContainerStatus.STOPPED;
            }
            p = process;
        }
        if (p != null && p.isAlive()) {
            p.destroy();
            try {
                if (!p.waitFor(launch.stopTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    awaitInitExit(p);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        synchronized (lock) {
            if (status == ContainerStatus.RUNNING) {
                // the exit callback runs on the reaper thread; it has, or is about to
                status = ContainerStatus.STOPPED;
            }
        }
        delete();
    }

    /** Waits {@value #KILL_WAIT_SECONDS} s for the init to die of a SIGKILL already sent; an error names it. */
    private void awaitInitExit(ContainerProcess p) throws IOException, InterruptedException {
        if (!p.waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS)) {
            throw new IOException("container " + id + ": its init " + p.pid() + " is alive " + KILL_WAIT_SECONDS
                    + " s after SIGKILL (frozen, or in an uninterruptible sleep)");
        }
    }

    private static final long KILL_WAIT_SECONDS = 10;

    /**
     * For the JVM's orderly exit ({@link ExitHook}): SIGKILL to the init (no stop timeout: the JVM
     * is going) and to whatever else is in the cgroup, then {@link #delete()}.
     */
    void destroyAtExit() throws IOException, InterruptedException {
        ContainerProcess p;
        synchronized (lock) {
            syncStatus();
            if (status == ContainerStatus.NEW) {
                return;
            }
            p = process;
            if (status == ContainerStatus.CREATED) {
                close(); // kills the waiting init (bounded) and deletes
                return;
            }
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
        }
        if (p != null) {
            awaitInitExit(p);
        }
        synchronized (lock) {
            if (status == ContainerStatus.RUNNING) {
                status = ContainerStatus.STOPPED;
            }
        }
        delete(); // kills what the init left in the cgroup, then removes it all
    }

    /**
     * The last cleanup of the state directory: the owner record goes once the cgroup directories
     * it lists are gone. If one is still there (its delete failed), the record stays, so that a
     * sweep removes it once this JVM is dead.
     */
    private void removeOwnerRecord(Path dir) throws IOException {
        Optional<OwnerRecord> r = OwnerRecord.read(dir);
        List<Path> stillThere = r.map(OwnerRecord::cgroups).orElse(List.of()).stream().filter(Files::exists).toList();
        if (!stillThere.isEmpty()) {
            throw new IOException("container " + id + ": cgroup directories " + stillThere + " remain; "
                    + dir.resolve(OwnerRecord.FILE) + " stays for the sweep after this JVM's exit");
        }
        OwnerRecord.delete(dir);
        ownerRecordDir = null;
    }

    /**
     * The host port that carries {@code containerPort} over TCP ({@link ContainerBuilder#publish(int, int)}):
     * the one the kernel picked for a host port of 0.
     *
     * @throws ContainerStateException unless the container is created, running or stopped (not yet deleted)
     * @throws IllegalArgumentException when {@code containerPort} is not published over TCP
     */
    public int mappedPort(int containerPort) {
        return mappedPort(containerPort, PortMapping.Protocol.TCP);
    }

    /** The host port that carries {@code containerPort} over {@code protocol}; see {@link #mappedPort(int)}. */
    public int mappedPort(int containerPort, PortMapping.Protocol protocol) {
        return ports().stream().filter(m -> m.containerPort() == containerPort && m.protocol() == protocol)
                .mapToInt(PortMapping::hostPort).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("mappedPort: container port " + containerPort + "/"
                        + protocol.label() + " is not published (published: " + launch.publishing().ports() + ")"));
    }

    /**
     * The published ports as bound, host ports chosen by the kernel filled in.
     *
     * @throws ContainerStateException before create and after delete, when no port is bound
     */
    public List<PortMapping> ports() {
        synchronized (lock) {
            if (launch.publishing().ports().isEmpty()) {
                return List.of();
            }
            if (pastaPorts != null && status.canKill()) {
                return pastaPorts;
            }
            if (forwarder == null) {
                throw new ContainerStateException("ports", id, status, "created");
            }
            return forwarder.mappings();
        }
    }

    /**
     * Runs {@code task} on a fresh platform thread inside this container's network namespace and
     * returns its result: a socket the task opens lives in the container's network (its
     * {@code 127.0.0.1}, its ports). The thread is discarded afterwards, never reused.
     *
     * @throws ContainerStateException unless the container is created or running
     * @throws java.util.concurrent.ExecutionException wrapping what the task threw
     */
    public <T> T callInNetworkNamespace(java.util.concurrent.Callable<T> task)
            throws IOException, java.util.concurrent.ExecutionException, InterruptedException {
        long target;
        synchronized (lock) {
            if (!status.canKill()) {
                throw new ContainerStateException("callInNetworkNamespace", id, status, "created or running");
            }
            target = pid;
        }
        return dev.gatun.core.ns.NetworkNamespaces.call(target, task);
    }

    @Override
    public String toString() {
        return "Container[" + id + ", " + status() + "]";
    }

    /** Runs the cleanups in reverse order; the first failure is thrown, or added to {@code cause}. */
    private void undo(Throwable cause) throws IOException {
        IOException first = null;
        while (!cleanups.isEmpty()) {
            Cleanup c = cleanups.pop();
            try {
                c.run();
            } catch (Exception e) {
                if (cause != null) {
                    cause.addSuppressed(e);
                } else if (first == null) {
                    first = e instanceof IOException io ? io : new IOException("cleanup failed: " + e.getMessage(), e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        handshake = null;
        plan = null;
        if (first != null) {
            throw first;
        }
    }

    private static void failIfLeft(String what, List<Path> left) throws IOException {
        if (!left.isEmpty()) {
            throw new IOException("could not remove " + what + ": " + left);
        }
    }
}
