package dev.gatun.junit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The wait strategies: a listening port, an HTTP status, a log line, a command that succeeds
 * inside the container, the image's healthcheck. Each checks every 100 ms (a command or a
 * healthcheck at its own interval),
 * and at once whenever the container prints a line, until it succeeds, the container's init ends,
 * or its timeout (60 s unless {@code withStartupTimeout}) passes; then it throws a
 * {@link WaitTimeoutException} naming what it waited for with the output's tail. Immutable: the
 * {@code with*} methods return new strategies.
 */
public final class Wait {

    /** The timeout of every strategy unless set. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(100);

    private Wait() {}

    /**
     * Until a TCP socket listens on the first exposed port in the container's network namespace,
     * as the kernel lists them in {@code /proc/<init>/net/tcp} and {@code tcp6} (Testcontainers
     * reads the same table from inside the container). Not a connection through the host's mapped
     * port: the publish forwarder and pasta accept there before the server listens, so an accepted
     * connection on the host proves nothing. Not a connection made inside the namespace either: an
     * unprivileged JVM may not enter it.
     */
    public static Port forListeningPort() {
        return new Port(0, DEFAULT_TIMEOUT);
    }

    /** Until {@code GET path} on the first exposed port's mapped port answers 200 (or {@link Http#forStatusCode}). */
    public static Http forHttp(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("forHttp: path \"" + path + "\" must start with /");
        }
        return new Http(path, 0, 200, DEFAULT_TIMEOUT);
    }

    /** Until {@code times} lines of output match {@code regex} (in full: {@link java.util.regex.Matcher#matches()}). */
    public static LogMessage forLogMessage(String regex, int times) {
        if (times < 1) {
            throw new IllegalArgumentException("forLogMessage: times " + times + " must be at least 1");
        }
        return new LogMessage(Pattern.compile(regex), times, DEFAULT_TIMEOUT);
    }

    /**
     * Until {@code command}, run inside the container ({@link TestContainer#execInContainer}),
     * exits 0; it runs again every 100 ms after it ends, as long as the timeout allows.
     */
    public static Command forSuccessfulCommand(String... command) {
        if (command.length == 0) {
            throw new IllegalArgumentException("forSuccessfulCommand: no command");
        }
        return new Command(List.of(command), DEFAULT_TIMEOUT);
    }

    /**
     * Until the healthcheck of the image the container was started from passes: its test
     * ({@code ["CMD", …]} run as is, {@code ["CMD-SHELL", "…"]} through {@code /bin/sh -c}) exits
     * 0, tried at its interval (30 s by default, as Docker's; at least 100 ms). An image without a
     * healthcheck, or with {@code ["NONE"]}, fails at once, naming it.
     */
    public static Healthcheck forHealthcheck() {
        return new Healthcheck(DEFAULT_TIMEOUT);
    }

    /** A condition polled until true; the string says why it is not yet. */
    private interface Probe {
        /** null when ready, else why not. */
        String check() throws Exception;
    }

    private static void poll(TestContainer c, String waitedFor, Duration timeout, Probe probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String why = "never checked";
        while (true) {
            int seen = c.outputLines();
            try {
                why = probe.check();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WaitTimeoutException(c, waitedFor, timeout, "interrupted");
            } catch (Exception e) {
                why = e.toString();
            }
            if (why == null) {
                return;
            }
            if (!c.isRunning()) {
                // the init's last lines may still be in the pipe: check once more with all of them
                c.awaitOutputEnd(Duration.ofSeconds(5));
                try {
                    why = probe.check();
                } catch (Exception e) {
                    why = e.toString();
                }
                if (why == null) {
                    return;
                }
                throw new WaitTimeoutException(c, waitedFor, timeout, "the container's init ended (last check: " + why + ")");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new WaitTimeoutException(c, waitedFor, timeout, "timed out (last check: " + why + ")");
            }
            try {
                c.awaitOutputBeyond(seen, POLL); // a new line (or the output's end) cuts the pause short
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WaitTimeoutException(c, waitedFor, timeout, "interrupted");
            }
        }
    }

    /** See {@link #forListeningPort()}. */
    public record Port(int port, Duration timeout) implements WaitStrategy {
        /** Checks {@code containerPort} instead of the first exposed one. */
        public Port forPort(int containerPort) {
            return new Port(containerPort, timeout);
        }

        /** Gives up after {@code timeout}. */
        public Port withStartupTimeout(Duration timeout) {
            return new Port(port, Objects.requireNonNull(timeout));
        }

        @Override
        public void waitUntilReady(TestContainer c) {
            int p = port != 0 ? port : c.firstExposedPort("forListeningPort");
            long pid = c.container().pid();
            poll(c, "container port " + p + "/tcp to listen", timeout, () -> listening(pid, p) ? null
                    : "no socket listens on port " + p + " in /proc/" + pid + "/net/tcp or tcp6");
        }

        /** Whether a line of the init's TCP tables has local port {@code port} in state 0A (LISTEN). */
        private static boolean listening(long pid, int port) throws IOException {
            String localPort = String.format(Locale.ROOT, ":%04X", port);
            for (String table : new String[] {"tcp", "tcp6"}) {
                Path file = Path.of("/proc", Long.toString(pid), "net", table);
                if (!Files.exists(file)) {
                    continue; // no IPv6 in this kernel
                }
                for (String line : Files.readAllLines(file)) {
                    String[] f = line.trim().split("\\s+"); // sl local_address rem_address st ...
                    if (f.length > 3 && f[1].endsWith(localPort) && f[3].equals("0A")) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** See {@link #forHttp(String)}. */
    public record Http(String path, int port, int statusCode, Duration timeout) implements WaitStrategy {
        /** Expects {@code status} instead of 200. */
        public Http forStatusCode(int status) {
            return new Http(path, port, status, timeout);
        }

        /** Asks {@code containerPort} instead of the first exposed one. */
        public Http forPort(int containerPort) {
            return new Http(path, containerPort, statusCode, timeout);
        }

        /** Gives up after {@code timeout}. */
        public Http withStartupTimeout(Duration timeout) {
            return new Http(path, port, statusCode, Objects.requireNonNull(timeout));
        }

        @Override
        public void waitUntilReady(TestContainer c) {
            int p = port != 0 ? port : c.firstExposedPort("forHttp");
            int hostPort = c.mappedPort(p);
            poll(c, "HTTP " + statusCode + " from GET " + path + " on container port " + p + " (host port " + hostPort + ")",
                    timeout, () -> {
                        int got = status(c.host(), hostPort, path);
                        return got == statusCode ? null : got < 0 ? "no HTTP status line" : "got " + got;
                    });
        }

        /** A plain HTTP/1.0 GET on a socket of its own: no client pool or selector thread outlives the wait. */
        private static int status(String host, int port, String path) throws IOException {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 1000);
                s.setSoTimeout(2000);
                OutputStream out = s.getOutputStream();
                out.write(("GET " + path + " HTTP/1.0\r\nHost: " + host + ":" + port + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                StringBuilder line = new StringBuilder();
                for (int b; (b = in.read()) != -1 && b != '\n' && line.length() < 200; ) {
                    line.append((char) b);
                }
                String[] f = line.toString().trim().split(" ");
                if (f.length < 2 || !f[0].startsWith("HTTP/")) {
                    return -1;
                }
                try {
                    return Integer.parseInt(f[1]);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
    }

    /** See {@link #forLogMessage(String, int)}. */
    public record LogMessage(Pattern regex, int times, Duration timeout) implements WaitStrategy {
        /** Gives up after {@code timeout}. */
        public LogMessage withStartupTimeout(Duration timeout) {
            return new LogMessage(regex, times, Objects.requireNonNull(timeout));
        }

        @Override
        public void waitUntilReady(TestContainer c) {
            poll(c, times + " line(s) of output matching /" + regex + "/", timeout, () -> {
                long n = c.logTail(Integer.MAX_VALUE).stream().filter(l -> regex.matcher(l).matches()).count();
                return n >= times ? null : n + " so far";
            });
        }
    }

    /** See {@link #forSuccessfulCommand(String...)}. */
    public record Command(List<String> command, Duration timeout) implements WaitStrategy {
        /** Gives up after {@code timeout}. */
        public Command withStartupTimeout(Duration timeout) {
            return new Command(command, Objects.requireNonNull(timeout));
        }

        @Override
        public void waitUntilReady(TestContainer c) {
            poll(c, "the command " + command + " to exit 0 inside the container", timeout, () -> ran(c, command));
        }
    }

    /** See {@link #forHealthcheck()}. */
    public record Healthcheck(Duration timeout) implements WaitStrategy {
        /** Gives up after {@code timeout}. */
        public Healthcheck withStartupTimeout(Duration timeout) {
            return new Healthcheck(Objects.requireNonNull(timeout));
        }

        @Override
        public void waitUntilReady(TestContainer c) {
            dev.gatun.images.ImageConfig.Healthcheck h = c.healthcheck();
            List<String> test = h == null || h.test() == null ? List.of() : h.test();
            List<String> command = switch (test.isEmpty() ? "" : test.getFirst()) {
                case "CMD" -> test.subList(1, test.size());
                case "CMD-SHELL" -> List.of("/bin/sh", "-c", String.join(" ", test.subList(1, test.size())));
                default -> null;
            };
            if (command == null || command.isEmpty()) {
                throw new WaitTimeoutException(c, "the image's healthcheck", timeout, h == null
                        ? "the container was not started from an image with a healthcheck"
                        : "the image's healthcheck test " + test + " runs nothing");
            }
            Duration interval = h.interval() == null ? Duration.ofSeconds(30) : h.interval();
            long pause = Math.max(POLL.toMillis(), interval.toMillis());
            long deadline = System.nanoTime() + timeout.toNanos();
            String why;
            while (true) {
                try {
                    why = ran(c, command);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new WaitTimeoutException(c, "the image's healthcheck " + test, timeout, "interrupted");
                } catch (Exception e) {
                    why = e.toString();
                }
                if (why == null) {
                    return;
                }
                if (!c.isRunning()) {
                    throw new WaitTimeoutException(c, "the image's healthcheck " + test, timeout,
                            "the container's init ended (last check: " + why + ")");
                }
                if (System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(pause) - deadline > 0) {
                    throw new WaitTimeoutException(c, "the image's healthcheck " + test, timeout,
                            "timed out (last check: " + why + ")");
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new WaitTimeoutException(c, "the image's healthcheck " + test, timeout, "interrupted");
                }
            }
        }
    }

    /** Runs {@code command} in {@code c}: null when it exited 0, else its exit code and output's last line. */
    private static String ran(TestContainer c, List<String> command) throws Exception {
        TestContainer.ExecResult r = c.execInContainer(command.toArray(String[]::new));
        if (r.exitCode() == 0) {
            return null;
        }
        String output = (r.stdout() + r.stderr()).strip();
        String last = output.isEmpty() ? "" : output.substring(output.lastIndexOf('\n') + 1);
        return "exit " + r.exitCode() + (last.isEmpty() ? "" : ": " + last);
    }
}
