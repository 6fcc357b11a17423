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
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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

    private final JsonNode root;

    private ContainersSeccompProfile(JsonNode root) {
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
        JsonNode root;
        try {
            root = JsonMapper.shared().readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("seccomp profile is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("seccomp profile is not a JSON object");
        }
        return new ContainersSeccompProfile(root);
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
        JsonNode syscalls = root.path("syscalls");
        for (int i = 0; i < syscalls.size(); i++) {
            JsonNode entry = syscalls.get(i);
            String path = "syscalls[" + i + "]";
            if (applies(entry, path, goArch, bounding, kernel)) {
                rules.addAll(SeccompRule.fromOci(names(entry.path("names"), path),
                        action(entry, "action", "errnoRet", path + "."), conditions(entry.path("args"), path)));
            }
        }
        return SeccompPolicy.of(defaultAction, architectures(nativeArch), rules);
    }

    private List<Arch> architectures(Arch nativeArch) {
        JsonNode archMap = root.path("archMap");
        for (int i = 0; i < archMap.size(); i++) {
            JsonNode entry = archMap.get(i);
            if (SCMP_ARCHES.get(entry.path("architecture").asString("")) == nativeArch) {
                List<Arch> arches = new ArrayList<>(List.of(nativeArch));
                JsonNode subs = entry.path("subArchitectures");
                for (int j = 0; j < subs.size(); j++) {
                    Arch sub = SCMP_ARCHES.get(subs.get(j).asString(""));
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

    private static boolean applies(JsonNode entry, String path, String goArch, Set<Capability> bounding,
            KernelVersion kernel) {
        JsonNode inc = entry.path("includes");
        JsonNode exc = entry.path("excludes");
        if (contains(exc.path("arches"), goArch)) {
            return false;
        }
        for (JsonNode cap : exc.path("caps")) {
            if (bounding.contains(capability(cap, path + ".excludes.caps"))) {
                return false;
            }
        }
        if (exc.has("minKernel") && kernel.compareTo(kernelVersion(exc, path + ".excludes")) >= 0) {
            return false;
        }
        if (inc.path("arches").size() > 0 && !contains(inc.path("arches"), goArch)) {
            return false;
        }
        for (JsonNode cap : inc.path("caps")) {
            if (!bounding.contains(capability(cap, path + ".includes.caps"))) {
                return false;
            }
        }
        return !inc.has("minKernel") || kernel.compareTo(kernelVersion(inc, path + ".includes")) >= 0;
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode n : array) {
            if (value.equals(n.asString(""))) {
                return true;
            }
        }
        return false;
    }

    private static Capability capability(JsonNode name, String path) {
        try {
            return Capability.of(name.asString(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    private static KernelVersion kernelVersion(JsonNode node, String path) {
        try {
            return KernelVersion.parse(node.path("minKernel").asString(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ".minKernel: " + e.getMessage(), e);
        }
    }

    private static List<String> names(JsonNode names, String path) {
        List<String> list = new ArrayList<>();
        for (JsonNode n : names) {
            list.add(n.asString(""));
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException(path + ".names is empty");
        }
        return list;
    }

    private static SeccompAction action(JsonNode node, String field, String errnoField, String path) {
        JsonNode errno = node.path(errnoField);
        try {
            return SeccompAction.of(node.path(field).asString(""), errno.isIntegralNumber() ? errno.asInt() : null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + field + ": " + e.getMessage(), e);
        }
    }

    /** An unsigned 64-bit JSON number as Java's long (two's complement above 2^63); absent is 0. */
    private static long u64(JsonNode n, String path) {
        if (n.isMissingNode() || n.isNull()) {
            return 0;
        }
        if (!n.isIntegralNumber() || n.bigIntegerValue().signum() < 0 || n.bigIntegerValue().bitLength() > 64) {
            throw new IllegalArgumentException(path + ": " + n + " is not an unsigned 64-bit integer");
        }
        return n.bigIntegerValue().longValue();
    }

    private static List<ArgCondition> conditions(JsonNode args, String path) {
        List<ArgCondition> list = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            JsonNode arg = args.get(i);
            String at = path + ".args[" + i + "]";
            try {
                list.add(new ArgCondition(arg.path("index").asInt(-1), ArgCondition.Op.of(arg.path("op").asString("")),
                        u64(arg.path("value"), at + ".value"), u64(arg.path("valueTwo"), at + ".valueTwo")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
            }
        }
        return list;
    }
}
