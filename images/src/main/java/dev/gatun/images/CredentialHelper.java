package dev.gatun.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A Docker credential helper: {@code docker-credential-<name> get}, the registry host written on
 * its stdin, a {@code {"ServerURL","Username","Secret"}} object read from its stdout. The program
 * is looked for in {@code path} (the directories of {@code $PATH} by default; an absolute
 * directory list, never this process's environment changed), and given {@code timeout} to answer;
 * then it and its descendants are killed by pid and waited for. Every failure (no such program, a
 * non-zero exit other than "credentials not found", an answer that is not the object, the
 * timeout) is an {@link InvalidImageException} naming the program and the registry (not retried:
 * a second run would fail the same way). The secret is never part of a message.
 *
 * @see <a href="https://github.com/docker/docker-credential-helpers">docker-credential-helpers</a>
 */
record CredentialHelper(List<Path> path, Duration timeout) {

    /** What a helper prints (on stdout or stderr) with a non-zero exit when it has nothing for the server. */
    static final String NOT_FOUND = "credentials not found in native keychain";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final int MAX_OUTPUT = 64 * 1024;

    CredentialHelper {
        path = List.copyOf(path);
        for (Path p : path) {
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException("credential helper path: " + p + " is not absolute");
            }
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("credential helper timeout: " + timeout + " (must be positive)");
        }
    }

    /** The directories of this process's {@code $PATH} (absolute ones only), 10 seconds to answer. */
    static CredentialHelper defaults() {
        List<Path> dirs = new ArrayList<>();
        String env = System.getenv("PATH");
        for (String d : (env == null ? "/usr/local/bin:/usr/bin:/bin" : env).split(":")) {
            if (d.startsWith("/")) {
                dirs.add(Path.of(d));
            }
        }
        return new CredentialHelper(dirs, Duration.ofSeconds(10));
    }

    /**
     * The credential helper {@code name} has for {@code server}, or null when it has none (it
     * exited non-zero saying {@value #NOT_FOUND}). {@code where} says where the helper was
     * configured, for messages.
     */
    RegistryAuth.Credential get(String name, String server, String where) throws IOException {
        String program = "docker-credential-" + name;
        String what = "credential helper " + program + " for registry " + server + " (" + where + ")";
        if (!NAME.matcher(name).matches()) {
            throw new InvalidImageException(where + ": \"" + name + "\" is not a credential helper name");
        }
        Path exe = path.stream().map(d -> d.resolve(program)).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new InvalidImageException(what + ": no executable " + program + " in " + path));
        Process p;
        try {
            p = new ProcessBuilder(exe.toString(), "get").start();
        } catch (IOException e) {
            throw new InvalidImageException(what + ": cannot run " + exe + ": " + e.getMessage(), e);
        }
        CompletableFuture<byte[]> out = read(p.getInputStream());
        CompletableFuture<byte[]> err = read(p.getErrorStream());
        try {
            try (OutputStream in = p.getOutputStream()) {
                in.write(server.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // it exited without reading: its exit status says why
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                throw new InvalidImageException(what + ": no answer within " + timeout.toMillis() + " ms; killed (pid "
                        + p.pid() + ")");
            }
            // a child it left behind could hold the pipes open: its output is waited for as long again at most
            String stdout = new String(out.get(timeout.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8);
            String stderr = new String(err.get(timeout.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                if (stdout.contains(NOT_FOUND) || stderr.contains(NOT_FOUND)) {
                    return null;
                }
                // helpers print their errors on stdout or stderr; what looks like an answer is not quoted
                String said = (stderr.isBlank() ? stdout : stderr).strip().lines().findFirst().orElse("");
                String shown = said.isEmpty() ? "" : said.contains("{") ? " (its output is not quoted: it may hold a secret)"
                        : ": " + said;
                throw new InvalidImageException(what + ": exit status " + p.exitValue() + shown);
            }
            return parse(stdout, what, program + " for " + server + " (" + where + ")");
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(what + ": interrupted");
        } catch (ExecutionException e) {
            kill(p);
            throw new InvalidImageException(what + ": reading its output: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new InvalidImageException(what + ": it exited, but a process it started kept its output open");
        }
    }

    /** The answer's user name and secret; its content is never quoted (it holds the secret). */
    private static RegistryAuth.Credential parse(String stdout, String what, String source) {
        JsonNode json;
        try {
            json = ImageSource.parse(what, stdout.getBytes(StandardCharsets.UTF_8));
        } catch (InvalidImageException e) {
            throw new InvalidImageException(what + ": its answer is not JSON {\"ServerURL\",\"Username\",\"Secret\"}");
        }
        String username = json.path("Username").asString("");
        String secret = json.path("Secret").asString("");
        if (!json.isObject() || username.isEmpty() || secret.isEmpty()) {
            throw new InvalidImageException(what + ": its answer has no \"Username\" and \"Secret\"");
        }
        return new RegistryAuth.Credential(username, secret, source);
    }

    private static CompletableFuture<byte[]> read(InputStream in) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread.ofVirtual().name("gatun-credential-helper").start(() -> {
            try (in) {
                byte[] b = in.readNBytes(MAX_OUTPUT);
                in.transferTo(OutputStream.nullOutputStream()); // never block the helper on a full pipe
                f.complete(b);
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Kills {@code p} and its descendants (listed first: once it dies they are no longer its), then waits for it. */
    private static void kill(Process p) {
        List<ProcessHandle> descendants = p.descendants().toList();
        p.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        try {
            p.onExit().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // SIGKILL was sent: nothing more to do
        }
    }
}
