package dev.gatun.cli;

import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.SpecVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What {@code gatun create} records of a container in {@code <root>/<id>/state.json}: enough for
 * another process to find its init (pid and start time), report its OCI state and remove its
 * cgroup directories. The status is never stored: it is read from the init each time.
 */
record ContainerRecord(String id, long pid, long initStartTime, String bundle, String rootfs, String created,
        String owner, Map<String, String> annotations, Map<String, String> cgroupDirectories) {

    ContainerRecord {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        cgroupDirectories = cgroupDirectories == null ? Map.of() : java.util.Collections.unmodifiableMap(
                new LinkedHashMap<>(cgroupDirectories));
    }

    /** The cgroup's distinct directories (v1 controllers may share one), in the create's order. */
    List<String> cgroups() {
        return List.copyOf(new java.util.LinkedHashSet<>(cgroupDirectories.values()));
    }

    String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("pid", pid);
        m.put("initStartTime", initStartTime);
        m.put("bundle", bundle);
        m.put("rootfs", rootfs);
        m.put("created", created);
        m.put("owner", owner);
        m.put("annotations", new java.util.TreeMap<>(annotations));
        m.put("cgroupDirectories", cgroupDirectories);
        return OciSpecs.mapper().writeValueAsString(m);
    }

    static ContainerRecord read(String json) {
        JsonNode n = OciSpecs.mapper().readTree(json);
        Map<String, String> annotations = new LinkedHashMap<>();
        n.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asString()));
        Map<String, String> cgroups = new LinkedHashMap<>();
        n.path("cgroupDirectories").properties().forEach(e -> cgroups.put(e.getKey(), e.getValue().asString()));
        return new ContainerRecord(n.path("id").asString(), n.path("pid").asLong(), n.path("initStartTime").asLong(),
                n.path("bundle").asString(), n.path("rootfs").asString(), n.path("created").asString(),
                n.path("owner").asString(""), annotations, cgroups);
    }

    /** The OCI status now: stopped once the init is gone, created while exec.fifo exists, paused while frozen. */
    String status(Path directory) throws IOException {
        if (!new InitProcess(pid, initStartTime).alive()) {
            return "stopped";
        }
        if (Files.exists(directory.resolve(dev.gatun.core.Container.EXEC_FIFO))) {
            return "created";
        }
        java.util.Optional<Freezer> freezer = Freezer.of(this);
        return freezer.isPresent() && freezer.get().frozen() ? "paused" : "running";
    }

    /** The state as {@code runc state} prints it (two-space indent, runc's field order; pid 0 once stopped). */
    String stateJson(String status) {
        StringBuilder s = new StringBuilder("{\n");
        field(s, "ociVersion", quote(SpecVersion.CURRENT));
        field(s, "id", quote(id));
        field(s, "pid", Long.toString(status.equals("stopped") ? 0 : pid));
        field(s, "status", quote(status));
        field(s, "bundle", quote(bundle));
        field(s, "rootfs", quote(rootfs));
        field(s, "created", quote(created));
        if (!annotations.isEmpty()) {
            StringBuilder a = new StringBuilder("{\n");
            List<String> keys = annotations.keySet().stream().sorted().toList();
            for (int i = 0; i < keys.size(); i++) {
                a.append("    ").append(quote(keys.get(i))).append(": ").append(quote(annotations.get(keys.get(i))))
                        .append(i + 1 < keys.size() ? ",\n" : "\n");
            }
            field(s, "annotations", a.append("  }").toString());
        }
        s.append("  \"owner\": ").append(quote(owner)).append("\n}");
        return s.toString();
    }

    /** The state as one line of {@code list --format json}: runc's object, compact. */
    Map<String, Object> stateMap(String status) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ociVersion", SpecVersion.CURRENT);
        m.put("id", id);
        m.put("pid", status.equals("stopped") ? 0 : pid);
        m.put("status", status);
        m.put("bundle", bundle);
        m.put("rootfs", rootfs);
        m.put("created", created);
        if (!annotations.isEmpty()) {
            m.put("annotations", new java.util.TreeMap<>(annotations));
        }
        m.put("owner", owner);
        return m;
    }

    private static void field(StringBuilder s, String name, String json) {
        s.append("  \"").append(name).append("\": ").append(json).append(",\n");
    }

    static String quote(String value) {
        return OciSpecs.mapper().writeValueAsString(value == null ? "" : value);
    }
}
