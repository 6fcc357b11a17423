package dev.gatun.core;

import dev.gatun.oci.Mount;
import dev.gatun.oci.Spec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The container's {@code /etc/hosts}, {@code /etc/hostname} and {@code /etc/resolv.conf}, made the
 * way podman (containers/common's {@code etchosts} and {@code resolvconf}) makes them: written
 * into the container's state directory at create and bind-mounted over the root filesystem's
 * files, so that an image's own are left untouched on disk.
 *
 * <ul>
 *   <li>hosts: the host's {@code /etc/hosts} entries (comments and address-only lines dropped),
 *       then {@code 127.0.0.1 localhost} and {@code ::1 localhost}, then, in network mode none,
 *       {@code 127.0.0.1 <hostname> <id>} — each name only if no line of the host's file has it,
 *       so an entry of the host's wins.
 *   <li>hostname: the hostname and a newline.
 *   <li>resolv.conf: the host's ({@code /run/systemd/resolve/resolv.conf} when {@code /etc}'s
 *       points at systemd-resolved's stub {@code 127.0.0.53}); outside the host's network the
 *       loopback name servers are dropped (they would be the container's own loopback), and with
 *       none left podman's defaults {@code 8.8.8.8} and {@code 8.8.4.4} are written.
 * </ul>
 *
 * <p>A file the caller mounts itself ({@link ContainerBuilder#mount}, {@link ContainerBuilder#bind}
 * at the same destination) is not made. On a root filesystem of the caller's (an image, perhaps
 * shared by several containers) only files that exist there as regular files are covered: Gatun
 * makes no mount point in an image, where one container's removal of it would pull it from under
 * another's create. The sandbox root, the container's own, gets all three. The sweep
 * ({@code Sweeper}) removes them from a dead JVM's state directory. Immutable.
 *
 * @param hostname the container's hostname
 * @param id the container's id (a second name for its loopback address in mode none)
 * @param mode the network mode the files are for
 * @param taken the destinations of the caller's own mounts
 * @param readOnly whether the files are bound read-only (as the root is)
 * @param onlyExisting whether only files that exist in the root filesystem are covered (a caller's rootfs)
 */
record EtcFiles(String hostname, String id, NetworkMode mode, Set<String> taken, boolean readOnly, boolean onlyExisting) {

    static final String HOSTS = "hosts";
    static final String HOSTNAME = "hostname";
    static final String RESOLV_CONF = "resolv.conf";

    /** The files by their name in the state directory, with their destinations in the container. */
    static final Map<String, String> DESTINATIONS = Map.of(HOSTS, "/etc/hosts", HOSTNAME, "/etc/hostname",
            RESOLV_CONF, "/etc/resolv.conf");

    /**
     * {@code spec} with the bind mounts of the files in {@code stateDir} appended (the last
     * mounts, so they cover a host {@code /etc/hosts} a sandbox root binds), leaving out a file
     * whose destination, or {@code /etc} or {@code /}, the caller mounts itself.
     */
    Spec addTo(Spec spec, Path stateDir) {
        if (taken.contains("/") || taken.contains("/etc")) {
            return spec;
        }
        List<Mount> m = new ArrayList<>(spec.mounts() == null ? List.of() : spec.mounts());
        for (String name : List.of(HOSTS, HOSTNAME, RESOLV_CONF)) {
            String destination = DESTINATIONS.get(name);
            if (!taken.contains(destination) && (!onlyExisting || Files.isRegularFile(
                    Path.of(spec.root().path()).resolve(destination.substring(1)), java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
                m.add(new Mount(destination, stateDir.resolve(name).toString(), "bind",
                        List.of("bind", readOnly ? "ro" : "rw", "nosuid", "nodev", "noexec"), null, null));
            }
        }
        return spec.toBuilder().mounts(m).build();
    }

    /** Writes the three files into {@code stateDir}, reading the host's files now; returns what it wrote. */
    List<Path> write(Path stateDir) throws IOException {
        List<Path> written = new ArrayList<>();
        Map<String, String> files = new LinkedHashMap<>();
        boolean ownNetwork = mode instanceof NetworkMode.None || mode instanceof NetworkMode.Pasta;
        files.put(HOSTS, hosts(readOrEmpty(Path.of("/etc/hosts")), hostname, id, ownNetwork));
        files.put(HOSTNAME, hostname + "\n");
        files.put(RESOLV_CONF, mode instanceof NetworkMode.Pasta ? pastaResolvConf(hostResolvConf())
                : resolvConf(hostResolvConf(), mode instanceof NetworkMode.Host));
        try {
            for (Map.Entry<String, String> f : files.entrySet()) {
                Path p = stateDir.resolve(f.getKey());
                written.add(p);
                Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
            }
        } catch (IOException | RuntimeException e) {
            remove(written);
            throw e;
        }
        return written;
    }

    /** Deletes {@code files}; the first failure is thrown after trying them all. */
    static void remove(List<Path> files) throws IOException {
        IOException first = null;
        for (Path p : files) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** podman's hosts file: {@code base}'s entries, then localhost, then (mode none) the hostname on 127.0.0.1. */
    static String hosts(String base, String hostname, String id, boolean hostnameOnLoopback) {
        StringBuilder out = new StringBuilder();
        Set<String> names = new HashSet<>();
        for (String line : base.split("\n")) {
            int hash = line.indexOf('#');
            String[] fields = (hash >= 0 ? line.substring(0, hash) : line).strip().split("\\s+");
            if (fields.length < 2) {
                continue;
            }
            List<String> entryNames = List.of(fields).subList(1, fields.length);
            names.addAll(entryNames);
            out.append(fields[0]).append('\t').append(String.join(" ", entryNames)).append('\n');
        }
        addIfFree(out, names, "127.0.0.1", List.of("localhost"));
        addIfFree(out, names, "::1", List.of("localhost"));
        if (hostnameOnLoopback) {
            addIfFree(out, names, "127.0.0.1", hostname.equals(id) ? List.of(hostname) : List.of(hostname, id));
        }
        return out.toString();
    }

    private static void addIfFree(StringBuilder out, Set<String> names, String ip, List<String> wanted) {
        List<String> free = wanted.stream().filter(n -> !names.contains(n)).toList();
        if (!free.isEmpty()) {
            // names holds the base file's only, as podman's: 127.0.0.1 and ::1 both get localhost
            out.append(ip).append('\t').append(String.join(" ", free)).append('\n');
        }
    }

    /** podman's resolv.conf from the host's: loopback name servers dropped unless the network is the host's. */
    static String resolvConf(String host, boolean hostNetwork) {
        StringBuilder out = new StringBuilder();
        boolean anyServer = false;
        for (String line : host.split("\n")) {
            String[] fields = line.strip().split("\\s+");
            if (fields.length >= 2 && fields[0].equals("nameserver")) {
                if (!hostNetwork && isLoopback(fields[1])) {
                    continue;
                }
                anyServer = true;
            }
            if (!line.isBlank()) {
                out.append(line.strip()).append('\n');
            }
        }
        if (!anyServer) {
            out.append("nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
        }
        return out.toString();
    }

    /**
     * In network mode pasta, as podman writes it: pasta's DNS forward address
     * ({@link dev.gatun.core.net.Pasta#DNS_FORWARD}) as the one name server, then the host's
     * search and options lines.
     */
    static String pastaResolvConf(String host) {
        StringBuilder out = new StringBuilder("nameserver " + dev.gatun.core.net.Pasta.DNS_FORWARD + "\n");
        for (String line : host.split("\n")) {
            String[] fields = line.strip().split("\\s+");
            if (fields.length >= 2 && (fields[0].equals("search") || fields[0].equals("options"))) {
                out.append(line.strip()).append('\n');
            }
        }
        return out.toString();
    }

    private static boolean isLoopback(String address) {
        return address.startsWith("127.") || address.equals("::1");
    }

    /** The host's resolv.conf, or systemd-resolved's upstream one when the host's names only the stub resolver. */
    private static String hostResolvConf() throws IOException {
        String etc = readOrEmpty(Path.of("/etc/resolv.conf"));
        if (etc.lines().anyMatch(l -> l.strip().matches("nameserver\\s+127\\.0\\.0\\.53"))) {
            Path upstream = Path.of("/run/systemd/resolve/resolv.conf");
            if (Files.isReadable(upstream)) {
                return readOrEmpty(upstream);
            }
        }
        return etc;
    }

    private static String readOrEmpty(Path p) throws IOException {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        }
    }
}
