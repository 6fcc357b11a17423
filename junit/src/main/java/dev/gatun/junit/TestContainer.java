package dev.gatun.junit;

import dev.gatun.core.ContainerBuilder;
import dev.gatun.core.ContainerProcess;
import dev.gatun.core.NetworkMode;
import dev.gatun.images.Image;
import dev.gatun.images.ImageSource;
import dev.gatun.images.ImageStore;
import dev.gatun.images.Platform;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A container for a test: a small fluent wrapper over {@link dev.gatun.core.Container#builder()},
 * in the spirit of Testcontainers' {@code GenericContainer}.
 *
 * <p>Settings and their defaults:
 * <ul>
 *   <li>the root: {@link #sandbox()} (the host's {@code /usr} and friends read-only, a private
 *       {@code /tmp}), {@link #image(Path)} (an OCI image layout or a {@code docker save}
 *       archive, unpacked into the {@link #imageStore(Path) image store} and given a writable
 *       layer of the container's own) or {@link #rootfs(Path)} (a directory, used as it is);
 *   <li>{@link #imageStore(Path)}: {@link ImageStore#defaultLocation()};
 *   <li>{@link #command(String...)}: an image's entrypoint and cmd; required on the other roots;
 *   <li>{@link #env(String, String)}: none beyond Gatun's {@code PATH} and {@code HOME} (and an image's {@code Env});
 *   <li>{@link #withExposedPort(int)}: none; each is published on a free port of the host's
 *       {@code 127.0.0.1} ({@link #mappedPort(int)}), through the JVM's forwarder as root and
 *       through pasta otherwise;
 *   <li>{@link #withFile(Path, String)}: none; each file is copied into a directory of this
 *       container's own and bound read-only, so later changes on the host are not seen; the
 *       copies are unlinked once the container runs (its binds keep them), so a JVM killed
 *       mid-test leaves none;
 *   <li>{@link #waitingFor(WaitStrategy)}: none ({@link #start()} returns once the init runs);
 *   <li>{@link #logConsumer(Consumer)}: none; every line of stdout and stderr also goes to the
 *       SLF4J logger {@code dev.gatun.junit.container.<id>} at INFO, and into {@link #logs()}.
 * </ul>
 *
 * <p>{@link #execInContainer(String...)} runs a command beside the init (core's
 * {@code Container.exec}) and returns its exit code and output; the wait strategies
 * {@link Wait#forSuccessfulCommand} and {@link Wait#forHealthcheck} use it.
 *
 * <p>No container survives the JVM: Gatun's sentinel kills what is left if the JVM dies without
 * stopping it; there is no helper container (no Ryuk).
 *
 * <p>Null arguments are rejected. Thread-safe: every method may be called from any thread;
 * {@link #start()} and {@link #stop()} are serialized.
 */
public final class TestContainer implements AutoCloseable {

    private static final AtomicLong COUNTER = new AtomicLong();
    private static final String ID_PREFIX = "junit" + ProcessHandle.current().pid() + "-";

    private final Path rootfs; // null: the sandbox root, or the image
    private final Path image; // an OCI layout or docker archive, or null
    private Path imageStore;
    private final List<String> command = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<Integer> exposedPorts = new ArrayList<>();
    private final Map<String, Path> files = new LinkedHashMap<>();
    private final List<Consumer<String>> consumers = new CopyOnWriteArrayList<>(); // read by the pump while start() waits
    private final List<String> logLines = new ArrayList<>(); // also the monitor the pump signals
    private boolean outputEnded; // guarded by logLines
    private final String id = ID_PREFIX + COUNTER.incrementAndGet();
    private final Logger logger = LoggerFactory.getLogger("dev.gatun.junit.container." + id);
    private WaitStrategy waitStrategy;
    private dev.gatun.images.ImageConfig.Healthcheck healthcheck; // the image's, once started from one

    private dev.gatun.core.Container container; // non-null while started
    private Thread logPump;
    private Path fileDir;

    private TestContainer(Path rootfs, Path image) {
        this.rootfs = rootfs;
        this.image = image;
    }

    /** A container on the sandbox root: the host's {@code /usr} and friends read-only, a private {@code /tmp}. */
    public static TestContainer sandbox() {
        return new TestContainer(null, null);
    }

    /** A container on {@code directory}, an unpacked image used as it is (writes go to it). */
    public static TestContainer rootfs(Path directory) {
        return new TestContainer(Objects.requireNonNull(directory, "rootfs"), null);
    }

    /**
     * A container of the image at {@code source}: an OCI image layout (a directory; the manifest
     * for this JVM's platform) or a {@code docker save} archive (a file). Read and unpacked into
     * the {@link #imageStore(Path) store} at {@link #start()}; its config gives the command,
     * environment, working directory and user that this container does not set
     * ({@link ContainerBuilder#image(Image, ImageStore)}).
     */
    public static TestContainer image(Path source) {
        return new TestContainer(null, Objects.requireNonNull(source, "image"));
    }

    /** Where {@link #image(Path)} is unpacked: a content-addressed store, kept after the test for the next one. */
    public synchronized TestContainer imageStore(Path directory) {
        if (image == null) {
            throw new IllegalStateException("imageStore: container " + id + " has no image (TestContainer.image)");
        }
        this.imageStore = Objects.requireNonNull(directory, "imageStore");
        return this;
    }

    /** The container's id, {@code junit<pid>-<n>}: fixed at construction, unique in this JVM. */
    public String id() {
        return id;
    }

    /** The command the init runs: its path inside the container, then its arguments. */
    public synchronized TestContainer command(String... command) {
        this.command.clear();
        this.command.addAll(List.of(command));
        return this;
    }

    /** Sets one environment variable. */
    public synchronized TestContainer env(String name, String value) {
        env.put(Objects.requireNonNull(name, "env name"), Objects.requireNonNull(value, "env value"));
        return this;
    }

    /** Publishes TCP {@code containerPort} on a free port of the host's loopback: {@link #mappedPort(int)}. */
    public synchronized TestContainer withExposedPort(int containerPort) {
        if (containerPort < 1 || containerPort > 65535) {
            throw new IllegalArgumentException("withExposedPort: " + containerPort + " is not a port (1-65535)");
        }
        exposedPorts.add(containerPort);
        return this;
    }

    /** Copies host file {@code hostFile} to {@code containerPath} (absolute) when the container starts; read-only inside. */
    public synchronized TestContainer withFile(Path hostFile, String containerPath) {
        Objects.requireNonNull(hostFile, "withFile hostFile");
        if (!containerPath.startsWith("/")) {
            throw new IllegalArgumentException("withFile: container path \"" + containerPath + "\" must be absolute");
        }
        files.put(containerPath, hostFile);
        return this;
    }

    /** Adds a consumer of the output, one line (without its newline) at a time, on the log pump's thread. */
    public TestContainer logConsumer(Consumer<String> consumer) {
        consumers.add(Objects.requireNonNull(consumer, "logConsumer"));
        return this;
    }

    /** What {@link #start()} waits for before it returns. */
    public synchronized TestContainer waitingFor(WaitStrategy strategy) {
        this.waitStrategy = Objects.requireNonNull(strategy, "waitingFor");
        return this;
    }

    /**
     * Creates and starts the container, pumps its output, and waits as {@link #waitingFor} says.
     * On any failure the container is stopped before this throws.
     *
     * @throws IllegalStateException when already started
     * @throws WaitTimeoutException when the wait strategy gave up
     */
    public synchronized void start() throws IOException {
        if (container != null) {
            throw new IllegalStateException("start: container " + id + " is already started");
        }
        if (command.isEmpty() && image == null) {
            throw new IllegalArgumentException("start: container " + id + " has no command");
        }
        try {
            ContainerBuilder b = dev.gatun.core.Container.builder().id(id)
                    .stopTimeout(Duration.ofSeconds(2)).redirectErrorStream(true);
            if (rootfs != null) {
                b.rootfs(rootfs);
            }
            if (image != null) {
                Image img = Files.isDirectory(image) ? ImageSource.ociLayout(image, null, Platform.current())
                        : ImageSource.dockerArchive(image, null);
                b.image(img, ImageStore.open(imageStore != null ? imageStore : ImageStore.defaultLocation()));
                healthcheck = img.config().healthcheck();
            }
            if (!command.isEmpty()) {
                b.command(command);
            }
            env.forEach(b::env);
            if (!exposedPorts.isEmpty() && ProcessHandle.current().info().user().map(u -> !u.equals("root")).orElse(true)) {
                b.network(NetworkMode.pasta()); // none cannot publish from a JVM that is not root
            }
            exposedPorts.forEach(p -> b.publish(0, p));
            if (!files.isEmpty()) {
                fileDir = Files.createTempDirectory("gatun-junit-" + id + "-");
                int n = 0;
                for (Map.Entry<String, Path> f : files.entrySet()) {
                    Path copy = fileDir.resolve(Integer.toString(n++));
                    Files.copy(f.getValue(), copy, StandardCopyOption.REPLACE_EXISTING);
                    b.bind(copy, f.getKey(), true);
                }
            }
            container = b.build();
            ContainerProcess process = container.run();
            // the binds hold the copies now: removed at once, a JVM killed from here on leaves none
            removeFileCopies();
            // a platform thread, one per container: it spends its life in a read
            synchronized (logLines) {
                logLines.clear(); // a container started again shows this run's output
                outputEnded = false;
            }
            logPump = Thread.ofPlatform().daemon().name("gatun-junit-logs-" + id).start(() -> pump(process));
            if (waitStrategy != null) {
                waitStrategy.waitUntilReady(this);
            }
        } catch (IOException | RuntimeException e) {
            try {
                stop();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void pump(ContainerProcess process) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String read; (read = r.readLine()) != null; ) {
                String line = read;
                logger.info("{}", line);
                consumers.forEach(c -> c.accept(line));
                synchronized (logLines) { // after the consumers: a wait that saw the line returns to a test whose consumers did too
                    logLines.add(line);
                    logLines.notifyAll(); // a waiting strategy looks again at once
                }
            }
        } catch (IOException e) {
            logger.debug("log pump of {} ended: {}", id, e.toString());
        } finally {
            synchronized (logLines) {
                outputEnded = true;
                logLines.notifyAll();
            }
        }
    }

    /** How many lines of output were read so far. */
    int outputLines() {
        synchronized (logLines) {
            return logLines.size();
        }
    }

    /**
     * Waits at most {@code max} for a line beyond the first {@code seen}, or the output's end:
     * a wait strategy's pause between checks, cut short by what it may be waiting for.
     */
    void awaitOutputBeyond(int seen, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (logLines) {
            for (long left; logLines.size() <= seen && !outputEnded && (left = deadline - System.nanoTime()) > 0; ) {
                logLines.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Stops and removes the container (its cgroup, mounts and copied files); does nothing when not started. */
    public synchronized void stop() throws IOException {
        try {
            if (container != null) {
                container.close();
            }
            if (logPump != null) {
                try {
                    logPump.join(Duration.ofSeconds(5)); // the output ends with the init
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            container = null;
            logPump = null;
            removeFileCopies();
        }
    }

    /** Removes the copies {@link #withFile} made for this start, if any. */
    private void removeFileCopies() throws IOException {
        if (fileDir != null) {
            try (var s = Files.list(fileDir)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(fileDir);
            fileDir = null;
        }
    }

    /** {@link #stop()}, for try-with-resources and JUnit's store. */
    @Override
    public void close() throws IOException {
        stop();
    }

    /** Whether the container is started and its init still runs. */
    public synchronized boolean isRunning() {
        return container != null && container.process().isAlive();
    }

    /** Waits at most {@code patience} for the end of the output (the init and all it started have closed it). */
    void awaitOutputEnd(Duration patience) {
        Thread pump;
        synchronized (this) {
            pump = logPump;
        }
        if (pump != null) {
            try {
                pump.join(patience);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The host port that carries {@code containerPort}. @throws IllegalStateException when not started */
    public synchronized int mappedPort(int containerPort) {
        return started("mappedPort").mappedPort(containerPort);
    }

    /** The first port given to {@link #withExposedPort}, for a wait strategy's default. */
    synchronized int firstExposedPort(String strategy) {
        if (exposedPorts.isEmpty()) {
            throw new IllegalStateException(strategy + ": container " + id + " exposes no port (withExposedPort)");
        }
        return exposedPorts.getFirst();
    }

    /** The host address published ports listen on: {@code "127.0.0.1"}. */
    public String host() {
        return "127.0.0.1";
    }

    /** Every line of output of the latest start so far, each followed by a newline. */
    public String logs() {
        StringBuilder s = new StringBuilder();
        synchronized (logLines) {
            logLines.forEach(l -> s.append(l).append('\n'));
        }
        return s.toString();
    }

    /** The last {@code n} lines of output so far. */
    public List<String> logTail(int n) {
        synchronized (logLines) {
            return List.copyOf(logLines.subList(Math.max(0, logLines.size() - n), logLines.size()));
        }
    }

    /** What {@link #execInContainer(String...)} returns: the exit code, stdout and stderr (UTF-8). */
    public record ExecResult(int exitCode, String stdout, String stderr) {}

    /**
     * Runs {@code command} in the running container, beside its init, as its process runs (user,
     * environment, security, namespaces, cgroup), with an empty stdin, and waits for it: the
     * Testcontainers call of the same name.
     *
     * @throws IllegalStateException when not started
     * @throws IOException when the command cannot be started (not found inside: the message says so)
     */
    public ExecResult execInContainer(String... command) throws IOException, InterruptedException {
        dev.gatun.core.Container c;
        synchronized (this) {
            c = started("execInContainer");
        }
        ContainerProcess p = c.exec(command);
        p.getOutputStream().close();
        java.util.concurrent.CompletableFuture<String> err = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (var in = p.getErrorStream()) {
                err.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                err.completeExceptionally(e);
            }
        });
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int code = p.waitFor();
        try {
            return new ExecResult(code, out, err.get());
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("execInContainer: reading stderr of " + String.join(" ", command), e.getCause());
        }
    }

    /** The healthcheck of the image this container was started from, or null (none, or not an image). */
    synchronized dev.gatun.images.ImageConfig.Healthcheck healthcheck() {
        return healthcheck;
    }

    /** The core container, for what this wrapper does not offer. @throws IllegalStateException when not started */
    public synchronized dev.gatun.core.Container container() {
        return started("container");
    }

    private dev.gatun.core.Container started(String operation) {
        if (container == null) {
            throw new IllegalStateException(operation + ": container " + id + " is not started");
        }
        return container;
    }

    @Override
    public String toString() {
        String root = image != null ? "image " + image : rootfs != null ? "rootfs " + rootfs : "sandbox root";
        return "TestContainer[" + id + ", " + root + ", " + (command.isEmpty() ? "the image's command" : command) + "]";
    }
}
