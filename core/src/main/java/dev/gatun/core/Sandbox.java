package dev.gatun.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One call to run a command that should not be trusted: in a default {@link Container} (its own
 * namespaces, no network, seccomp, Docker's capabilities, {@code no_new_privs}), on the host's
 * {@code /usr} read-only with a private {@code /tmp}, in the caller's working directory bound at
 * the same path (read-only unless made writable), under a timeout and memory and pids limits:
 *
 * <pre>{@code
 * SandboxResult r = Sandbox.run(List.of("python3", "script.py"),
 *         s -> s.timeout(Duration.ofSeconds(5)).memory("256m"));
 * if (r.timedOut() || r.oomKilled()) { ... }
 * System.out.print(r.stdoutText());
 * }</pre>
 *
 * <p>The result has the exit status, whether the timeout or the OOM killer ended it, stdout and
 * stderr (at most {@link Options#outputLimit(int) the output limit} each, the rest read and
 * dropped, truncation marked), the wall time, and the CPU time and peak memory of all its
 * processes from its cgroup. A JVM that is not root runs it rootless ({@link ContainerBuilder}):
 * without a delegated cgroup the default limits are dropped and listed in
 * {@link SandboxResult#droppedLimits()}, and limits set here are refused, as the builder does.
 *
 * <p>Also streaming ({@link #start}) and asynchronous ({@link #runAsync}). Thread-safe: each call
 * is its own container.
 */
public final class Sandbox {

    /** The timeout unless set. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** The memory limit unless set (no swap beyond it). */
    public static final String DEFAULT_MEMORY = "512m";
    /** The pids limit unless set. */
    public static final long DEFAULT_PIDS = 256;
    /** How much of stdout and of stderr each the result keeps unless set. */
    public static final int DEFAULT_OUTPUT_LIMIT = 1 << 20;

    private static final int SIGKILL = 9;

    private Sandbox() {}

    /** Runs {@code command} on the defaults and waits for it. */
    public static SandboxResult run(List<String> command) throws IOException, InterruptedException {
        return run(command, s -> { });
    }

    /**
     * Runs {@code command} with {@code options} and waits for it (at most the timeout, then it is
     * killed).
     *
     * @throws IOException when the sandbox cannot be made (the message names the setting or file)
     */
    public static SandboxResult run(List<String> command, Consumer<Options> options)
            throws IOException, InterruptedException {
        try (Running r = start(command, options)) {
            r.captureOutput();
            return r.await();
        }
    }

    /** {@link #run(List, Consumer)} on a virtual thread. */
    public static CompletableFuture<SandboxResult> runAsync(List<String> command, Consumer<Options> options) {
        CompletableFuture<SandboxResult> f = new CompletableFuture<>();
        Thread.ofVirtual().name("gatun-sandbox").start(() -> {
            try {
                f.complete(run(command, options));
            } catch (IOException | RuntimeException | Error e) {
                f.completeExceptionally(e);
            } catch (InterruptedException e) {
                f.completeExceptionally(e);
                Thread.currentThread().interrupt();
            }
        });
        return f;
    }

    /**
     * Starts {@code command} and returns at once: read {@link Running#process()}'s streams as it
     * writes, then {@link Running#await()} (whose result then holds no output). Close it to kill
     * and remove the sandbox.
     */
    public static Running start(List<String> command, Consumer<Options> options) throws IOException {
        Options o = new Options();
        options.accept(o);
        Container c = o.builder(command).build();
        try {
            ContainerProcess p = c.run();
            return new Running(c, p, o, System.nanoTime());
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The settings of one sandbox; every setter checks its argument at once. */
    public static final class Options {

        private Duration timeout = DEFAULT_TIMEOUT;
        private String memory;
        private Long pids;
        private Double cpus;
        private Path workingDirectory;
        private boolean writable;
        private final Map<String, String> env = new LinkedHashMap<>();
        private byte[] input = new byte[0];
        private int outputLimit = DEFAULT_OUTPUT_LIMIT;
        private final List<Object[]> binds = new ArrayList<>();

        Options() {}

        /** How long it may run before it is SIGKILLed (and {@link SandboxResult#timedOut()}). */
        public Options timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout: " + timeout + " must be positive");
            }
            this.timeout = timeout;
            return this;
        }

        /** The memory limit, as {@code "256m"} (no swap beyond it). */
        public Options memory(String size) {
            dev.gatun.cgroups.Resources.builder().memory(size); // checks the size, naming it
            this.memory = size;
            return this;
        }

        /** The most processes and threads it may have at once. */
        public Options pidsLimit(long limit) {
            if (limit < 1) {
                throw new IllegalArgumentException("pidsLimit: " + limit + " must be at least 1");
            }
            this.pids = limit;
            return this;
        }

        /** The CPU it may use, in CPUs ({@code 0.5} is half of one). */
        public Options cpus(double cpus) {
            dev.gatun.cgroups.Resources.builder().cpus(cpus);
            this.cpus = cpus;
            return this;
        }

        /** The directory it runs in, bound at the same path; the JVM's own unless set. */
        public Options workingDirectory(Path directory) {
            Path abs = directory.toAbsolutePath().normalize();
            if (!Files.isDirectory(abs)) {
                throw new IllegalArgumentException("workingDirectory: " + abs + " is not a directory");
            }
            if (abs.getParent() == null) {
                throw new IllegalArgumentException("workingDirectory: / would bind the host's whole file system");
            }
            this.workingDirectory = abs;
            return this;
        }

        /** Whether it may write to its working directory (default: read-only). */
        public Options writable(boolean writable) {
            this.writable = writable;
            return this;
        }

        /** An environment variable (besides {@code PATH}, {@code HOME=/tmp} and {@code TMPDIR=/tmp}). */
        public Options env(String name, String value) {
            if (name.isEmpty() || name.contains("=")) {
                throw new IllegalArgumentException("env: \"" + name + "\" is no variable name");
            }
            env.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        /** What it reads on stdin (default: nothing, end of file at once). */
        public Options input(byte[] bytes) {
            this.input = bytes.clone();
            return this;
        }

        /** How many bytes of stdout and of stderr each the result keeps. */
        public Options outputLimit(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("outputLimit: " + bytes + " must not be negative");
            }
            this.outputLimit = bytes;
            return this;
        }

        /** Binds another host path into the sandbox. */
        public Options bind(Path source, String destination, boolean readOnly) {
            if (!destination.startsWith("/")) {
                throw new IllegalArgumentException("bind destination: \"" + destination + "\" must be an absolute path");
            }
            binds.add(new Object[] {source.toAbsolutePath(), destination, readOnly});
            return this;
        }

        ContainerBuilder builder(List<String> command) {
            if (workingDirectory == null) {
                workingDirectory(Path.of("").toAbsolutePath());
            }
            ContainerBuilder b = Container.builder().command(command).cwd(workingDirectory.toString())
                    .bind(workingDirectory, workingDirectory.toString(), !writable)
                    .env("HOME", "/tmp").env("TMPDIR", "/tmp")
                    .redirectInput(input.length == 0 ? Redirect.from(new java.io.File("/dev/null")) : Redirect.PIPE)
                    .stopTimeout(Duration.ZERO);
            env.forEach(b::env);
            for (Object[] bind : binds) {
                b.bind((Path) bind[0], (String) bind[1], (Boolean) bind[2]);
            }
            boolean asked = memory != null || pids != null || cpus != null;
            b.resources(r -> {
                r.memory(memory != null ? memory : DEFAULT_MEMORY).memorySwap(memory != null ? memory : DEFAULT_MEMORY)
                        .pidsLimit(pids != null ? pids : DEFAULT_PIDS);
                if (cpus != null) {
                    r.cpus(cpus);
                }
            });
            // the defaults may go where a non-root JVM has no delegated cgroup; what was asked for may not
            return b.limitsAreDefaults(!asked);
        }
    }

    /** A started sandbox: its process, and its result once it ends. Close it to kill and remove it. */
    public static final class Running implements AutoCloseable {

        private final Container container;
        private final ContainerProcess process;
        private final Options options;
        private final long startNanos;
        private CompletableFuture<Capture> stdout;
        private CompletableFuture<Capture> stderr;

        private Running(Container container, ContainerProcess process, Options options, long startNanos) {
            this.container = container;
            this.process = process;
            this.options = options;
            this.startNanos = startNanos;
            if (options.input.length > 0) {
                Thread.ofVirtual().name("gatun-sandbox-stdin").start(() -> {
                    try (OutputStream in = process.getOutputStream()) {
                        in.write(options.input);
                    } catch (IOException e) {
                        // it exited, or closed its stdin, before reading everything: as a pipe does
                    }
                });
            } else {
                try {
                    process.getOutputStream().close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        /** The sandboxed command, a {@link Process}: its streams, pid, exit. */
        public ContainerProcess process() {
            return process;
        }

        /** The container it runs in. */
        public Container container() {
            return container;
        }

        void captureOutput() {
            stdout = Capture.of(process.getInputStream(), options.outputLimit);
            stderr = Capture.of(process.getErrorStream(), options.outputLimit);
        }

        /**
         * Waits for it to end, at most the timeout (then SIGKILLs it and everything it started),
         * and reads what its cgroup counted.
         */
        public SandboxResult await() throws IOException, InterruptedException {
            long left = options.timeout.toNanos() - (System.nanoTime() - startNanos);
            boolean timedOut = !process.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (timedOut) {
                // the init is its PID namespace's pid 1: its death ends every process inside
                container.kill(SIGKILL);
                process.waitFor();
            }
            Duration wall = Duration.ofNanos(System.nanoTime() - startNanos);
            Capture out = stdout == null ? Capture.NONE : join(stdout);
            Capture err = stderr == null ? Capture.NONE : join(stderr);
            Optional<Duration> cpu = Optional.empty();
            OptionalLong peak = OptionalLong.empty();
            boolean oom = false;
            if (container.cgroup().isPresent()) {
                var stats = container.stats();
                cpu = Optional.of(Duration.ofNanos(stats.cpuUsageMicros() * 1000));
                peak = stats.memoryPeakBytes() > 0 ? OptionalLong.of(stats.memoryPeakBytes()) : OptionalLong.empty();
                oom = container.cgroup().get().events().oomKill() > 0;
            }
            return new SandboxResult(process.exitValue(), timedOut, oom, out.bytes(), out.truncated(), err.bytes(),
                    err.truncated(), wall, cpu, peak, container.droppedLimits());
        }

        private static Capture join(CompletableFuture<Capture> f) throws IOException, InterruptedException {
            try {
                // every writer is dead (its PID namespace is gone), so the pipe's end is near
                return f.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new IOException("reading the sandbox's output failed", e.getCause());
            } catch (TimeoutException e) {
                throw new IOException("the sandbox's output did not end 10 s after it exited", e);
            }
        }

        /** Kills it if it still runs, and removes the container. */
        @Override
        public void close() throws IOException {
            container.close();
        }
    }

    /** What one stream wrote: the first {@code limit} bytes, and whether there was more. */
    private record Capture(byte[] bytes, boolean truncated) {

        static final Capture NONE = new Capture(new byte[0], false);

        static CompletableFuture<Capture> of(InputStream in, int limit) {
            CompletableFuture<Capture> f = new CompletableFuture<>();
            Thread.ofVirtual().name("gatun-sandbox-output").start(() -> {
                ByteArrayOutputStream kept = new ByteArrayOutputStream();
                boolean truncated = false;
                byte[] buf = new byte[8192];
                try (in) {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        int keep = Math.min(n, limit - kept.size());
                        kept.write(buf, 0, Math.max(0, keep));
                        truncated |= keep < n; // the rest is read and dropped, so the writer never blocks
                    }
                    f.complete(new Capture(kept.toByteArray(), truncated));
                } catch (IOException e) {
                    f.completeExceptionally(e);
                }
            });
            return f;
        }
    }
}
