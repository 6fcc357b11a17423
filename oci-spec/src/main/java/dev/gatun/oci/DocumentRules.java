package dev.gatun.oci;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/** The rules of state.json, features.json and the parts of other platforms' sections the schema constrains. */
final class DocumentRules {

    static final Set<String> STATUSES = Set.of("creating", "created", "running", "stopped");
    private static final Pattern CAPABILITY_NAME = Pattern.compile("^CAP_[A-Z_]+$");
    private static final Set<String> SHARING = Set.of("disable", "new", "inherit");
    private static final Set<String> SHARING_NO_DISABLE = Set.of("new", "inherit");

    private DocumentRules() {}

    static List<ValidationError> check(State state) {
        Problems p = new Problems();
        if (state == null) {
            p.add("$", "is required");
            return p.result();
        }
        version(p, "$.ociVersion", state.ociVersion());
        if (p.required("$.id", state.id())) {
            p.nonEmpty("$.id", state.id());
        }
        if (p.required("$.status", state.status())) {
            p.oneOf("$.status", state.status(), STATUSES);
        }
        if (state.pid() != null && state.pid() < 0) {
            p.add("$.pid", state.pid() + " is not a process ID");
        } else if (state.pid() == null && ("created".equals(state.status()) || "running".equals(state.status()))) {
            p.add("$.pid", "is required when the status is " + state.status());
        }
        if (p.required("$.bundle", state.bundle())) {
            p.absolute("$.bundle", state.bundle());
        }
        ConfigRules.annotations(p, "$.annotations", state.annotations());
        return p.result();
    }

    static List<ValidationError> check(Features features) {
        Problems p = new Problems();
        if (features == null) {
            p.add("$", "is required");
            return p.result();
        }
        if (p.required("$.ociVersionMin", features.ociVersionMin()) && !SpecVersion.isSemVer(features.ociVersionMin())) {
            p.add("$.ociVersionMin", "\"" + features.ociVersionMin() + "\" is not a SemVer 2.0.0 version");
        }
        if (p.required("$.ociVersionMax", features.ociVersionMax()) && !SpecVersion.isSemVer(features.ociVersionMax())) {
            p.add("$.ociVersionMax", "\"" + features.ociVersionMax() + "\" is not a SemVer 2.0.0 version");
        }
        ConfigRules.annotations(p, "$.annotations", features.annotations());
        Features.LinuxFeatures linux = features.linux();
        if (linux != null) {
            p.eachOneOf("$.linux.namespaces", linux.namespaces(), LinuxRules.NAMESPACE_TYPES);
            List<String> caps = linux.capabilities();
            if (caps != null) {
                for (int i = 0; i < caps.size(); i++) {
                    if (!CAPABILITY_NAME.matcher(caps.get(i)).matches()) {
                        p.add(Paths.index("$.linux.capabilities", i), "\"" + caps.get(i) + "\" is not a capability name like CAP_KILL");
                    }
                }
            }
            if (linux.memoryPolicy() != null) {
                p.eachOneOf("$.linux.memoryPolicy.modes", linux.memoryPolicy().modes(), LinuxRules.MPOL_MODES);
                p.eachOneOf("$.linux.memoryPolicy.flags", linux.memoryPolicy().flags(), LinuxRules.MPOL_FLAGS);
            }
            Features.SeccompFeatures seccomp = linux.seccomp();
            if (seccomp != null) {
                p.eachOneOf("$.linux.seccomp.actions", seccomp.actions(), SeccompRules.ACTIONS);
                p.eachOneOf("$.linux.seccomp.operators", seccomp.operators(), SeccompRules.OPERATORS);
                p.eachOneOf("$.linux.seccomp.archs", seccomp.archs(), SeccompRules.ARCHITECTURES);
                p.eachOneOf("$.linux.seccomp.knownFlags", seccomp.knownFlags(), SeccompRules.FLAGS);
                p.eachOneOf("$.linux.seccomp.supportedFlags", seccomp.supportedFlags(), SeccompRules.FLAGS);
            }
        }
        return p.result();
    }

    private static void version(Problems p, String at, String version) {
        if (p.required(at, version) && !SpecVersion.isSemVer(version)) {
            p.add(at, "\"" + version + "\" is not a SemVer 2.0.0 version like \"" + SpecVersion.CURRENT + "\"");
        }
    }

    /**
     * Checks the FreeBSD jail's sharing modes, the one part of another platform's section whose
     * values the schema restricts beyond their JSON type. The section is otherwise carried as is.
     */
    static void freebsd(Problems p, JsonNode freebsd) {
        JsonNode jail = freebsd.get("jail");
        if (jail == null || !jail.isObject()) {
            return;
        }
        Map<String, Set<String>> modes = Map.of("host", SHARING_NO_DISABLE, "vnet", SHARING_NO_DISABLE,
                "ip4", SHARING, "ip6", SHARING, "sysvmsg", SHARING, "sysvsem", SHARING, "sysvshm", SHARING);
        for (String field : List.of("host", "ip4", "ip6", "vnet", "sysvmsg", "sysvsem", "sysvshm")) {
            JsonNode value = jail.get(field);
            String at = "$.freebsd.jail." + field;
            if (value == null) {
                continue;
            }
            if (!value.isString()) {
                p.add(at, "must be a string, one of " + String.join(", ", modes.get(field).stream().sorted().toList()));
            } else {
                p.oneOf(at, value.asString(), modes.get(field));
            }
        }
    }
}
