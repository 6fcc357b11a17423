package dev.gatun.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The challenge parser and the credential search, on headers and auth files written by the test. */
class RegistryAuthTest {

    @TempDir
    Path tmp;

    @Test
    void aBearerChallengeKeepsTheCommaInsideItsQuotedScope() {
        RegistryAuth.Challenge c = RegistryAuth.Challenge.parse(
                "Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\","
                        + "scope=\"repository:samalba/my-app:pull,push\",error=\"invalid_token\"");
        assertThat(c.scheme()).isEqualTo("bearer");
        assertThat(c.param("realm")).isEqualTo("https://auth.example.com/token");
        assertThat(c.param("service")).isEqualTo("registry.example.com");
        assertThat(c.param("scope")).isEqualTo("repository:samalba/my-app:pull,push");
        assertThat(c.param("error")).isEqualTo("invalid_token");
        assertThat(RegistryAuth.Challenge.parse("Basic realm=\"Registry Realm\"").scheme()).isEqualTo("basic");
        assertThat(RegistryAuth.Challenge.parse("Basic realm=\"Registry Realm\"").param("realm")).isEqualTo("Registry Realm");
    }

    @Test
    void theFirstFileWithAnEntryForTheHostWinsAndTheLongestNamespaceKeyInIt() throws Exception {
        Path missing = tmp.resolve("missing.json");
        Path other = write("other.json", "{\"auths\":{\"elsewhere.example:5000\":{\"auth\":\"" + b64("x:y") + "\"}}}");
        Path docker = write("config.json", "{\"auths\":{"
                + "\"https://registry.example.com/v1/\":{\"auth\":\"" + b64("host:pw1") + "\"},"
                + "\"registry.example.com/team\":{\"auth\":\"" + b64("team:pw2") + "\"}}}");
        RegistryAuth.Lookup l = RegistryAuth.lookup(List.of(missing, other, docker), "registry.example.com",
                "registry.example.com/team/app");
        assertThat(l.credential().username()).isEqualTo("team");
        assertThat(l.credential().password()).isEqualTo("pw2");
        assertThat(l.credential().source()).contains(docker.toString()).contains("registry.example.com/team");
        assertThat(l.tried()).containsExactly(missing + " (missing)", other + " (no entry)");
        RegistryAuth.Lookup hostOnly = RegistryAuth.lookup(List.of(docker), "registry.example.com",
                "registry.example.com/teamster/app"); // not a namespace prefix: the host's entry
        assertThat(hostOnly.credential().username()).isEqualTo("host");
    }

    @Test
    void aCredentialNeverShowsItsPassword() throws Exception {
        Path file = write("auth.json", "{\"auths\":{\"r.example\":{\"auth\":\"" + b64("alice:hunter2:colon") + "\"}}}");
        RegistryAuth.Credential c = RegistryAuth.lookup(List.of(file), "r.example", "r.example/a").credential();
        assertThat(c.password()).isEqualTo("hunter2:colon"); // the first colon separates
        assertThat(c.toString()).contains("alice").contains(file.toString()).doesNotContain("hunter2");
        assertThat(c.basic()).isEqualTo("Basic " + b64("alice:hunter2:colon"));
    }

    @Test
    void aHelperThatIsNotInstalledAndABadAuthFieldAreNamedAndAnIdentityTokenWinsOverAuth() throws Exception {
        Path helper = write("helper.json", "{\"auths\":{},\"credsStore\":\"desktop\"}");
        assertThatThrownBy(() -> RegistryAuth.lookup(List.of(helper), "r.example", "r.example/a"))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("credential helper docker-credential-desktop for registry r.example (" + helper + " credsStore)")
                .hasMessageContaining("no executable docker-credential-desktop");
        Path token = write("token.json", "{\"auths\":{\"r.example\":{\"auth\":\"" + b64("a:b") + "\",\"identitytoken\":\"t0k\"}}}");
        RegistryAuth.Credential identity = RegistryAuth.lookup(List.of(token), "r.example", "r.example/a").credential();
        assertThat(identity.identityToken()).isTrue(); // preferred to the entry's auth
        assertThat(identity.password()).isEqualTo("t0k");
        assertThat(identity.toString()).isEqualTo("an identity token from " + token + " auths[\"r.example\"]");
        Path bad = write("bad.json", "{\"auths\":{\"r.example\":{\"auth\":\"" + b64("nocolon") + "\"}}}");
        assertThatThrownBy(() -> RegistryAuth.lookup(List.of(bad), "r.example", "r.example/a"))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining(bad + " auths[\"r.example\"] auth");
    }

    private Path write(String name, String json) throws Exception {
        return Files.writeString(tmp.resolve(name), json);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
