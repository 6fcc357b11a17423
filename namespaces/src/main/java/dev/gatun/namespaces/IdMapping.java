package dev.gatun.namespaces;

/**
 * One line of a {@code uid_map} or {@code gid_map}: {@code size} consecutive ids starting at
 * {@code containerId} inside the user namespace stand for those starting at {@code hostId} in the
 * parent namespace.
 *
 * <p>Validated on construction: ids are unsigned 32-bit, {@code size >= 1}, and neither range may
 * reach id 4294967295 ({@code (uid_t) -1}, which the kernel never maps: it rejects a range whose
 * end overflows 32 bits). Overlaps between lines are checked by {@link IdMappings}. Immutable.
 *
 * @param containerId first id inside the namespace (OCI {@code containerID})
 * @param hostId first id in the parent namespace (OCI {@code hostID})
 * @param size number of ids (OCI {@code size})
 * @see <a href="https://man7.org/linux/man-pages/man7/user_namespaces.7.html">user_namespaces(7),
 *     "User and group ID mappings"</a>
 */
public record IdMapping(long containerId, long hostId, long size) {

    /** The largest id a range may include: 4294967295 ({@code (uid_t) -1}) is never valid. */
    public static final long MAX_ID = 0xFFFF_FFFEL;

    public IdMapping {
        String v = containerId + " " + hostId + " " + size;
        if (containerId < 0 || hostId < 0) {
            throw new NamespaceConfigException("idMapping", v, "ids are unsigned");
        }
        if (size < 1) {
            throw new NamespaceConfigException("idMapping", v, "size must be at least 1");
        }
        if (containerId + size - 1 > MAX_ID) {
            throw new NamespaceConfigException("idMapping", v, "container ids " + containerId + ".."
                    + (containerId + size - 1) + " go past " + MAX_ID + " (ids are 32-bit, 4294967295 is reserved)");
        }
        if (hostId + size - 1 > MAX_ID) {
            throw new NamespaceConfigException("idMapping", v, "host ids " + hostId + ".."
                    + (hostId + size - 1) + " go past " + MAX_ID + " (ids are 32-bit, 4294967295 is reserved)");
        }
    }

    /** The caller's own id as root of the namespace: {@code 0 <hostId> 1}. */
    public static IdMapping rootAs(long hostId) {
        return new IdMapping(0, hostId, 1);
    }

    /** The last container id in the range. */
    public long lastContainerId() {
        return containerId + size - 1;
    }

    /** The last host id in the range. */
    public long lastHostId() {
        return hostId + size - 1;
    }

    /** Whether the container ranges of the two mappings share an id. */
    boolean containerRangeOverlaps(IdMapping o) {
        return containerId <= o.lastContainerId() && o.containerId <= lastContainerId();
    }

    /** Whether the host ranges of the two mappings share an id. */
    boolean hostRangeOverlaps(IdMapping o) {
        return hostId <= o.lastHostId() && o.hostId <= lastHostId();
    }

    /** The map file line without newline: {@code "<containerId> <hostId> <size>"}. */
    public String toLine() {
        return containerId + " " + hostId + " " + size;
    }

    /** A person's reading, e.g. {@code 0..65535 -> 100000..165535}. */
    @Override
    public String toString() {
        return containerId + ".." + lastContainerId() + " -> " + hostId + ".." + lastHostId();
    }
}
