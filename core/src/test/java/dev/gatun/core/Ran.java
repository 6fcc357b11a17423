package dev.gatun.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A finished test container: its exit value and what it wrote (stdout and stderr merged). Runs
 * are bounded: a container that has not finished within the timeout is killed by
 * {@link Container#close()} and the test fails.
 */
record Ran(int exit, String out) {

    static final long TIMEOUT_SECONDS = 60;

    private static boolean warm;

    /**
     * Runs one container, once per JVM, so that what lives as long as the JVM once a container
     * has run (the spawner and reaper threads and fds, the sentinel with its pipes and pidfd) exists
     * before a test takes its first {@link dev.gatun.testing.HostSnapshot}: those are no leaks.
     */
    static synchronized void warmUp() throws IOException, InterruptedException {
        if (!warm) {
            try (Container c = Container.builder().id(Leftovers.id("warmup")).command("/bin/true").build()) {
                c.run().waitFor();
            }
            warm = true;
        }
    }

    /** Builds and runs a container with stderr merged into stdout, waits for it, deletes it. */
    static Ran of(ContainerBuilder builder) throws IOException, InterruptedException {
        try (Container c = builder.redirectErrorStream(true).build()) {
            return of(c);
        }
    }

    /** Runs {@code c} (new) to the end; the caller closes it. */
    static Ran of(Container c) throws IOException, InterruptedException {
        ContainerProcess p = c.run();
        p.getOutputStream().close();
        String out = readAll(p.getInputStream());
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("container " + c.id() + " still runs after " + TIMEOUT_SECONDS + " s; output: " + out);
        }
        return new Ran(p.exitValue(), out);
    }

    /** Reads {@code in} to its end, failing after {@link #TIMEOUT_SECONDS}. */
    static String readAll(InputStream in) throws InterruptedException {
        CompletableFuture<String> f = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no end of output within " + TIMEOUT_SECONDS + " s", e);
        } catch (ExecutionException e) {
            throw new AssertionError("reading the container's output failed", e.getCause());
        }
    }

    /** The next line of {@code in}, failing after {@link #TIMEOUT_SECONDS}; null at the end. */
    static String readLine(java.io.BufferedReader in) throws InterruptedException {
        return readLine(in, TIMEOUT_SECONDS);
    }

    /** The next line of {@code in}, failing after {@code seconds}; null at the end. */
    static String readLine(java.io.BufferedReader in, long seconds) throws InterruptedException {
        CompletableFuture<String> f = CompletableFuture.supplyAsync(() -> {
            try {
                return in.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            return f.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no line within " + seconds + " s", e);
        } catch (ExecutionException e) {
            throw new AssertionError("reading the container's output failed", e.getCause());
        }
    }

    /** A reader of the container's stdout. */
    static java.io.BufferedReader lines(ContainerProcess p) {
        return new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "exit " + exit + ", output:\n" + out;
    }
}
