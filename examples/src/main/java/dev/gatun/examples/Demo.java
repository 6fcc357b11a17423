package dev.gatun.examples;

import dev.gatun.cgroups.Cgroup;
import dev.gatun.core.Container;
import dev.gatun.core.ContainerBuilder;
import dev.gatun.core.ContainerProcess;
import dev.gatun.core.NetworkMode;
import dev.gatun.core.Gatun;
import dev.gatun.namespaces.NamespaceSet;
import dev.gatun.namespaces.NamespaceType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The README's main command: the article's experiment, on any machine with JDK 25 and root, with
 * no image and no download.
 *
 * <p>It starts a long-running web server in a container with the article's limits — what
 * {@code podman run --memory=512m --memory-swap=512m --cpus=1.5 --cpu-shares=512 --pids-limit=100
 * --blkio-weight=500 … httpd} asks for — and prints the evidence side by side: the host's process
 * tree (this JVM, the container's init, its children, by host pid), the container's own view (its
 * PID 1), uname from both sides (one kernel), the hostnames (two), the cgroup and its limit files
 * as the kernel holds them, and which namespaces differ from the host's. The server's port 80 is
 * published on the host's 127.0.0.1:8081, as the article's {@code -p 8081:80}, and the demo GETs
 * it from the host. Then it stops and removes the container and shows that nothing is left.
 *
 * <p>The server is busybox's {@code httpd} when a static busybox is installed
 * ({@code busybox-static}), otherwise the JDK's own {@code jwebserver}, both reached from the
 * host's read-only {@code /usr}.
 *
 * <p>Given an image — the first argument, or {@code -Dgatun.demo.image=} through the Maven
 * profile: a registry reference ({@code localhost:5000/httpd:1}), an OCI layout directory or a
 * {@code docker save} archive — the container runs that image's own command on a root of the
 * image's layers instead, and the port published on 8081 is the first TCP port the image exposes
 * (80 when it exposes none). The container's own view then comes from an {@code exec} of
 * {@code /bin/sh} in it, when the image has one.
 */
public final class Demo {

    /** The container's port the server listens on, and the host port that publishes it, as in the article's {@code -p 8081:80}. */
    private static final int CONTAINER_PORT = 80;
    private static final int HOST_PORT = 8081;

    private Demo() {}

    /** Runs the demonstration; exits 1 when this JVM cannot run containers, saying why. */
    public static void main(String[] args) throws Exception {
        if (!Gatun.isSupported()) {
            System.err.println("Gatun cannot run containers here: " + Gatun.unsupportedCause().orElseThrow());
            System.exit(1);
        }
        String image = args.length > 0 ? args[0] : System.getProperty("gatun.demo.image", "").strip();
        List<String> server = image.isEmpty() ? server() : List.of();
        String view = "echo \"inside: my pid is $$, hostname $(hostname), kernel $(uname -r)\"; "
                + "echo \"inside: cgroup $(head -1 /proc/self/cgroup)\"; "
                + "echo \"inside: processes I can see: $(ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' ')\"; ";
        String script = view + "echo \"<h1>hello from $(hostname)</h1>\" > /tmp/index.html; "
                + "echo ready; exec " + String.join(" ", server);

        // a JVM that is not root runs the container rootless: its own user namespace, limits only in a
        // delegated cgroup, and published ports through pasta (it cannot enter the container's network)
        boolean rootless = !"root".equals(System.getProperty("user.name"));
        Optional<String> noPasta = rootless ? NetworkMode.pastaUnavailableCause() : Optional.empty();
        ContainerBuilder b = Container.builder().hostname("web");
        int containerPort = CONTAINER_PORT;
        if (image.isEmpty()) {
            b.command("/bin/sh", "-c", script);
        } else {
            Path local = Path.of(image);
            if (Files.exists(local)) {
                b.image(local);
            } else {
                b.image(image); // host[:port]/name[:tag|@digest], pulled into the default store
            }
            containerPort = exposedTcpPort(b.imageConfig().orElseThrow());
        }
        b
                .resources(r -> r.memory("512m").memorySwap("512m").cpus(1.5).cpuShares(512).pidsLimit(100)
                        .blkioWeight(500))
                .dropUnsupportedLimits(true)
                .stopTimeout(java.time.Duration.ofSeconds(2))
                .redirectErrorStream(true);
        if (noPasta.isEmpty()) {
            b.publish(HOST_PORT, containerPort); // podman's -p 8081:80
            if (rootless) {
                b.network(NetworkMode.pasta());
            }
        }
        try (Container c = b.build()) {
            section("The container");
            System.out.println("id " + c.id() + ", the server: " + (image.isEmpty() ? String.join(" ", server)
                    : "the image " + image + "'s own command, " + String.join(" ", c.spec().process().args())));
            if (rootless) {
                System.out.println("rootless: this JVM runs as " + System.getProperty("user.name") + ", so the container"
                        + " has a user namespace of its own (its root is " + System.getProperty("user.name")
                        + " on the host)");
            }
            ContainerProcess init = c.run();
            BufferedReader out = new BufferedReader(new InputStreamReader(init.getInputStream(), StandardCharsets.UTF_8));
            List<String> inside = new ArrayList<>();
            if (image.isEmpty()) {
                for (String line; (line = out.readLine()) != null && !line.equals("ready"); ) {
                    inside.add(line);
                }
            } else {
                // the image's command prints what it likes: pass it through, and look inside with an exec
                Thread.ofVirtual().start(() -> out.lines().forEach(l -> System.out.println("image: " + l)));
                inside.addAll(lookInside(c, view));
            }
            Thread.sleep(1500); // let the server bind its port and spawn its children

            section("A container is a process: the host's process table");
            long jvm = ProcessHandle.current().pid();
            System.out.println(describe(jvm) + "   <- this JVM");
            printTree(init.pid(), "  ");

            section("PID 1 is namespace-relative: the container's own view");
            inside.forEach(System.out::println);
            System.out.println("host: the same process is pid " + init.pid() + " (NSpid "
                    + statusField(init.pid(), "NSpid").orElse("?") + ")");

            section("uname does not lie: one kernel");
            System.out.println("host:   " + Gatun.kernelRelease());
            System.out.println("inside: " + inside.stream().filter(l -> l.contains("kernel"))
                    .map(l -> l.substring(l.indexOf("kernel") + 7)).findFirst().orElse("?"));

            section("Hostnames: two UTS namespaces");
            System.out.println("host:   " + Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
            System.out.println("inside: " + inside.stream().filter(l -> l.contains("hostname "))
                    .map(l -> l.replaceAll(".*hostname (\\S+),.*", "$1")).findFirst().orElse("?"));

            section("Namespaces that differ from the host's");
            NamespaceSet host = NamespaceSet.self();
            NamespaceSet container = NamespaceSet.of(init.pid());
            for (NamespaceType t : NamespaceType.values()) {
                String mark = container.differentFrom(host).contains(t) ? "own   " : "shared";
                System.out.printf("  %-7s %s  host %s  container %s%n", t.procName(), mark,
                        host.get(t).map(Object::toString).orElse("-"), container.get(t).map(Object::toString).orElse("-"));
            }

            section("cgroups are the real enforcement: the limits as the kernel holds them");
            Optional<Cgroup> own = c.cgroup();
            if (own.isEmpty()) {
                System.out.println("no cgroup: this user has no delegated cgroup (the README's \"Rootless\" says how "
                        + "to get one), so the limits were dropped:");
                c.droppedLimits().forEach(l -> System.out.println("  " + l));
            }
            Cgroup cgroup = own.orElse(null);
            if (cgroup != null) {
                System.out.println("cgroup " + cgroup.version() + ": " + cgroup.directories().values().stream().findFirst()
                        .map(Path::toString).orElse("?") + (cgroup.directories().size() > 1 ? " (and one per v1 controller)" : ""));
                for (Map.Entry<String, String> f : limitFiles(cgroup).entrySet()) {
                    System.out.printf("  %-40s %s%n", f.getKey(), f.getValue());
                }
                Path blkio = cgroup.directories().get("blkio");
                if (blkio != null && Files.exists(blkio.resolve("blkio.bfq.weight")) && !anyDiskUsesBfq()) {
                    System.out.println("note: the blkio weight is written to blkio.bfq.weight, but no disk here uses the BFQ");
                    System.out.println("      I/O scheduler (/sys/block/*/queue/scheduler), so the kernel does not enforce it");
                }
                if (!c.droppedLimits().isEmpty()) {
                    System.out.println("limits this host cannot enforce (reported, not silently dropped):");
                    c.droppedLimits().forEach(l -> System.out.println("  " + l));
                }
                var stats = c.stats();
                System.out.printf("usage now: memory %d KiB (peak %d KiB), %d pids (peak %d), CPU %.1f ms%n",
                        stats.memoryBytes() / 1024, stats.memoryPeakBytes() / 1024, stats.pids(), stats.pidsPeak(),
                        stats.cpuUsageMicros() / 1000.0);
            }

            section("The server answers on the host: -p 8081:" + containerPort);
            if (noPasta.isPresent()) {
                System.out.println("not published: " + noPasta.get());
            } else {
                System.out.println("published " + c.ports() + (rootless
                        ? ": pasta listens on the host and connects inside the container's network namespace"
                        : ": a listener of this JVM on the host, and per connection a socket opened inside the "
                                + "container's network namespace, bytes copied both ways"));
                System.out.println(fetch());
            }

            section("Stop and remove");
            Path cgroupDir = cgroup == null ? null : cgroup.directories().values().iterator().next();
            System.out.println("SIGTERM first: a namespace's PID 1 gets no default signal actions, so a server");
            System.out.println("that does not handle SIGTERM ignores it; after the stop timeout (2 s) comes SIGKILL");
            c.close();
            System.out.println("init " + (init.isAlive() ? "still alive!" : "exited: " + init.exitDescription()));
            if (cgroupDir != null) {
                System.out.println("cgroup " + cgroupDir + (Files.exists(cgroupDir) ? " still exists!" : " removed"));
            }
            System.out.println("state dir " + c.bundle() + (Files.exists(c.bundle()) ? " still exists!" : " removed"));
        }
    }

    /** The first {@code N/tcp} (or bare {@code N}) the image exposes, lowest first; 80 when none. */
    private static int exposedTcpPort(dev.gatun.images.ImageConfig config) {
        return config.exposedPorts().stream().filter(p -> p.endsWith("/tcp") || !p.contains("/"))
                .map(p -> Integer.parseInt(p.contains("/") ? p.substring(0, p.indexOf('/')) : p)).sorted()
                .findFirst().orElse(CONTAINER_PORT);
    }

    /** The container's own view, from an exec of {@code /bin/sh -c view} in it; a line saying why not otherwise. */
    private static List<String> lookInside(Container c, String view) throws InterruptedException {
        try {
            ContainerProcess sh = c.execBuilder("/bin/sh", "-c", view).redirectErrorStream(true).start();
            String text = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = sh.waitFor();
            return exit == 0 ? text.lines().toList() : List.of("inside: /bin/sh exited " + exit + ": " + text.strip());
        } catch (IOException e) {
            return List.of("inside: no view from inside (" + e.getMessage() + ")");
        }
    }

    /**
     * busybox httpd when a static busybox exists, else the JDK's jwebserver (both under the host's
     * /usr); {@code -Dgatun.demo.server=jwebserver} picks the JDK's. Either listens on port 80 of
     * the container's own network namespace.
     */
    private static List<String> server() {
        boolean jdk = "jwebserver".equals(System.getProperty("gatun.demo.server"));
        String port = Integer.toString(CONTAINER_PORT);
        for (String b : List.of("/usr/bin/busybox", "/bin/busybox")) {
            if (!jdk && Files.isExecutable(Path.of(b))) {
                return List.of(b, "httpd", "-f", "-p", port, "-h", "/tmp");
            }
        }
        Path jwebserver = Path.of(System.getProperty("java.home"), "bin", "jwebserver");
        return List.of(jwebserver.toString(), "-b", "127.0.0.1", "-p", port, "-d", "/tmp");
    }

    /**
     * GET http://127.0.0.1:8081/ from this JVM, on the host's network. Retried for up to 30 s while
     * the server is still starting (the forwarder resets a connection the container's port still
     * refuses after 5 s; a JVM server takes a few seconds on a loaded machine).
     */
    private static String fetch() throws IOException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                return get();
            } catch (IOException e) {
                if (attempt >= 300) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static String get() throws IOException {
        try (Socket s = new Socket("127.0.0.1", HOST_PORT)) {
            OutputStream o = s.getOutputStream();
            o.write("GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            o.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String status = in.readLine();
            if (status == null) {
                throw new java.io.EOFException("no answer yet");
            }
            String body = in.lines().dropWhile(l -> !l.isEmpty()).filter(l -> !l.isEmpty()).findFirst().orElse("");
            return "GET http://127.0.0.1:" + HOST_PORT + "/ from the host: " + status + "\n" + body;
        }
    }

    private static Map<String, String> limitFiles(Cgroup cgroup) {
        Map<String, String> files = new TreeMap<>();
        Map<String, Path> dirs = cgroup.directories();
        List<String> wanted = dirs.containsKey("")
                ? List.of("memory.max", "memory.swap.max", "cpu.max", "cpu.weight", "pids.max", "io.weight")
                : List.of("memory/memory.limit_in_bytes", "memory/memory.memsw.limit_in_bytes",
                        "cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us", "cpu/cpu.shares", "pids/pids.max",
                        "blkio/blkio.weight", "blkio/blkio.bfq.weight");
        for (String w : wanted) {
            int slash = w.indexOf('/');
            Path dir = dirs.get(slash < 0 ? "" : w.substring(0, slash));
            if (dir == null) {
                continue;
            }
            Path file = dir.resolve(slash < 0 ? w : w.substring(slash + 1));
            files.put(file.toString(), read(file).orElse("(no such file on this host)"));
        }
        return files;
    }

    /** Whether any block device's active I/O scheduler is BFQ, the only one v1's blkio weight acts on. */
    private static boolean anyDiskUsesBfq() {
        try (var disks = Files.list(Path.of("/sys/block"))) {
            return disks.anyMatch(d -> read(d.resolve("queue/scheduler")).map(s -> s.contains("[bfq]")).orElse(false));
        } catch (IOException e) {
            return false;
        }
    }

    private static void printTree(long pid, String indent) {
        System.out.println(indent + "└─ " + describe(pid) + (indent.length() == 2 ? "   <- the container's init" : ""));
        for (long child : children(pid)) {
            printTree(child, indent + "   ");
        }
    }

    private static List<Long> children(long pid) {
        List<Long> result = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                read(t.resolve("children")).ifPresent(s -> {
                    for (String c : s.split("\\s+")) {
                        if (!c.isBlank()) {
                            result.add(Long.parseLong(c));
                        }
                    }
                });
            }
        } catch (IOException e) {
            // the process is gone
        }
        return result;
    }

    private static String describe(long pid) {
        String cmd = read(Path.of("/proc/" + pid + "/cmdline")).map(s -> s.replace('\0', ' ').strip()).orElse("?");
        if (cmd.length() > 70) {
            cmd = cmd.substring(0, 67) + "...";
        }
        return "pid " + pid + "  " + cmd;
    }

    private static Optional<String> statusField(long pid, String field) {
        return read(Path.of("/proc/" + pid + "/status")).flatMap(s -> s.lines()
                .filter(l -> l.startsWith(field + ":")).map(l -> l.substring(field.length() + 1).strip()).findFirst());
    }

    private static Optional<String> read(Path p) {
        try {
            return Optional.of(new String(Files.newInputStream(p).readAllBytes(), StandardCharsets.UTF_8).strip());
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    private static void section(String title) {
        System.out.println();
        System.out.println("== " + title);
    }
}
