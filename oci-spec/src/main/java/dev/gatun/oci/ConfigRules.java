package dev.gatun.oci;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of config.md, for everything but the Linux section ({@link LinuxRules}): what the
 * JSON schema requires plus the semantic rules runtime-tools' {@code validate} checks.
 */
final class ConfigRules {

    static final Set<String> IOPRIO_CLASSES = Set.of("IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE");
    static final Set<String> SCHED_POLICIES = Set.of("SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
            "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE");
    static final Set<String> SCHED_FLAGS = Set.of("SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",
            "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS",
            "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX");

    private ConfigRules() {}

    static List<ValidationError> check(Spec spec) {
        Problems p = new Problems();
        if (spec == null) {
            p.add("$", "is required");
            return p.result();
        }
        if (p.required("$.ociVersion", spec.ociVersion())) {
            String problem = SpecVersion.problem(spec.ociVersion());
            if (problem != null) {
                p.add("$.ociVersion", problem);
            }
        }
        // config.md: root is optional on Windows only; a VM-based runtime may also do without it.
        if (spec.root() == null && spec.windows() == null && spec.vm() == null) {
            p.add("$.root", "is required (the container's root filesystem, e.g. {\"path\": \"rootfs\"})");
        } else if (spec.root() != null) {
            if (p.required("$.root.path", spec.root().path())) {
                p.nonEmpty("$.root.path", spec.root().path());
                p.noNul("$.root.path", spec.root().path());
            }
        }
        mounts(p, spec);
        if (spec.process() != null) {
            process(p, "$.process", spec.process(), spec.windows() != null);
        }
        hooks(p, spec.hooks());
        annotations(p, "$.annotations", spec.annotations());
        if (spec.linux() != null) {
            LinuxRules.check(p, spec);
        }
        if (spec.freebsd() != null) {
            DocumentRules.freebsd(p, spec.freebsd());
        }
        return p.result();
    }

    private static void mounts(Problems p, Spec spec) {
        List<Mount> mounts = spec.mounts();
        if (mounts == null) {
            return;
        }
        boolean userNamespace = spec.linux() != null && spec.linux().namespaces() != null
                && spec.linux().namespaces().stream().anyMatch(ns -> "user".equals(ns.type()));
        for (int i = 0; i < mounts.size(); i++) {
            String at = Paths.index("$.mounts", i);
            Mount m = mounts.get(i);
            // config.md: a relative destination is deprecated but allowed, and means relative to "/"
            if (p.required(at + ".destination", m.destination())) {
                p.nonEmpty(at + ".destination", m.destination());
                p.noNul(at + ".destination", m.destination());
            }
            p.noNul(at + ".source", m.source());
            boolean hasUid = m.uidMappings() != null && !m.uidMappings().isEmpty();
            boolean hasGid = m.gidMappings() != null && !m.gidMappings().isEmpty();
            LinuxRules.mappings(p, at + ".uidMappings", m.uidMappings());
            LinuxRules.mappings(p, at + ".gidMappings", m.gidMappings());
            if (hasUid != hasGid) {
                p.add(at + (hasUid ? ".gidMappings" : ".uidMappings"),
                        "is required: config.md requires uidMappings and gidMappings together");
            }
            // config.md: idmap without mappings of its own borrows the container's user namespace
            if (MountOptions.parse(m.options()).idmap() && !hasUid && !hasGid && !userNamespace) {
                p.add(at + ".options", "\"idmap\" needs uidMappings and gidMappings on the mount, or a user namespace in linux.namespaces");
            }
        }
    }

    static void process(Problems p, String at, ProcessSpec process, boolean windows) {
        if (p.required(at + ".cwd", process.cwd())) {
            p.absolute(at + ".cwd", process.cwd());
            p.noNul(at + ".cwd", process.cwd());
        }
        // config.md: args needs an entry except on Windows, where commandLine may stand in for it
        if ((process.args() == null || process.args().isEmpty()) && !(windows && process.commandLine() != null)) {
            p.add(at + ".args", "must name the program to run (at least one element)");
        }
        p.eachNoNul(at + ".args", process.args());
        p.env(at + ".env", process.env());
        // config.md: consoleSize without a terminal is ignored, not an error
        if (process.consoleSize() != null) {
            p.required(at + ".consoleSize.height", process.consoleSize().height());
            p.required(at + ".consoleSize.width", process.consoleSize().width());
        }
        user(p, at + ".user", process.user());
        capabilities(p, at + ".capabilities", process.capabilities());
        rlimits(p, at + ".rlimits", process.rlimits());
        p.range(at + ".oomScoreAdj", process.oomScoreAdj(), -1000, 1000);
        ProcessSpec.IoPriority io = process.ioPriority();
        if (io != null) {
            if (p.required(at + ".ioPriority.class", io.priorityClass())) {
                p.oneOf(at + ".ioPriority.class", io.priorityClass(), IOPRIO_CLASSES);
            }
            p.range(at + ".ioPriority.priority", io.priority(), 0, 7);
        }
        scheduler(p, at + ".scheduler", process.scheduler());
        ProcessSpec.ExecCpuAffinity affinity = process.execCPUAffinity();
        if (affinity != null) {
            p.cpuList(at + ".execCPUAffinity.initial", affinity.initial());
            p.cpuList(at + ".execCPUAffinity.final", affinity.finalAffinity());
        }
    }

    private static void user(Problems p, String at, ProcessSpec.User user) {
        if (user == null) {
            return;
        }
        p.uint32(at + ".uid", user.uid());
        p.uint32(at + ".gid", user.gid());
        p.range(at + ".umask", user.umask(), 0, 0777);
        List<Long> gids = user.additionalGids();
        if (gids != null) {
            for (int i = 0; i < gids.size(); i++) {
                p.uint32(Paths.index(at + ".additionalGids", i), gids.get(i));
            }
        }
    }

    private static void capabilities(Problems p, String at, ProcessSpec.Capabilities caps) {
        if (caps == null) {
            return;
        }
        capabilitySet(p, at + ".bounding", caps.bounding());
        capabilitySet(p, at + ".effective", caps.effective());
        capabilitySet(p, at + ".inheritable", caps.inheritable());
        capabilitySet(p, at + ".permitted", caps.permitted());
        capabilitySet(p, at + ".ambient", caps.ambient());
    }

    private static void capabilitySet(Problems p, String at, List<String> names) {
        if (names == null) {
            return;
        }
        for (int i = 0; i < names.size(); i++) {
            if (Capability.find(names.get(i)).isEmpty()) {
                p.add(Paths.index(at, i), "unknown capability \"" + names.get(i) + "\"" + Capability.hint(names.get(i)));
            }
        }
    }

    private static void rlimits(Problems p, String at, List<ProcessSpec.Rlimit> rlimits) {
        if (rlimits == null) {
            return;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < rlimits.size(); i++) {
            String here = Paths.index(at, i);
            ProcessSpec.Rlimit r = rlimits.get(i);
            if (p.required(here + ".type", r.type())) {
                if (RlimitType.find(r.type()).isEmpty()) {
                    p.add(here + ".type", "unknown rlimit type \"" + r.type() + "\" (RLIMIT_CPU ... RLIMIT_RTTIME)");
                } else if (!seen.add(r.type())) {
                    p.add(here + ".type", r.type() + " appears more than once; config.md requires one entry per type");
                }
            }
            boolean soft = p.required(here + ".soft", r.soft());
            boolean hard = p.required(here + ".hard", r.hard());
            if (soft && hard && Long.compareUnsigned(r.soft(), r.hard()) > 0) {
                p.add(here + ".soft", "soft limit " + Long.toUnsignedString(r.soft())
                        + " is above the hard limit " + Long.toUnsignedString(r.hard()) + "; setrlimit(2) would fail");
            }
        }
    }

    private static void scheduler(Problems p, String at, ProcessSpec.Scheduler s) {
        if (s == null) {
            return;
        }
        if (p.required(at + ".policy", s.policy())) {
            p.oneOf(at + ".policy", s.policy(), SCHED_POLICIES);
        }
        p.eachOneOf(at + ".flags", s.flags(), SCHED_FLAGS);
        p.range(at + ".nice", s.nice(), -20, 19);
        boolean realtime = "SCHED_FIFO".equals(s.policy()) || "SCHED_RR".equals(s.policy());
        if (realtime) {
            p.range(at + ".priority", s.priority(), 1, 99);
        } else if (s.priority() != null && s.priority() != 0) {
            p.add(at + ".priority", "must be 0 for " + s.policy() + "; only SCHED_FIFO and SCHED_RR take a priority (1 to 99)");
        }
        if ("SCHED_DEADLINE".equals(s.policy())) {
            if (p.required(at + ".runtime", s.runtime()) & p.required(at + ".deadline", s.deadline())) {
                long period = s.period() == null || s.period() == 0 ? s.deadline() : s.period();
                if (Long.compareUnsigned(s.runtime(), s.deadline()) > 0 || Long.compareUnsigned(s.deadline(), period) > 0) {
                    p.add(at, "SCHED_DEADLINE needs runtime <= deadline <= period (sched(7))");
                }
            }
        }
    }

    private static void hooks(Problems p, Hooks hooks) {
        if (hooks == null) {
            return;
        }
        hookList(p, "$.hooks.prestart", hooks.prestart());
        hookList(p, "$.hooks.createRuntime", hooks.createRuntime());
        hookList(p, "$.hooks.createContainer", hooks.createContainer());
        hookList(p, "$.hooks.startContainer", hooks.startContainer());
        hookList(p, "$.hooks.poststart", hooks.poststart());
        hookList(p, "$.hooks.poststop", hooks.poststop());
    }

    private static void hookList(Problems p, String at, List<Hook> hooks) {
        if (hooks == null) {
            return;
        }
        for (int i = 0; i < hooks.size(); i++) {
            String here = Paths.index(at, i);
            Hook h = hooks.get(i);
            if (p.required(here + ".path", h.path())) {
                p.absolute(here + ".path", h.path());
                p.noNul(here + ".path", h.path());
            }
            p.eachNoNul(here + ".args", h.args());
            p.env(here + ".env", h.env());
            if (h.timeout() != null && h.timeout() < 1) {
                p.add(here + ".timeout", h.timeout() + " is not a timeout: it must be at least 1 second");
            }
        }
    }

    static void annotations(Problems p, String at, Map<String, String> annotations) {
        if (annotations == null) {
            return;
        }
        for (String key : annotations.keySet()) {
            if (key.isEmpty()) {
                p.add(Paths.key(at, key), "an annotation key must not be empty");
            }
        }
    }
}
