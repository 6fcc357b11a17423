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
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String host = "127.0.0.1:" + port;
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path config = dir.resolve("registry.yml");
        Files.writeString(config, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
                + storage + "\nhttp:\n  addr: " + host + "\n");
        Path log = dir.resolve("registry.log");
        Process p = new ProcessBuilder("/usr/bin/docker-registry", "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        LocalRegistry registry = new LocalRegistry(p, host, storage);
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; ; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
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
        String reference = host + "/" + name;
        Process p = new ProcessBuilder(List.of("skopeo", "copy", "--quiet", "--all", "--dest-tls-verify=false",
                "oci:" + layout + ":" + refName, "docker://" + reference)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("skopeo copy to " + reference + " failed: " + out);
        }
        return reference;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
