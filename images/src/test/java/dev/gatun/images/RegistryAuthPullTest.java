package dev.gatun.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.LocalRegistry;
import dev.gatun.testing.OciLayoutBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls that authenticate, against Debian's {@code docker-registry} on a loopback port: with
 * htpasswd basic auth ({@code htpasswd -B} from apache2-utils makes the bcrypt line), and with
 * {@code auth: token} behind a token server this test runs (com.sun.net.httpserver), which checks
 * the user's basic credentials and signs an RS256 JWT with a key and self-signed certificate that
 * {@code keytool} made; the registry verifies it against that certificate. The image is pushed
 * with skopeo before the registry is restarted with auth on the same storage. Skipped without the
 * tools, failing in CI.
 */
class RegistryAuthPullTest {

    private static final String USER = "alice";
    private static final String SECRET = "s3cret-Pa55";
    private static final String SERVICE = "gatun-registry";
    private static final String ISSUER = "gatun-test-issuer";
    /** The identity token the token server takes as a refresh token for {@link #USER}. */
    private static final String REFRESH = "r3fresh-T0ken";

    @TempDir
    Path tmp;
    Path layout;
    LocalRegistry registry;
    HttpServer tokenServer;
    final List<String> tokenRequests = new CopyOnWriteArrayList<>();
    /** How many of the next tokens the server issues already expired. */
    final java.util.concurrent.atomic.AtomicInteger expiredTokens = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void image() throws Exception {
        Kernel.require(LocalRegistry.available(),
                "docker-registry and skopeo are not installed (apt-get install docker-registry skopeo)");
        Kernel.require(Files.isExecutable(Path.of("/usr/bin/htpasswd")), "htpasswd is not installed (apt-get install apache2-utils)");
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        Path base = BusyboxRootfs.create(tmp.resolve("base"));
        layout = OciLayoutBuilder.create().layer(base).cmd("/bin/true").refName("test").write(tmp.resolve("layout"));
        Path dir = Files.createDirectory(tmp.resolve("registry"));
        try (LocalRegistry open = LocalRegistry.start(dir)) {
            open.push(layout, "test", "gatun/busybox:1");
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (registry != null) {
            registry.close();
        }
        if (tokenServer != null) {
            tokenServer.stop(0);
        }
    }

    private void startWithHtpasswd() throws Exception {
        Process p = new ProcessBuilder("htpasswd", "-Bbn", USER, SECRET).redirectErrorStream(false).start();
        String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).isZero();
        Path htpasswd = Files.writeString(tmp.resolve("htpasswd"), line + "\n");
        registry = LocalRegistry.start(tmp.resolve("registry"),
                "auth:\n  htpasswd:\n    realm: gatun-test\n    path: " + htpasswd + "\n");
    }

    private Path authFile(String user, String password) throws IOException {
        String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return Files.writeString(tmp.resolve("auth-" + user + "-" + password.length() + ".json"),
                "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}");
    }

    private Image pull(List<Path> authFiles, ImageStore store) throws IOException {
        return ImageSource.registry(registry.host() + "/gatun/busybox:1", Platform.current(), store,
                PullOptions.defaults().withAuthFiles(authFiles));
    }

    @Test
    void basicAuthPullsWithTheAuthFilesCredential() throws Exception {
        startWithHtpasswd();
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        Path missing = tmp.resolve("no-such-auth.json");
        Image pulled = pull(List.of(missing, authFile(USER, SECRET)), store);
        assertThat(pulled.id()).isEqualTo(ImageSource.ociLayout(layout, "test", Platform.current()).id());
        assertThat(store.unpack(pulled).resolve("bin/busybox")).isRegularFile();
    }

    @Test
    void aWrongPasswordIsRefusedNamingTheRegistryAndTheFileButNeverTheSecret() throws Exception {
        startWithHtpasswd();
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        Path wrong = authFile(USER, "not-" + SECRET);
        assertThatThrownBy(() -> pull(List.of(wrong), store))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("registry " + registry.host() + " refused user \"alice\" from " + wrong)
                .hasMessageNotContaining(SECRET);
        assertBlobless(store);
    }

    @Test
    void noCredentialAnywhereListsTheFilesTried() throws Exception {
        startWithHtpasswd();
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        Path missing = tmp.resolve("no-such-auth.json");
        Path other = Files.writeString(tmp.resolve("other.json"), "{\"auths\":{\"elsewhere:5000\":{\"auth\":\"eDp5\"}}}");
        assertThatThrownBy(() -> pull(List.of(missing, other), store))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("registry " + registry.host() + " asks for credentials")
                .hasMessageContaining(missing + " (missing)").hasMessageContaining(other + " (no entry)");
        assertBlobless(store);
    }

    @Test
    void aBearerTokenIsAskedFromTheRealmForTheServiceAndScopeTheChallengeNames() throws Exception {
        startWithTokenAuth();
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        Image pulled = pull(List.of(authFile(USER, SECRET)), store);
        assertThat(pulled.id()).isEqualTo(ImageSource.ociLayout(layout, "test", Platform.current()).id());
        assertThat(tokenRequests).isNotEmpty().allSatisfy(q -> assertThat(q)
                .contains("service=" + SERVICE).contains("scope=repository:gatun/busybox:pull").contains("user=alice"));
        assertThat(store.unpack(pulled).resolve("bin/busybox")).isRegularFile();
    }

    @Test
    void anIdentityTokenFromAHelperIsTheRefreshTokenOfAnOAuth2TokenRequest() throws Exception {
        startWithTokenAuth();
        Path bin = helper("cat >/dev/null; echo '{\"ServerURL\":\"x\",\"Username\":\"<token>\",\"Secret\":\"" + REFRESH + "\"}'");
        Path config = helperConfig("{\"credHelpers\":{\"" + registry.host() + "\":\"gatuntest\"}}");
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        Image pulled = pullWithHelpers(config, bin, store, java.time.Duration.ofSeconds(10));
        assertThat(store.unpack(pulled).resolve("bin/busybox")).isRegularFile();
        assertThat(tokenRequests).isNotEmpty().allSatisfy(q -> assertThat(q).startsWith("POST ")
                .contains("service=" + SERVICE).contains("scope=repository:gatun/busybox:pull").contains("user=alice"));
        // an identity token the server does not take: refused, naming where it came from, never quoting it
        Path wrong = Files.writeString(tmp.resolve("wrong.json"), "{\"auths\":{\"" + registry.host()
                + "\":{\"identitytoken\":\"not-" + REFRESH + "\"}}}");
        ImageStore other = ImageStore.open(tmp.resolve("other"));
        assertThatThrownBy(() -> pull(List.of(wrong), other))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("token server 127.0.0.1:" + tokenServer.getAddress().getPort())
                .hasMessageContaining("refused an identity token from " + wrong)
                .hasMessageContaining("(POST ")
                .hasMessageNotContaining(REFRESH);
        assertNothingStored(other);
    }

    @Test
    void aTokenTheRegistryNoLongerAcceptsIsAskedForAgainOnce() throws Exception {
        startWithTokenAuth();
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        expiredTokens.set(1);
        Image pulled = pull(List.of(authFile(USER, SECRET)), store);
        assertThat(pulled.id()).isEqualTo(ImageSource.ociLayout(layout, "test", Platform.current()).id());
        assertThat(tokenRequests).hasSize(2); // the expired one, then a fresh one for the rest of the pull
        // a server that only issues expired tokens: asked twice for one request, then the registry is named
        expiredTokens.set(100);
        tokenRequests.clear();
        ImageStore other = ImageStore.open(tmp.resolve("other"));
        assertThatThrownBy(() -> pull(List.of(authFile(USER, SECRET)), other))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("registry " + registry.host() + " refused user \"alice\"")
                .hasMessageNotContaining(SECRET);
        assertThat(tokenRequests).hasSize(2);
    }

    @Test
    void aTokenServerThatRefusesTheCredentialIsNamedWithTheRegistry() throws Exception {
        startWithTokenAuth();
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        Path wrong = authFile(USER, "not-" + SECRET);
        assertThatThrownBy(() -> pull(List.of(wrong), store))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("token server 127.0.0.1:" + tokenServer.getAddress().getPort())
                .hasMessageContaining("registry " + registry.host())
                .hasMessageContaining("refused user \"alice\" from " + wrong)
                .hasMessageNotContaining(SECRET);
        // anonymous: the token server grants nothing, the registry refuses the empty token
        Path none = tmp.resolve("no-such-auth.json");
        assertThatThrownBy(() -> pull(List.of(none), store))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("registry " + registry.host() + " refused anonymous access")
                .hasMessageContaining(none + " (missing)");
        assertBlobless(store);
    }

    /**
     * A credential helper {@code docker-credential-gatuntest} in a directory of the test's own
     * (the pull's helper path, not this JVM's {@code $PATH}): a shell script with {@code body}.
     */
    private Path helper(String body) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path script = Files.writeString(bin.resolve("docker-credential-gatuntest"), "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        return bin;
    }

    /** Answers {@code secret} for the registry's host only (read from stdin), "not found" for any other. */
    private Path answeringHelper(String secret) throws IOException {
        return helper("server=$(cat)\n"
                + "if [ \"$server\" != \"" + registry.host() + "\" ]; then echo 'credentials not found in native keychain'; exit 1; fi\n"
                + "printf '{\"ServerURL\":\"%s\",\"Username\":\"" + USER + "\",\"Secret\":\"" + secret + "\"}' \"$server\"");
    }

    private Path helperConfig(String json) throws IOException {
        return Files.writeString(tmp.resolve("config.json"), json);
    }

    private Image pullWithHelpers(Path config, Path bin, ImageStore store, java.time.Duration timeout) throws IOException {
        return ImageSource.registry(registry.host() + "/gatun/busybox:1", Platform.current(), store,
                PullOptions.defaults().withAuthFiles(List.of(config)).withHelperPath(List.of(bin)).withHelperTimeout(timeout));
    }

    @Test
    void aCredentialHelperNamedForTheRegistryOrAsTheDefaultStoreGivesTheCredential() throws Exception {
        startWithHtpasswd();
        Path bin = answeringHelper(SECRET);
        String auth = Base64.getEncoder().encodeToString((USER + ":wrong").getBytes(StandardCharsets.UTF_8));
        // credHelpers for the host wins over the file's auths entry for it (a wrong password here)
        Path perHost = helperConfig("{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + auth + "\"}},"
                + "\"credHelpers\":{\"" + registry.host() + "\":\"gatuntest\"}}");
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        Image pulled = pullWithHelpers(perHost, bin, store, java.time.Duration.ofSeconds(10));
        assertThat(store.unpack(pulled).resolve("bin/busybox")).isRegularFile();
        Path defaultStore = Files.writeString(tmp.resolve("store.json"), "{\"auths\":{},\"credsStore\":\"gatuntest\"}");
        ImageStore other = ImageStore.open(tmp.resolve("other"));
        assertThat(pullWithHelpers(defaultStore, bin, other, java.time.Duration.ofSeconds(10)).id()).isEqualTo(pulled.id());
    }

    @Test
    void aHelpersWrongSecretIsRefusedNamingTheHelperAndTheRegistryButNeverTheSecret() throws Exception {
        startWithHtpasswd();
        Path bin = answeringHelper("not-" + SECRET);
        Path config = helperConfig("{\"credHelpers\":{\"" + registry.host() + "\":\"gatuntest\"}}");
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        assertThatThrownBy(() -> pullWithHelpers(config, bin, store, java.time.Duration.ofSeconds(10)))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("registry " + registry.host() + " refused user \"alice\" from docker-credential-gatuntest for "
                        + registry.host() + " (" + config + " credHelpers[\"" + registry.host() + "\"])")
                .hasMessageNotContaining(SECRET);
        assertNothingStored(store);
    }

    @Test
    void aHelperThatIsNotInstalledIsNamedWithTheRegistry() throws Exception {
        startWithHtpasswd();
        Path bin = answeringHelper(SECRET);
        Path config = helperConfig("{\"credHelpers\":{\"" + registry.host() + "\":\"nosuch\"}}");
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        assertThatThrownBy(() -> pullWithHelpers(config, bin, store, java.time.Duration.ofSeconds(10)))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("credential helper docker-credential-nosuch for registry " + registry.host())
                .hasMessageContaining("no executable docker-credential-nosuch in [" + bin + "]");
        assertNothingStored(store);
    }

    @Test
    void aHelperWithNothingForTheRegistryMeansAnonymousAndOneThatFailsOrAnswersBadlyIsNamed() throws Exception {
        startWithHtpasswd();
        Path config = helperConfig("{\"credHelpers\":{\"" + registry.host() + "\":\"gatuntest\"}}");
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        Path bin = helper("cat >/dev/null; echo 'credentials not found in native keychain' >&2; exit 1");
        assertThatThrownBy(() -> pullWithHelpers(config, bin, store, java.time.Duration.ofSeconds(10)))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("registry " + registry.host() + " asks for credentials")
                .hasMessageContaining("(docker-credential-gatuntest has none)");
        helper("cat >/dev/null; echo 'keychain locked' >&2; exit 3");
        assertThatThrownBy(() -> pullWithHelpers(config, bin, store, java.time.Duration.ofSeconds(10)))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("credential helper docker-credential-gatuntest for registry " + registry.host())
                .hasMessageContaining("exit status 3: keychain locked");
        helper("cat >/dev/null; echo '{\"Username\":\"alice\",\"Secret\":\"" + SECRET + "\"}'; exit 1");
        assertThatThrownBy(() -> pullWithHelpers(config, bin, store, java.time.Duration.ofSeconds(10)))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("exit status 1 (its output is not quoted").hasMessageNotContaining(SECRET);
        helper("cat >/dev/null; echo '{\"Username\":\"alice\",\"Secret\":\"" + SECRET + "\"'");
        assertThatThrownBy(() -> pullWithHelpers(config, bin, store, java.time.Duration.ofSeconds(10)))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("credential helper docker-credential-gatuntest for registry " + registry.host())
                .hasMessageContaining("not JSON").hasMessageNotContaining(SECRET);
        helper("cat >/dev/null; echo '{\"Username\":\"<token>\",\"Secret\":\"" + SECRET + "\"}'");
        assertThatThrownBy(() -> pullWithHelpers(config, bin, store, java.time.Duration.ofSeconds(10)))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("registry " + registry.host() + " asks for basic credentials")
                .hasMessageContaining("an identity token from docker-credential-gatuntest for " + registry.host())
                .hasMessageContaining("is good only for a Bearer token server").hasMessageNotContaining(SECRET);
        assertNothingStored(store);
    }

    @Test
    void aHelperThatHangsIsKilledWithItsChildAfterTheTimeout() throws Exception {
        startWithHtpasswd();
        Path pids = tmp.resolve("helper.pids");
        Path bin = helper("echo $$ > " + pids + "\nsleep 600 &\necho $! >> " + pids + "\nwait");
        Path config = helperConfig("{\"credHelpers\":{\"" + registry.host() + "\":\"gatuntest\"}}");
        ImageStore store = ImageStore.open(tmp.resolve("store"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> pullWithHelpers(config, bin, store, java.time.Duration.ofSeconds(1)))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("credential helper docker-credential-gatuntest for registry " + registry.host())
                .hasMessageContaining("no answer within 1000 ms; killed");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(30));
        List<Long> started = Files.readAllLines(pids).stream().map(Long::parseLong).toList();
        assertThat(started).hasSize(2);
        for (long pid : started) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("helper process %d", pid).isFalse();
        }
        assertNothingStored(store);
    }

    /** No blob, no image record, nothing in the scratch directory. */
    private static void assertNothingStored(ImageStore store) throws IOException {
        assertBlobless(store);
        for (String dir : List.of("tmp", "images", "rootfs/sha256")) {
            try (Stream<Path> s = Files.list(store.root().resolve(dir))) {
                assertThat(s).as(dir).isEmpty();
            }
        }
    }

    private static void assertBlobless(ImageStore store) throws IOException {
        try (Stream<Path> s = Files.list(store.root().resolve("blobs/sha256"))) {
            assertThat(s).isEmpty();
        }
    }

    /** A token server on loopback, then the registry configured to trust its certificate. */
    private void startWithTokenAuth() throws Exception {
        Path keystore = tmp.resolve("token.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "token", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=gatun-test-token",
                "-ext", "bc:c", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", "changeit").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey("token", "changeit".toCharArray());
        X509Certificate cert = (X509Certificate) ks.getCertificate("token");
        Path bundle = Files.writeString(tmp.resolve("token.pem"), "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n");

        tokenServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tokenServer.createContext("/token", exchange -> {
            try (exchange) {
                Map<String, String> query = new java.util.HashMap<>();
                boolean post = exchange.getRequestMethod().equals("POST");
                String params = post ? new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                        : exchange.getRequestURI().getRawQuery();
                for (String kv : params.split("&")) {
                    String[] pair = kv.split("=", 2);
                    query.put(pair[0], URLDecoder.decode(pair.length > 1 ? pair[1] : "", StandardCharsets.UTF_8));
                }
                String basic = exchange.getRequestHeaders().getFirst("Authorization");
                String user = null;
                if (post) { // OAuth2: an identity token as the refresh token
                    if (!query.get("grant_type").equals("refresh_token") || !REFRESH.equals(query.get("refresh_token"))
                            || query.get("client_id") == null) {
                        exchange.sendResponseHeaders(401, -1);
                        return;
                    }
                    user = USER;
                } else if (basic != null) {
                    String decoded = new String(Base64.getDecoder().decode(basic.substring("Basic ".length())), StandardCharsets.UTF_8);
                    if (!decoded.equals(USER + ":" + SECRET)) {
                        exchange.sendResponseHeaders(401, -1);
                        return;
                    }
                    user = USER;
                }
                tokenRequests.add((post ? "POST " : "GET ") + "service=" + query.get("service") + " scope=" + query.get("scope") + " user=" + user);
                String access = "[]";
                String scope = query.getOrDefault("scope", "");
                if (user != null && scope.startsWith("repository:")) {
                    String[] parts = scope.split(":");
                    access = "[{\"type\":\"repository\",\"name\":\"" + parts[1] + "\",\"actions\":[\"pull\"]}]";
                }
                long age = expiredTokens.getAndDecrement() > 0 ? 3600 : 0; // past distribution's minute of leeway
                byte[] body = ("{\"" + (post ? "access_token" : "token") + "\":\"" + jwt(key, cert, user, access, age)
                        + "\",\"expires_in\":300}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } catch (Exception e) {
                throw new IOException(e);
            }
        });
        tokenServer.start();
        String realm = "http://127.0.0.1:" + tokenServer.getAddress().getPort() + "/token";
        registry = LocalRegistry.start(tmp.resolve("registry"), "auth:\n  token:\n    realm: " + realm + "\n    service: "
                + SERVICE + "\n    issuer: " + ISSUER + "\n    rootcertbundle: " + bundle + "\n");
    }

    /** An RS256 JWT with the certificate in its {@code x5c} header, as distribution's token verifier reads it. */
    private static String jwt(PrivateKey key, X509Certificate cert, String subject, String access, long age) throws Exception {
        long now = System.currentTimeMillis() / 1000 - age;
        String header = "{\"typ\":\"JWT\",\"alg\":\"RS256\",\"x5c\":[\"" + Base64.getEncoder().encodeToString(cert.getEncoded()) + "\"]}";
        String claims = "{\"iss\":\"" + ISSUER + "\",\"sub\":\"" + (subject == null ? "" : subject) + "\",\"aud\":\"" + SERVICE
                + "\",\"exp\":" + (now + 300) + ",\"nbf\":" + (now - 10) + ",\"iat\":" + (now - 10) + ",\"jti\":\""
                + java.util.UUID.randomUUID() + "\",\"access\":" + access + "}";
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String signingInput = url.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + url.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key);
        rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + url.encodeToString(rsa.sign());
    }
}
