package dev.gatun.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Debian's {@code docker-registry} (distribution) on a free loopback port, storing in a directory
 * the test gives, stopped by {@link #close()}; {@link #push} copies an OCI layout into it with
 * {@code skopeo copy --all}. No internet. A test first calls
 * {@code Kernel.require(LocalRegistry.available(), ...)}.
 */
public final class LocalRegistry implements AutoCloseable {

    private final Process process;
    private final String host;
    private final Path storage;

    private LocalRegistry(Process process, String host, Path storage) {
        this.process = process;
        this.host = host;
        this.storage = storage;
    }

    /** Whether docker-registry and skopeo are installed. */
    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/docker-registry")) && Files.isExecutable(Path.of("/usr/bin/skopeo"));
    }

    /** Starts a registry storing under {@code dir} and waits (10 s at most) until it answers {@code /v2/}. */
    public static LocalRegistry start(Path dir) throws IOException, InterruptedException {
        return start(dir, "");
    }

    /**
     * Starts a registry with {@code auth} appended to its configuration (an {@code auth:} section
     * in distribution's YAML, e.g. htpasswd or token; empty for none) and waits until {@code /v2/}
     * answers (200, or 401 when it asks for credentials).
     */
    public static LocalRegistry start(Path dir, String auth) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String host = "127.0.0.1:" + port;
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path config = dir.resolve("registry.yml");
        Files.writeString(config, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
                + storage + "\nhttp:\n  addr: " + host + "\n" + auth);
        Path log = dir.resolve("registry.log");
        Process p = new ProcessBuilder("/usr/bin/docker-registry", "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        LocalRegistry registry = new LocalRegistry(p, host, storage);
        // closed before returning: an open client's selector (an epoll fd and an eventfd) and its
        // thread would otherwise live until a GC, and a caller's leak check would find them
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (int i = 0; ; i++) {
                try {
                    int status = http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (status == 200 || status == 401 && !auth.isEmpty()) {
                        return registry;
                    }
                } catch (IOException notYet) {
                    if (i > 100 || !p.isAlive()) {
                        registry.close();
                        throw new IOException("docker-registry did not start: " + Files.readString(log));
                    }
                }
                Thread.sleep(100);
            }
        }
    }

    /** {@code 127.0.0.1:<port>}. */
    public String host() {
        return host;
    }

    /** Where the registry keeps its blobs: {@code docker/registry/v2/blobs/sha256/<2>/<hex>/data} below it. */
    public Path storage() {
        return storage;
    }

    /** {@code skopeo copy --all oci:<layout>:<refName> docker://<host>/<name>}; returns the reference pushed. */
    public String push(Path layout, String refName, String name) throws IOException, InterruptedException {
        return push(layout, refName, name, null);
    }

    /** {@link #push(Path, String, String)} with {@code --dest-creds user:password} when {@code creds} is not null. */
    public String push(Path layout, String refName, String name, String creds) throws IOException, InterruptedException {
        String reference = host + "/" + name;
        List<String> cmd = new java.util.ArrayList<>(List.of("skopeo", "copy", "--quiet", "--all", "--dest-tls-verify=false"));
        if (creds != null) {
            cmd.add("--dest-creds=" + creds);
        }
        // an empty auth file of its own: skopeo's default ($XDG_RUNTIME_DIR or /run/containers/<uid>)
        // may be unreadable to an unprivileged user where root's tools made /run/containers
        java.nio.file.Path authFile = java.nio.file.Files.createTempFile("gatun-skopeo-auth", ".json");
        try {
            java.nio.file.Files.writeString(authFile, "{}");
            if (creds == null) {
                cmd.add("--dest-authfile=" + authFile);
            }
            cmd.addAll(List.of("oci:" + layout + ":" + refName, "docker://" + reference));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IOException("skopeo copy to " + reference + " failed: " + out);
            }
        } finally {
            java.nio.file.Files.deleteIfExists(authFile);
        }
        return reference;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
