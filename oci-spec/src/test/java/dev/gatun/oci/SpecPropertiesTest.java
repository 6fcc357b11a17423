package dev.gatun.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of the config reader and validator: a random valid spec is valid and survives a write
 * and a read unchanged; a random mutation of a valid document is read and validated, or refused
 * with an {@link InvalidSpecException}, and never anything else.
 */
class SpecPropertiesTest {

    private static final List<String> CAPS = List.of("CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID",
            "CAP_SETGID", "CAP_SYS_CHROOT", "CAP_AUDIT_WRITE", "CAP_NET_BIND_SERVICE");
    private static final List<String> NAMESPACES = List.of("pid", "network", "ipc", "uts", "mount", "cgroup");
    private static final List<String> RLIMITS = List.of("RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_CORE", "RLIMIT_STACK");

    @Property(tries = 200)
    void aRandomValidSpecIsValidAndReadsBackEqualAfterAWrite(@ForAll("validSpecs") Spec spec) {
        assertThat(OciSpecs.validate(spec)).isEmpty();
        String json = OciSpecs.writeConfig(spec);
        Spec read = OciSpecs.readConfig(json);
        assertThat(read).isEqualTo(spec);
        assertThat(OciSpecs.writeConfig(read)).isEqualTo(json);
    }

    @Property(tries = 300)
    void aMutatedDocumentIsReadOrRefusedWithAPathNeverAnythingElse(@ForAll("validSpecs") Spec spec,
            @ForAll("mutations") List<Mutation> mutations) {
        StringBuilder json = new StringBuilder(OciSpecs.writeConfig(spec));
        for (Mutation m : mutations) {
            m.apply(json);
        }
        try {
            Spec read = OciSpecs.readConfig(json.toString());
            List<ValidationError> errors = OciSpecs.validate(read);
            for (ValidationError e : errors) {
                assertThat(e.path()).startsWith("$");
                assertThat(e.message()).isNotBlank();
            }
        } catch (InvalidSpecException e) {
            assertThat(e.errors()).isNotEmpty().allSatisfy(error -> assertThat(error.path()).startsWith("$"));
        }
    }

    @Property(tries = 200)
    void aValidSpecWithOneFieldOfTheWrongTypeIsOneErrorNamingThatField(@ForAll("validSpecs") Spec spec,
            @ForAll @IntRange(min = 0, max = 3) int field, @ForAll("wrongValues") String wrong) {
        // fields every generated spec has; the first "path" is the root's
        String[][] fields = {{"\"cwd\" : \"", "$.process.cwd"}, {"\"ociVersion\" : \"", "$.ociVersion"},
            {"\"path\" : \"", "$.root.path"}, {"\"destination\" : \"", "$.mounts[0].destination"}};
        String json = OciSpecs.writeConfig(spec);
        int at = json.indexOf(fields[field][0]);
        assertThat(at).as("%s in %s", fields[field][0], json).isNotNegative();
        int start = json.indexOf('"', at + fields[field][0].indexOf(':'));
        int end = json.indexOf('"', start + 1);
        String broken = json.substring(0, start) + wrong + json.substring(end + 1);
        try {
            OciSpecs.readConfig(broken);
            throw new AssertionError("read " + wrong + " as " + fields[field][1]);
        } catch (InvalidSpecException e) {
            assertThat(e.errors()).singleElement().satisfies(error -> assertThat(error.path()).isEqualTo(fields[field][1]));
        }
    }

    @Provide
    Arbitrary<String> wrongValues() {
        return Arbitraries.of("1", "-1", "1.5", "true", "false", "[]", "{}", "[\"a\"]", "{\"a\": \"b\"}", "1e400",
                "18446744073709551616");
    }

    @Provide
    Arbitrary<Spec> validSpecs() {
        Arbitrary<String> word = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> absolute = word.list().ofMinSize(1).ofMaxSize(4).map(parts -> "/" + String.join("/", parts));
        Arbitrary<List<String>> caps = Arbitraries.of(CAPS).set().ofMaxSize(CAPS.size()).map(ArrayList::new);
        Arbitrary<ProcessSpec> process = Combinators.combine(absolute.list().ofMinSize(1).ofMaxSize(4), absolute,
                word.list().ofMaxSize(4), caps, Arbitraries.longs().between(0, 0xFFFF_FFFEL),
                Arbitraries.integers().between(-1000, 1000), Arbitraries.of(RLIMITS).set().ofMaxSize(3),
                Arbitraries.longs().between(0, 1 << 20)).as((args, cwd, env, cap, uid, oom, rlimits, limit) ->
                ProcessSpec.builder()
                        .args(args)
                        .cwd(cwd)
                        .env(env.stream().map(e -> e.toUpperCase() + "=" + e).toList())
                        .user(new ProcessSpec.User(uid, uid, null, null, null))
                        .capabilities(new ProcessSpec.Capabilities(cap, cap, null, cap, null))
                        .rlimits(rlimits.stream().map(r -> new ProcessSpec.Rlimit(r, limit, limit)).toList())
                        .oomScoreAdj(oom)
                        .build());
        Arbitrary<Mount> mount = Combinators.combine(absolute, Arbitraries.of("tmpfs", "proc", "mqueue"),
                Arbitraries.of("nosuid", "nodev", "noexec", "ro", "rw", "size=1m", "mode=755", "rprivate", "relatime")
                        .list().ofMaxSize(5)).as((dest, type, options) -> new Mount(dest, type, type, options, null, null));
        Arbitrary<List<String>> namespaces = Arbitraries.of(NAMESPACES).set().ofMaxSize(NAMESPACES.size())
                .map(s -> NAMESPACES.stream().filter(s::contains).toList());
        Arbitrary<Map<String, String>> annotations = Arbitraries.maps(word.map(w -> "org.example." + w),
                Arbitraries.strings().ofMaxLength(20)).ofMaxSize(4).map(LinkedHashMap::new);
        return Combinators.combine(word, Arbitraries.of(true, false), process, mount.list().ofMinSize(1).ofMaxSize(5),
                namespaces, annotations, word).as((root, readonly, p, mounts, ns, notes, host) -> {
                    List<Linux.Namespace> list = ns.stream().map(t -> new Linux.Namespace(t, null)).toList();
                    return Spec.builder()
                            .ociVersion(SpecVersion.CURRENT)
                            .root(new Root(root, readonly))
                            .process(p)
                            .hostname(ns.contains("uts") ? host : null)
                            .mounts(mounts)
                            .annotations(notes)
                            .linux(Linux.builder().namespaces(list).build())
                            .build();
                });
    }

    /** A change to a document's text: a character deleted, inserted or replaced, or a cut. */
    record Mutation(int kind, double where, char c) {
        void apply(StringBuilder s) {
            if (s.isEmpty()) {
                return;
            }
            int i = (int) (where * (s.length() - 1));
            switch (kind) {
                case 0 -> s.deleteCharAt(i);
                case 1 -> s.insert(i, c);
                case 2 -> s.setCharAt(i, c);
                case 3 -> s.setLength(i);
                default -> s.insert(i, s.substring(i, Math.min(s.length(), i + 20)));
            }
        }
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Character> chars = Arbitraries.oneOf(Arbitraries.of('{', '}', '[', ']', '"', ',', ':', '-', '0', '9',
                'e', '.', '\\', 'n', 't', '\0', '\u00e9', '\uffff'), Arbitraries.chars());
        return Combinators.combine(Arbitraries.integers().between(0, 4), Arbitraries.doubles().between(0, 1), chars)
                .as(Mutation::new).list().ofMinSize(1).ofMaxSize(4);
    }
}
