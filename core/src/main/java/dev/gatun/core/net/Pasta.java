package dev.gatun.core.net;

import dev.gatun.core.linux.LibC;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.core.spawn.SpawnedProcess;
import dev.gatun.core.spawn.Spawner;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A container's network through {@code pasta} (Debian package {@code passt}), as podman 5 makes
 * it: pasta joins the container's network namespace (and, for a rootless container, the user
 * namespace that owns it), gives it a tap interface with the host's addresses and routes, and
 * carries its traffic through ordinary sockets of the host, so the container reaches what the host
 * reaches, with no privilege. Published ports are pasta's {@code -t}/{@code -u} forwards: pasta
 * listens on the host and connects inside the namespace. DNS queries to {@link #DNS_FORWARD}
 * go to the host's resolver.
 *
 * <p>This is how an unprivileged JVM publishes ports: it cannot enter a namespace its container's
 * user namespace owns, but pasta, started by it, can (the caller owns that user namespace).
 *
 * <p>One pasta process per container, run in the foreground by the spawn engine (so it dies with
 * the JVM) and ended by {@link #close()}. Not thread-safe.
 *
 * @see <a href="https://passt.top/builds/latest/web/passt.1.html">passt(1)</a>
 */
public final class Pasta implements AutoCloseable {

    /** The command; {@code -Dgatun.pasta=/path} overrides it. */
    public static final String COMMAND = System.getProperty("gatun.pasta", "/usr/bin/pasta");

    /** The address inside the container whose DNS queries pasta forwards to the host's resolver (podman's). */
    public static final String DNS_FORWARD = "169.254.1.1";

    private static final Path TUN = Path.of("/dev/net/tun");
    private static final long READY_TIMEOUT_MILLIS = 5_000;
    private static final int SIGTERM = 15;
    private static final int SIGKILL = 9;

    /**
     * One forward from the host into the container.
     *
     * @param protocol {@code tcp} or {@code udp}
     * @param hostIp the host address pasta listens on; null for all
     * @param hostPort the host port, 1-65535 (choose a free one before: pasta takes no 0)
     * @param containerPort the port inside the container
     */
    public record Forward(String protocol, String hostIp, int hostPort, int containerPort) {}

    private final SpawnedProcess process;
    private final Path log;
    private final Path output;
    private final Path netns;

    private Pasta(SpawnedProcess process, Path log, Path output, Path netns) {
        this.process = process;
        this.log = log;
        this.output = output;
        this.netns = netns;
    }

    /**
     * Why pasta cannot run for this user here, naming what to install or change; null when it can.
     */
    public static String unavailabilityCause() {
        return unavailabilityCause(Path.of(COMMAND), TUN);
    }

    static String unavailabilityCause(Path command, Path tun) {
        if (!Files.isExecutable(command)) {
            return "the network mode pasta needs " + command + " (Debian package passt)";
        }
        if (!Files.isReadable(tun) || !Files.isWritable(tun)) {
            return "the network mode pasta needs " + tun + ", which this user cannot open (Debian's udev makes it "
                    + "mode 0666; as root: chmod 0666 " + tun + ")";
        }
        return null;
    }

    /**
     * Starts pasta for the network namespace of process {@code pid} and waits until every TCP and
     * UDP forward listens on the host.
     *
     * <p>As root, pasta gets the namespace as a file bound in {@code dir} ({@code netns}, as
     * {@code ip netns add} makes one): pasta drops capabilities first, after which the kernel's
     * ptrace check refuses it the {@code /proc/<pid>/ns} files of a process with more. Unprivileged,
     * it joins {@code /proc/<pid>/ns/user} and {@code net}, which the caller owns.
     *
     * @param pid the container's init (created, not necessarily started)
     * @param rootless whether this JVM is not root: pasta then also joins {@code pid}'s user
     *     namespace, which owns its network namespace
     * @param forwards the published ports
     * @param dir the container's state directory: pasta's log and, as root, the namespace file go
     *     there ({@link #close()} removes both)
     * @throws IOException naming the package or device when pasta cannot run, or with pasta's own
     *     words when it exits or does not listen in time
     */
    public static Pasta start(long pid, boolean rootless, List<Forward> forwards, Path dir) throws IOException {
        String cause = unavailabilityCause();
        if (cause != null) {
            throw new IOException(cause);
        }
        for (Forward f : forwards) {
            // pasta would only warn and go on without the port; and a port that is free now is
            // the one the listening check below then sees as pasta's
            int free;
            try {
                free = f.hostPort() == freePortAt(f) ? f.hostPort() : -1;
            } catch (IOException e) {
                free = -1;
            }
            if (free < 0) {
                throw new IOException("publish: host port " + (f.hostIp() == null ? "" : f.hostIp() + ":") + f.hostPort()
                        + "/" + f.protocol() + " is in use");
            }
        }
        Path logFile = dir.resolve("pasta.log");
        Path netns = null;
        List<String> cmd = new ArrayList<>(List.of(COMMAND, "--config-net", "--foreground", "--quiet",
                "--log-file", logFile.toString()));
        if (rootless) {
            cmd.addAll(List.of("--netns", "/proc/" + pid + "/ns/net", "--userns", "/proc/" + pid + "/ns/user"));
        } else {
            netns = dir.resolve("netns");
            Files.createFile(netns);
            try {
                LibC.bindMount("/proc/" + pid + "/ns/net", netns.toString());
            } catch (IOException e) {
                Files.deleteIfExists(netns);
                throw e;
            }
            // and as root itself: pasta's default, nobody, may not open the file
            cmd.addAll(List.of("--netns", netns.toString(), "--runas", "0:0"));
        }

        cmd.addAll(options(forwards, "tcp"));
        cmd.addAll(options(forwards, "udp"));
        cmd.addAll(List.of("-T", "none", "-U", "none", "--dns-forward", DNS_FORWARD));
        Path output = dir.resolve("pasta.out");
        SpawnedProcess p;
        try {
            p = spawn(cmd, output);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(output);
            unbind(netns);
            throw e;
        }
        Pasta pasta = new Pasta(p, logFile, output, netns);
        try {
            pasta.awaitListening(pid, forwards);
            return pasta;
        } catch (IOException | RuntimeException e) {
            pasta.close();
            throw e;
        }
    }

    /**
     * Runs {@code cmd} through the spawn engine, not {@link ProcessBuilder}: its parent is then the
     * spawner thread, which lives as long as the JVM, so that {@code PR_SET_PDEATHSIG} ends pasta
     * when the JVM dies however it dies (pasta itself stays while the namespace's file or its own
     * fd of it does); stdout and stderr go to {@code output}.
     */
    private static SpawnedProcess spawn(List<String> cmd, Path output) throws IOException {
        int devNull = LibC.openat(LibC.AT_FDCWD, "/dev/null", LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        try {
            int out = LibC.openat(LibC.AT_FDCWD, output.toString(), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_CLOEXEC
                    | 01000 /* O_TRUNC */, 0600);
            try {
                Program program = Program.builder().stdio(0, devNull).stdio(1, out).stdio(2, out)
                        .setsid().parentDeathSignal(SIGKILL).unblockSignals()
                        .execve(cmd.getFirst(), cmd, List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin")).build();
                return Spawner.get().spawn(program, SpawnOptions.defaults());
            } finally {
                LibC.close(out);
            }
        } finally {
            LibC.close(devNull);
        }
    }

    /** A free port on {@code hostIp} (null: all addresses) for {@code protocol}, for a forward of host port 0. */
    public static int freePort(String protocol, String hostIp) throws IOException {
        InetAddress address = hostIp == null ? null : InetAddress.getByName(hostIp);
        if (protocol.equals("udp")) {
            try (java.net.DatagramSocket s = new java.net.DatagramSocket(new InetSocketAddress(address, 0))) {
                return s.getLocalPort();
            }
        }
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(address, 0));
            return s.getLocalPort();
        }
    }

    private static int freePortAt(Forward f) throws IOException {
        InetAddress address = f.hostIp() == null ? null : InetAddress.getByName(f.hostIp());
        if (f.protocol().equals("udp")) {
            try (java.net.DatagramSocket s = new java.net.DatagramSocket(new InetSocketAddress(address, f.hostPort()))) {
                return s.getLocalPort();
            }
        }
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(address, f.hostPort()));
            return s.getLocalPort();
        }
    }

    /**
     * pasta's options for one protocol's forwards: {@code -t [addr/]host:container} once per
     * forward (an address in a spec binds all its ports, so forwards of their own), or
     * {@code -t none}.
     */
    static List<String> options(List<Forward> forwards, String protocol) {
        String flag = protocol.equals("udp") ? "-u" : "-t";
        List<String> options = new ArrayList<>();
        for (Forward f : forwards) {
            if (f.protocol().equals(protocol)) {
                options.add(flag);
                options.add((f.hostIp() == null ? "" : f.hostIp() + "/") + f.hostPort() + ":" + f.containerPort());
            }
        }
        return options.isEmpty() ? List.of(flag, "none") : options;
    }

    private void awaitListening(long pid, List<Forward> forwards) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MILLIS);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("pasta exited (" + process.onExit().join() + ") before the container's network "
                        + "was up: " + words());
            }
            if (forwards.stream().allMatch(Pasta::listening) && hasRoute(pid)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("pasta did not listen on " + forwards + " within " + READY_TIMEOUT_MILLIS
                        + " ms: " + words());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for pasta", e);
            }
        }
    }

    /**
     * Whether pasta has configured the container's interface ({@code --config-net}): its
     * namespace has a default route where the host has one (pasta copies the host's), or else a
     * route besides loopback's. Then the container's first packet goes out.
     */
    private static boolean hasRoute(long pid) {
        try {
            boolean hostDefault = defaultRoute(Path.of("/proc/net/route"));
            List<String> routes = Files.readAllLines(Path.of("/proc/" + pid + "/net/route"));
            return hostDefault ? defaultRoute(Path.of("/proc/" + pid + "/net/route")) : routes.size() > 1;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean defaultRoute(Path table) throws IOException {
        // Iface Destination Gateway ...: the default route's destination is 00000000
        return Files.readAllLines(table).stream().skip(1).map(l -> l.trim().split("\\s+"))
                .anyMatch(c -> c.length > 1 && c[1].equals("00000000"));
    }

    /** Whether a socket of this host's network namespace listens on (or, for UDP, is bound to) the forward's host port. */
    private static boolean listening(Forward f) {
        String port = String.format(Locale.ROOT, ":%04X ", f.hostPort());
        for (String table : f.protocol().equals("udp") ? List.of("udp", "udp6") : List.of("tcp", "tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/net/" + table))) {
                    String[] cols = line.trim().split("\\s+");
                    // local_address is column 1; TCP state 0A is LISTEN, a bound UDP socket is 07
                    if (cols.length > 3 && (cols[1] + " ").endsWith(port)
                            && cols[3].equals(f.protocol().equals("udp") ? "07" : "0A")) {
                        return true;
                    }
                }
            } catch (IOException e) {
                // no IPv6 table: look at the other
            }
        }
        return false;
    }

    /** What pasta said: its output and its log file. */
    private String words() {
        StringBuilder s = new StringBuilder();
        try {
            if (Files.exists(output)) {
                s.append(Files.readString(output, StandardCharsets.UTF_8).strip());
            }
            if (Files.exists(log)) {
                s.append(s.isEmpty() ? "" : "; ").append(Files.readString(log).strip());
            }
        } catch (IOException e) {
            s.append("(").append(e).append(")");
        }
        return s.isEmpty() ? "(nothing)" : s.toString().replaceAll("Failed to send \\d+ bytes to syslog\\s*", "");
    }

    /** The pasta process's pid. */
    public long pid() {
        return process.pid();
    }

    /** Ends pasta (SIGTERM, then SIGKILL after 2 s), waits for it and removes its files and the namespace's. */
    @Override
    public void close() throws IOException {
        try {
            process.signal(SIGTERM);
            if (process.waitFor(java.time.Duration.ofSeconds(2)).isEmpty()) {
                process.kill();
                process.waitFor(java.time.Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Files.deleteIfExists(log);
            Files.deleteIfExists(output);
            unbind(netns);
        }
    }

    /** Detaches and removes the namespace file, if there is one: the namespace ends with its last user. */
    private static void unbind(Path netns) throws IOException {
        if (netns != null) {
            try {
                LibC.detachMount(netns.toString());
            } catch (dev.gatun.core.ErrnoException e) {
                // EINVAL: not a mount (the bind failed before); the file goes all the same
            }
            Files.deleteIfExists(netns);
        }
    }
}
