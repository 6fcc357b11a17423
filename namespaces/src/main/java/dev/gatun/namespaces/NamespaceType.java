package dev.gatun.namespaces;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The eight Linux namespace types, with the {@code clone(2)} flag that creates each, its name
 * under {@code /proc/<pid>/ns} and its name in the OCI runtime spec.
 *
 * <p>The declaration order is not meaningful; the order in which a spawn joins namespaces is
 * {@link Namespaces#steps()}'s business.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/namespaces.7.html">namespaces(7)</a>
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#namespaces">OCI
 *     runtime spec: namespaces</a>
 */
public enum NamespaceType {
    /** Cgroup root directory. */
    CGROUP(0x0200_0000L, "cgroup", "cgroup"),
    /** System V IPC, POSIX message queues. */
    IPC(0x0800_0000L, "ipc", "ipc"),
    /** Mount points. */
    MOUNT(0x0002_0000L, "mnt", "mount"),
    /** Network devices, stacks, ports. */
    NETWORK(0x4000_0000L, "net", "network"),
    /** Process IDs. */
    PID(0x2000_0000L, "pid", "pid"),
    /** Boot and monotonic clocks. */
    TIME(0x0000_0080L, "time", "time"),
    /** User and group IDs. */
    USER(0x1000_0000L, "user", "user"),
    /** Hostname and NIS domain name. */
    UTS(0x0400_0000L, "uts", "uts");

    private final long cloneFlag;
    private final String procName;
    private final String ociName;

    NamespaceType(long cloneFlag, String procName, String ociName) {
        this.cloneFlag = cloneFlag;
        this.procName = procName;
        this.ociName = ociName;
    }

    /** The {@code CLONE_NEW*} flag that creates a namespace of this type. */
    public long cloneFlag() {
        return cloneFlag;
    }

    /** The file name under {@code /proc/<pid>/ns}, e.g. {@code mnt} for {@link #MOUNT}. */
    public String procName() {
        return procName;
    }

    /** The name in an OCI {@code config.json}, e.g. {@code mount} for {@link #MOUNT}. */
    public String ociName() {
        return ociName;
    }

    /** {@code /proc/<pid>/ns/<procName>}: the file that stands for this namespace of a process. */
    public Path procPath(long pid) {
        if (pid <= 0) {
            throw new NamespaceConfigException("pid", Long.toString(pid), "a pid is positive");
        }
        return Path.of("/proc", Long.toString(pid), "ns", procName);
    }

    /**
     * The type an OCI {@code linux.namespaces[].type} names.
     *
     * @throws NamespaceConfigException if {@code name} is none of {@code pid network mount ipc uts
     *     user cgroup time}
     */
    public static NamespaceType ofOciName(String name) {
        for (NamespaceType t : values()) {
            if (t.ociName.equals(name)) {
                return t;
            }
        }
        throw new NamespaceConfigException("type", String.valueOf(name),
                "not a namespace type; expected one of pid, network, mount, ipc, uts, user, cgroup, time");
    }

    /**
     * The type whose {@code /proc/<pid>/ns} file is called {@code name} ({@code net}, {@code mnt}, …).
     *
     * @throws NamespaceConfigException if no type has that file name
     */
    public static NamespaceType ofProcName(String name) {
        for (NamespaceType t : values()) {
            if (t.procName.equals(name)) {
                return t;
            }
        }
        throw new NamespaceConfigException("procName", String.valueOf(name),
                "not a /proc/<pid>/ns name; expected one of "
                        + String.join(", ", Arrays.stream(values()).map(NamespaceType::procName).toList()));
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
