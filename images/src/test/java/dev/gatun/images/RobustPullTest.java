package dev.gatun.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.LocalRegistry;
import dev.gatun.testing.OciLayoutBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls through a proxy this test runs (com.sun.net.httpserver) in front of Debian's
 * {@code docker-registry} on loopback: the proxy answers the first manifest request 503, cuts
 * the first answer for each layer halfway (the full Content-Length announced, half the bytes sent,
 * the connection closed), and otherwise relays what the registry says, Range and 206 included.
 * Skipped without docker-registry and skopeo, failing in CI.
 */
class RobustPullTest {

    @TempDir
    Path tmp;
    LocalRegistry registry;
    HttpServer proxy;
    ExecutorService proxyThreads;
    HttpClient upstream;
    Image local;
    String reference;

    /** What the proxy saw: "GET <path> Range=<range or ->". */
    final List<String> requests = new CopyOnWriteArrayList<>();
    final Set<String> cut = ConcurrentHashMap.newKeySet();
    final AtomicInteger manifestFailures = new AtomicInteger(1);
    volatile boolean cutLayers = true;
    volatile boolean alwaysFail;
    /** Both layers' first requests meet here: proof that they were in flight together. */
    final CountDownLatch bothLayersAsked = new CountDownLatch(2);
    volatile boolean met;
    volatile boolean meet = true;

    @BeforeEach
    void registryBehindAProxy() throws Exception {
        Kernel.require(LocalRegistry.available(),
                "docker-registry and skopeo are not installed (apt-get install docker-registry skopeo)");
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        registry = LocalRegistry.start(Files.createDirectory(tmp.resolve("registry")));
        Path base = BusyboxRootfs.create(tmp.resolve("base"));
        Path upper = Files.createDirectories(tmp.resolve("upper/data"));
        byte[] noise = new byte[3 << 20];
        new java.util.Random(7).nextBytes(noise); // incompressible: a layer of some size
        Files.write(upper.resolve("noise"), noise);
        Path layout = OciLayoutBuilder.create().layer(base).layer(tmp.resolve("upper")).refName("test").write(tmp.resolve("layout"));
        registry.push(layout, "test", "gatun/robust:1");
        local = ImageSource.ociLayout(layout, "test", Platform.current());

        upstream = HttpClient.newHttpClient();
        proxyThreads = Executors.newCachedThreadPool();
        proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        proxy.setExecutor(proxyThreads);
        proxy.createContext("/", this::relay);
        proxy.start();
        reference = "127.0.0.1:" + proxy.getAddress().getPort() + "/gatun/robust:1";
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (proxy != null) {
            proxy.stop(0);
            proxyThreads.shutdownNow();
            assertThat(proxyThreads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            upstream.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    private void relay(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String range = exchange.getRequestHeaders().getFirst("Range");
            requests.add("GET " + path + " Range=" + (range == null ? "-" : range));
            if (mirror != null) { // basic auth here, blobs redirected to another host
                String auth = exchange.getRequestHeaders().getFirst("Authorization");
                if (!BASIC.equals(auth)) {
                    exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"gatun-proxy\"");
                    exchange.sendResponseHeaders(401, -1);
                    return;
                }
                if (path.contains("/blobs/")) {
                    exchange.getResponseHeaders().add("Location", "http://127.0.0.2:" + mirror.getAddress().getPort() + path);
                    exchange.sendResponseHeaders(307, -1);
                    return;
                }
                cutLayers = false;
            }
            if (alwaysFail || path.contains("/manifests/") && manifestFailures.getAndDecrement() > 0) {
                exchange.sendResponseHeaders(503, -1);
                return;
            }
            boolean layer = local.layers().stream().anyMatch(d -> path.endsWith("/blobs/" + d.digest()));
            if (meet && layer && range == null && cut.size() < 2) {
                bothLayersAsked.countDown();
                met |= bothLayersAsked.await(10, TimeUnit.SECONDS);
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + registry.host() + path));
            for (String h : List.of("Accept", "Range")) {
                String v = exchange.getRequestHeaders().getFirst(h);
                if (v != null) {
                    b.header(h, v);
                }
            }
            HttpResponse<byte[]> r = upstream.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            for (String h : List.of("Content-Type", "Docker-Content-Digest", "Content-Range")) {
                r.headers().firstValue(h).ifPresent(v -> exchange.getResponseHeaders().add(h, v));
            }
            byte[] body = r.body();
            exchange.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
            if (layer && cutLayers && range == null && cut.add(path)) {
                exchange.getResponseBody().write(body, 0, body.length / 2);
                exchange.getResponseBody().flush();
                return; // the exchange closes short: the server drops the connection
            }
            exchange.getResponseBody().write(body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the cut answer: "insufficient bytes written" as the exchange closes, the connection dropped
        }
    }

    static final String SECRET = "proxy-pa55";
    static final String BASIC = "Basic " + java.util.Base64.getEncoder().encodeToString(("bob:" + SECRET).getBytes());
    /** Another host (127.0.0.2) the proxy redirects blobs to: what it was sent. */
    HttpServer mirror;
    final List<String> mirrored = new CopyOnWriteArrayList<>();

    @Test
    void credentialsGoToTheRegistryButNotToTheHostABlobIsRedirectedTo() throws Exception {
        manifestFailures.set(0);
        meet = false;
        mirror = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0), 0);
        mirror.setExecutor(proxyThreads);
        mirror.createContext("/", exchange -> {
            try (exchange) {
                String auth = exchange.getRequestHeaders().getFirst("Authorization");
                mirrored.add(exchange.getRequestURI().getRawPath() + " Authorization=" + (auth == null ? "-" : auth));
                HttpResponse<byte[]> r = upstream.send(HttpRequest.newBuilder(URI.create("http://" + registry.host()
                        + exchange.getRequestURI().getRawPath())).build(), HttpResponse.BodyHandlers.ofByteArray());
                exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                exchange.getResponseBody().write(r.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        mirror.start();
        try {
            Path auth = Files.writeString(tmp.resolve("auth.json"), "{\"auths\":{\"" + reference.substring(0, reference.indexOf('/'))
                    + "\":{\"auth\":\"" + BASIC.substring("Basic ".length()) + "\"}}}");
            ImageStore store = ImageStore.open(tmp.resolve("store"));
            Image pulled = ImageSource.registry(reference, Platform.current(), store, fast().withAuthFiles(List.of(auth)));
            assertThat(pulled.id()).isEqualTo(local.id());
            assertThat(mirrored).hasSize(1 + local.layers().size()) // the config and the layers
                    .allSatisfy(m -> assertThat(m).endsWith(" Authorization=-"));
        } finally {
            mirror.stop(0);
        }
    }

    private static long resumedFrom(String request, Descriptor d) {
        String prefix = "GET /v2/gatun/robust/blobs/" + d.digest() + " Range=bytes=";
        assertThat(request).startsWith(prefix).endsWith("-");
        return Long.parseLong(request.substring(prefix.length(), request.length() - 1));
    }

    private PullOptions fast() {
        return PullOptions.defaults().withAuthFiles(List.of()).withBackoff(Duration.ofMillis(20)).withConcurrency(2);
    }

    @Test
    void aFailedManifestIsTriedAgainAndCutLayersResumeWithRangeTwoAtATime() throws Exception {
        Map<Integer, List<long[]>> progress = new ConcurrentHashMap<>();
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        Image pulled = ImageSource.registry(reference, Platform.current(), store, fast().withListener(
                (i, d, done, total) -> progress.computeIfAbsent(i, k -> new CopyOnWriteArrayList<>()).add(new long[] {done, total})));
        assertThat(pulled.id()).isEqualTo(local.id());
        assertThat(requests.stream().filter(r -> r.contains("/manifests/1 ")).count()).isEqualTo(2); // the 503, then 200
        assertThat(met).as("both layers' first requests were in flight together").isTrue();
        for (Descriptor d : local.layers()) {
            List<String> asked = requests.stream().filter(r -> r.contains("/blobs/" + d.digest())).toList();
            assertThat(asked).hasSize(2);
            assertThat(asked.getFirst()).isEqualTo("GET /v2/gatun/robust/blobs/" + d.digest() + " Range=-");
            // resumed from what arrived: at most the half sent (a reset connection may lose the last bytes in flight)
            assertThat(resumedFrom(asked.get(1), d)).isPositive().isLessThanOrEqualTo(d.size() / 2);
        }
        for (int i = 0; i < local.layers().size(); i++) {
            long size = local.layers().get(i).size();
            List<long[]> seen = progress.get(i);
            assertThat(seen).as("layer " + i + " progress").isNotEmpty();
            assertThat(seen.getLast()).containsExactly(size, size);
            for (int j = 1; j < seen.size(); j++) {
                assertThat(seen.get(j)[0]).isGreaterThanOrEqualTo(seen.get(j - 1)[0]);
                assertThat(seen.get(j)[1]).isEqualTo(size);
            }
            assertThat(seen.subList(0, seen.size() - 1)).allSatisfy(p -> assertThat(p[0]).isLessThan(size));
        }
        assertThat(store.unpack(pulled).resolve("data/noise")).hasSize(3 << 20);
        assertThat(store.root().resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void aPullThatGivesUpKeepsItsPartialBlobAndTheNextPullResumesIt() throws Exception {
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        manifestFailures.set(0);
        meet = false;
        Descriptor big = local.layers().get(0);
        // one try, one layer at a time: the first layer's cut answer ends the pull, its half stays in tmp/
        assertThatThrownBy(() -> ImageSource.registry(reference, Platform.current(), store,
                fast().withAttempts(1).withConcurrency(1)))
                .isInstanceOf(IOException.class).hasMessageContaining("failed 1 times")
                .hasMessageContaining("GET http://" + reference.substring(0, reference.indexOf('/')) + "/v2/gatun/robust/blobs/");
        Path partial = store.root().resolve("tmp/sha256-" + big.digest().hex() + ".partial");
        long kept = Files.size(partial);
        assertThat(kept).isPositive().isLessThanOrEqualTo(big.size() / 2);
        assertThat(store.root().resolve("blobs/sha256/" + big.digest().hex())).doesNotExist();
        requests.clear();
        Image pulled = ImageSource.registry(reference, Platform.current(), store, fast());
        assertThat(pulled.id()).isEqualTo(local.id());
        assertThat(requests).contains("GET /v2/gatun/robust/blobs/" + big.digest() + " Range=bytes=" + kept + "-")
                .doesNotContain("GET /v2/gatun/robust/blobs/" + big.digest() + " Range=-");
        assertThat(store.root().resolve("blobs/sha256/" + big.digest().hex())).hasSize(big.size());
        assertThat(store.root().resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void aRegistryThatKeepsFailingIsGivenUpAfterTheAttemptsNamingTheUrl() throws Exception {
        alwaysFail = true;
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        assertThatThrownBy(() -> ImageSource.registry(reference, Platform.current(), store, fast().withAttempts(3)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("failed 3 times")
                .hasMessageContaining("answered 503")
                .hasMessageContaining("/v2/gatun/robust/manifests/1");
        assertThat(requests).hasSize(3);
        try (Stream<Path> s = Files.list(store.root().resolve("blobs/sha256"))) {
            assertThat(s).isEmpty();
        }
    }
}
