package dev.gatun.namespaces;

/**
 * The eight Linux namespace types, with the {@code clone(2)} flag that creates each and its name
 * under {@code /proc/<pid>/ns}.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/namespaces.7.html">namespaces(7)</a>
 */
public enum NamespaceType {
    /** Cgroup root directory. */
    CGROUP(0x0200_0000L, "cgroup"),
    /** System V IPC, POSIX message queues. */
    IPC(0x0800_0000L, "ipc"),
    /** Mount points. */
    MOUNT(0x0002_0000L, "mnt"),
    /** Network devices, stacks, ports. */
    NETWORK(0x4000_0000L, "net"),
    /** Process IDs. */
    PID(0x2000_0000L, "pid"),
    /** Boot and monotonic clocks. */
    TIME(0x0000_0080L, "time"),
    /** User and group IDs. */
    USER(0x1000_0000L, "user"),
    /** Hostname and NIS domain name. */
    UTS(0x0400_0000L, "uts");

    private final long cloneFlag;
    private final String procName;

    NamespaceType(long cloneFlag, String procName) {
        this.cloneFlag = cloneFlag;
        this.procName = procName;
    }

    /** The {@code CLONE_NEW*} flag that creates a namespace of this type. */
    public long cloneFlag() {
        return cloneFlag;
    }

    /** The file name under {@code /proc/<pid>/ns}, e.g. {@code mnt} for {@link #MOUNT}. */
    public String procName() {
        return procName;
    }
}
