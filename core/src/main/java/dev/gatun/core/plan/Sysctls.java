package dev.gatun.core.plan;

import dev.gatun.namespaces.NamespaceMode;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import java.util.Map;
import java.util.Set;

/**
 * Which {@code linux.sysctl} entries a container may set: only those whose value belongs to a
 * namespace the container has, as runc allows them. Every other sysctl is the host's own value,
 * and writing it from a container would change the host (a container once set the host's
 * {@code kernel.printk_ratelimit_burst}).
 *
 * <ul>
 *   <li>{@code kernel.msgmax}, {@code kernel.msgmnb}, {@code kernel.msgmni}, {@code kernel.sem},
 *       {@code kernel.shmall}, {@code kernel.shmmax}, {@code kernel.shmmni},
 *       {@code kernel.shm_rmid_forced} and {@code fs.mqueue.*}: with an IPC namespace of its own
 *       (created, or joined by path);</li>
 *   <li>{@code net.*}: with a network namespace of its own;</li>
 *   <li>{@code kernel.hostname}, {@code kernel.domainname}: with a UTS namespace of its own.</li>
 * </ul>
 *
 * <p>A name is dotted ({@code net.ipv4.ip_forward}); slashes, empty and {@code ..} parts are
 * refused, so that the name maps to exactly one file under {@code /proc/sys}.
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#sysctl">OCI sysctl</a>
 */
final class Sysctls {

    private static final Set<String> IPC = Set.of("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
            "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced");

    private Sysctls() {}

    /** Refuses the first entry of {@code sysctl} that is not the container's own to set. */
    static void check(Map<String, String> sysctl, Namespaces namespaces) {
        for (String key : sysctl.keySet()) {
            String path = "$.linux.sysctl[\"" + key + "\"]";
            if (!key.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)+")) {
                throw Invalid.spec(path, "not a sysctl name (dotted parts of letters, digits, _ and -)");
            }
            NamespaceType needed = namespaceOf(key);
            if (needed == null) {
                throw Invalid.spec(path, "not a namespaced sysctl: writing it from a container would change the "
                        + "host's value; only kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, net.* and "
                        + "kernel.hostname/domainname may be set");
            }
            if (namespaces.mode(needed) instanceof NamespaceMode.Share) {
                throw Invalid.spec(path, "belongs to the " + needed.procName() + " namespace, which this container "
                        + "shares with the host: add a " + needed.procName() + " namespace to linux.namespaces");
            }
        }
    }

    /** The namespace whose value {@code key} is, or null for a host-global sysctl. */
    private static NamespaceType namespaceOf(String key) {
        if (IPC.contains(key) || key.startsWith("fs.mqueue.")) {
            return NamespaceType.IPC;
        }
        if (key.startsWith("net.")) {
            return NamespaceType.NETWORK;
        }
        if (key.equals("kernel.hostname") || key.equals("kernel.domainname")) {
            return NamespaceType.UTS;
        }
        return null;
    }
}
