package dev.gatun.namespaces;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of an OCI {@code linux.namespaces} array, in plain terms: the type name
 * ({@code pid network mount ipc uts user cgroup time}) and the optional path of a namespace to
 * join. Kept free of the {@code oci-spec} module so that either can be used alone; core copies
 * between the two.
 *
 * <p>The record holds what it is given; {@link #toBuilder(List)} validates, with the JSON path of
 * the entry in messages. As in runc, an empty path means "create". Immutable.
 *
 * @param type the type name as in {@code config.json}
 * @param path the namespace file to join, or {@code null} (or empty) to create a new one
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#namespaces">OCI
 *     runtime spec: namespaces</a>
 */
public record OciNamespace(String type, String path) {

    /** The order {@link #listOf(Namespaces)} writes entries in, as the spec's examples do. */
    private static final List<NamespaceType> ORDER = List.of(NamespaceType.PID, NamespaceType.NETWORK,
            NamespaceType.IPC, NamespaceType.UTS, NamespaceType.MOUNT, NamespaceType.USER, NamespaceType.CGROUP,
            NamespaceType.TIME);

    /** An entry that creates a namespace. */
    public static OciNamespace create(NamespaceType type) {
        return new OciNamespace(type.ociName(), null);
    }

    /** An entry that joins a namespace. */
    public static OciNamespace join(NamespaceType type, Path path) {
        return new OciNamespace(type.ociName(), path.toString());
    }

    /**
     * A builder with the modes these entries give; absent types are shared. Mappings and time
     * offsets (OCI {@code uidMappings}, {@code gidMappings}, {@code timeOffsets}) are set on the
     * builder by the caller.
     *
     * @throws NamespaceConfigException naming {@code linux.namespaces[i]} for an unknown type, a
     *     type listed twice, or a relative path
     */
    public static Namespaces.Builder toBuilder(List<OciNamespace> entries) {
        Namespaces.Builder b = Namespaces.builder();
        Map<NamespaceType, Integer> seen = new EnumMap<>(NamespaceType.class);
        for (int i = 0; i < entries.size(); i++) {
            String at = "linux.namespaces[" + i + "]";
            OciNamespace e = entries.get(i);
            NamespaceType t;
            try {
                t = NamespaceType.ofOciName(e.type());
            } catch (NamespaceConfigException x) {
                throw new NamespaceConfigException(at + ".type", String.valueOf(e.type()),
                        "not a namespace type; expected one of pid, network, mount, ipc, uts, user, cgroup, time");
            }
            Integer before = seen.putIfAbsent(t, i);
            if (before != null) {
                throw new NamespaceConfigException(at + ".type", e.type(),
                        "listed twice (also linux.namespaces[" + before + "]); each type may appear once");
            }
            if (e.path() == null || e.path().isEmpty()) {
                b.create(t);
            } else {
                Path p = Path.of(e.path());
                if (!p.isAbsolute()) {
                    throw new NamespaceConfigException(at + ".path", e.path(), "must be an absolute path");
                }
                b.join(t, p);
            }
        }
        return b;
    }

    /** The entries for a value: one per created or joined type; shared types are left out. */
    public static List<OciNamespace> listOf(Namespaces namespaces) {
        List<OciNamespace> out = new ArrayList<>();
        for (NamespaceType t : ORDER) {
            switch (namespaces.mode(t)) {
                case NamespaceMode.Create c -> out.add(create(t));
                case NamespaceMode.Join j -> out.add(join(t, j.path()));
                case NamespaceMode.Share s -> { }
            }
        }
        return List.copyOf(out);
    }
}
