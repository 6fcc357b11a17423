package dev.gatun.core.security;

import dev.gatun.core.KernelVersion;
import dev.gatun.core.linux.Arch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.math.BigInteger;

/**
 * A seccomp profile in the containers-common / Docker format, and the policy it yields for one
 * process: the format of podman's and CRI-O's default profile, which {@link #bundled()} loads and
 * Gatun's sandbox applies by default.
 *
 * <p>The format is OCI's {@code linux.seccomp} plus:
 * <ul>
 *   <li>{@code archMap}: per native architecture, the sub-architectures the filter also accepts;
 *   <li>{@code syscalls[].includes} / {@code excludes}: a rule applies only when the process's
 *       <em>bounding</em> set holds all {@code includes.caps} and none of {@code excludes.caps},
 *       the native architecture (Go's name: {@code amd64}, {@code arm64}) is in
 *       {@code includes.arches} and not in {@code excludes.arches}, and the kernel is at least
 *       {@code includes.minKernel} and below {@code excludes.minKernel};
 *   <li>{@code defaultErrnoRet}, {@code errnoRet}: the errno of ERRNO actions (EPERM if absent).
 * </ul>
 * This is what containers/common {@code pkg/seccomp} (and moby's {@code profiles/seccomp}) do
 * before handing the result to runc. Conditions on the same argument within one entry become
 * alternatives, as runc makes them ({@link SeccompRule#fromOci}).
 *
 * <p>The JSON is read into plain maps, lists, strings and numbers by a small strict reader of
 * its own ({@link ProfileJson}): the bundled profile is read on a fresh JVM's first container,
 * and Jackson (its databind, and even its streaming parser) cost that container tens of
 * milliseconds more to load.
 *
 * <p>Immutable and thread-safe; parsed once.
 *
 * @see <a href="https://github.com/containers/common/blob/main/pkg/seccomp/seccomp.json">containers/common seccomp.json</a>
 */
public final class ContainersSeccompProfile {

    private static final String BUNDLED = "containers-common-seccomp.json";

    private static final Map<String, Arch> SCMP_ARCHES = Map.of(
            "SCMP_ARCH_X86_64", Arch.X86_64,
            "SCMP_ARCH_X86", Arch.X86,
            "SCMP_ARCH_X32", Arch.X32,
            "SCMP_ARCH_AARCH64", Arch.AARCH64,
            "SCMP_ARCH_ARM", Arch.ARM);

    private final Map<String, Object> root;

    private ContainersSeccompProfile(Map<String, Object> root) {
        this.root = root;
    }

    /** The containers-common default profile shipped with Gatun (see the README beside it); parsed once. */
    public static ContainersSeccompProfile bundled() {
        return Bundled.PROFILE;
    }

    /** Holder: the bundled profile is parsed on first use, not when this class loads. */
    private static final class Bundled {
        static final ContainersSeccompProfile PROFILE = load();
    }

    private static ContainersSeccompProfile load() {
        try (InputStream in = ContainersSeccompProfile.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException(BUNDLED + " missing from dev.gatun.core.security");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a profile from JSON text.
     *
     * @throws IllegalArgumentException when the text is no JSON object
     */
    public static ContainersSeccompProfile parse(String json) {
        Object root = ProfileJson.read(json);
        if (!(root instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("seccomp profile is not a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) root;
        return new ContainersSeccompProfile(object);
    }

    /**
     * The policy for a process on {@code nativeArch} whose bounding set is {@code bounding}, on
     * kernel {@code kernel}.
     *
     * @throws IllegalArgumentException naming the JSON path of a malformed or unknown value
     */
    public SeccompPolicy policy(Arch nativeArch, Set<Capability> bounding, KernelVersion kernel) {
        String goArch = switch (nativeArch) {
            case X86_64 -> "amd64";
            case AARCH64 -> "arm64";
            default -> throw new IllegalArgumentException("no native process runs on " + nativeArch.tableName());
        };
        SeccompAction defaultAction = action(root, "defaultAction", "defaultErrnoRet", "");
        List<SeccompRule> rules = new ArrayList<>();
        List<Object> syscalls = list(root.get("syscalls"));
        for (int i = 0; i < syscalls.size(); i++) {
            Map<String, Object> entry = object(syscalls.get(i));
            String path = "syscalls[" + i + "]";
            if (applies(entry, path, goArch, bounding, kernel)) {
                rules.addAll(SeccompRule.fromOci(names(entry.get("names"), path),
                        action(entry, "action", "errnoRet", path + "."), conditions(entry.get("args"), path)));
            }
        }
        return SeccompPolicy.of(defaultAction, architectures(nativeArch), rules);
    }

    private List<Arch> architectures(Arch nativeArch) {
        List<Object> archMap = list(root.get("archMap"));
        for (int i = 0; i < archMap.size(); i++) {
            Map<String, Object> entry = object(archMap.get(i));
            if (SCMP_ARCHES.get(string(entry.get("architecture"))) == nativeArch) {
                List<Arch> arches = new ArrayList<>(List.of(nativeArch));
                List<Object> subs = list(entry.get("subArchitectures"));
                for (int j = 0; j < subs.size(); j++) {
                    Arch sub = SCMP_ARCHES.get(string(subs.get(j)));
                    if (sub == null) {
                        throw new IllegalArgumentException("archMap[" + i + "].subArchitectures[" + j + "]: "
                                + subs.get(j) + " is no architecture Gatun knows");
                    }
                    arches.add(sub);
                }
                return arches;
            }
        }
        return List.of(nativeArch);
    }

    private static boolean applies(Map<String, Object> entry, String path, String goArch, Set<Capability> bounding,
            KernelVersion kernel) {
        Map<String, Object> inc = object(entry.get("includes"));
        Map<String, Object> exc = object(entry.get("excludes"));
        if (list(exc.get("arches")).contains(goArch)) {
            return false;
        }
        for (Object cap : list(exc.get("caps"))) {
            if (bounding.contains(capability(cap, path + ".excludes.caps"))) {
                return false;
            }
        }
        if (exc.containsKey("minKernel") && kernel.compareTo(kernelVersion(exc, path + ".excludes")) >= 0) {
            return false;
        }
        if (!list(inc.get("arches")).isEmpty() && !list(inc.get("arches")).contains(goArch)) {
            return false;
        }
        for (Object cap : list(inc.get("caps"))) {
            if (!bounding.contains(capability(cap, path + ".includes.caps"))) {
                return false;
            }
        }
        return !inc.containsKey("minKernel") || kernel.compareTo(kernelVersion(inc, path + ".includes")) >= 0;
    }

    /** A JSON object's members; none for anything else (absent, null, another type). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value) {
        return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }

    /** A JSON array's elements; none for anything else. */
    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return value instanceof List<?> list ? (List<Object>) list : List.of();
    }

    /** A JSON string's text; "" for anything else. */
    private static String string(Object value) {
        return value instanceof String text ? text : "";
    }

    private static Capability capability(Object name, String path) {
        try {
            return Capability.of(string(name));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    private static KernelVersion kernelVersion(Map<String, Object> node, String path) {
        try {
            return KernelVersion.parse(string(node.get("minKernel")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ".minKernel: " + e.getMessage(), e);
        }
    }

    private static List<String> names(Object names, String path) {
        List<String> result = new ArrayList<>();
        for (Object n : list(names)) {
            result.add(string(n));
        }
        if (result.isEmpty()) {
            throw new IllegalArgumentException(path + ".names is empty");
        }
        return result;
    }

    private static SeccompAction action(Map<String, Object> node, String field, String errnoField, String path) {
        Object errno = node.get(errnoField);
        try {
            return SeccompAction.of(string(node.get(field)), errno instanceof BigInteger n ? n.intValue() : null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + field + ": " + e.getMessage(), e);
        }
    }

    /** An unsigned 64-bit JSON number as Java's long (two's complement above 2^63); absent is 0. */
    private static long u64(Object n, String path) {
        if (n == null) {
            return 0;
        }
        if (!(n instanceof BigInteger big) || big.signum() < 0 || big.bitLength() > 64) {
            throw new IllegalArgumentException(path + ": " + (n instanceof String text ? "\"" + text + "\"" : n)
                    + " is not an unsigned 64-bit integer");
        }
        return big.longValue();
    }

    private static List<ArgCondition> conditions(Object args, String path) {
        List<ArgCondition> result = new ArrayList<>();
        List<Object> all = list(args);
        for (int i = 0; i < all.size(); i++) {
            Map<String, Object> arg = object(all.get(i));
            String at = path + ".args[" + i + "]";
            try {
                result.add(new ArgCondition(arg.get("index") instanceof BigInteger index ? index.intValue() : -1,
                        ArgCondition.Op.of(string(arg.get("op"))), u64(arg.get("value"), at + ".value"),
                        u64(arg.get("valueTwo"), at + ".valueTwo")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
            }
        }
        return result;
    }
}
