package dev.gatun.bench.net;

import dev.gatun.core.Container;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Published ports against their baselines, interleaved in one run, reported as ratios: a bulk
 * transfer (the server sends {@code --bulk-mib}, default 1024, and closes; throughput) and a small
 * request/response loop ({@code --rr} round trips of 32 bytes; p50/p90 latency per round trip).
 *
 * <p>One container (network mode none, its own namespace) holds the servers' listening sockets,
 * made inside its namespace ({@link Container#callInNetworkNamespace}); the servers themselves
 * are this JVM's platform threads, identical for every path. The paths, each to the same server:
 * <ul>
 *   <li>direct: a client socket made inside the container's namespace, to its 127.0.0.1;
 *   <li>publish: a client on the host's 127.0.0.1 to the port {@code publish} maps (Gatun's
 *       {@code PortForwarder}, one userspace hop);
 *   <li>socat: a client inside the namespace to a {@code socat TCP4-LISTEN … TCP4:127.0.0.1:…}
 *       running inside it (the same one userspace hop, done by socat with a 64 KiB buffer
 *       ({@code -b 65536}), Gatun's buffer size).
 *   <li>pasta ({@code --pasta}): a client on the host's 127.0.0.1 to the port pasta publishes for
 *       a second container in the network mode pasta, whose servers are the same threads on
 *       sockets in its namespace (pasta's own hop, with its splice path for local traffic).
 * </ul>
 * Each round runs every path once, in a shuffled order. Needs root and socat (and passt for --pasta).
 *
 * <p>{@code java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * dev.gatun.bench.net.PublishBenchmark [--rounds N] [--bulk-mib M] [--rr N] [--out FILE.md]}
 */
public final class PublishBenchmark {

    private static final int BULK_PORT = 5001;
    private static final int RR_PORT = 5002;
    private static final int SOCAT_BULK_PORT = 6001;
    private static final int SOCAT_RR_PORT = 6002;
    private static final int MESSAGE = 32;

    private PublishBenchmark() {}

    /** One measurement. */
    record Sample(int round, String path, String kind, double value) {}

    public static void main(String[] args) throws Exception {
        int rounds = 5;
        long bulkMib = 1024;
        int rr = 5000;
        Path out = null;
        Path relayBinary = null;
        boolean pasta = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--bulk-mib" -> bulkMib = Long.parseLong(args[++i]);
                case "--rr" -> rr = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--relay" -> relayBinary = Path.of(args[++i]);
                case "--pasta" -> pasta = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        long bulkBytes = bulkMib << 20;
        String load = Files.readString(Path.of("/proc/loadavg")).strip();
        Instant started = Instant.now();
        List<Sample> samples = new ArrayList<>();
        try (Container c = Container.builder().id("bench-publish-" + ProcessHandle.current().pid())
                .command("/bin/sleep", "3600").stopTimeout(Duration.ofMillis(100))
                .publish(0, BULK_PORT).publish(0, RR_PORT).build()) {
            c.run();
            ServerSocketChannel bulkServer = c.callInNetworkNamespace(() -> listen(BULK_PORT));
            ServerSocketChannel rrServer = c.callInNetworkNamespace(() -> listen(RR_PORT));
            Thread.ofPlatform().daemon().name("bulk-server").start(() -> serveBulk(bulkServer, bulkBytes));
            Thread.ofPlatform().daemon().name("rr-server").start(() -> serveEcho(rrServer));
            long pid = c.process().pid();
            List<Process> helpers = new ArrayList<>();
            // --pasta: a second container in the network mode pasta, whose published ports pasta
            // carries, with the same servers (this JVM's threads) on sockets made in its namespace
            Container pastaContainer = null;
            List<ServerSocketChannel> pastaServers = new ArrayList<>();
            if (pasta) {
                pastaContainer = Container.builder().id("bench-pasta-" + ProcessHandle.current().pid())
                        .command("/bin/sleep", "3600").stopTimeout(Duration.ofMillis(100))
                        .network(dev.gatun.core.NetworkMode.pasta()).publish(0, BULK_PORT).publish(0, RR_PORT).build();
                pastaContainer.run();
                ServerSocketChannel pb = pastaContainer.callInNetworkNamespace(() -> listen(BULK_PORT));
                ServerSocketChannel pr = pastaContainer.callInNetworkNamespace(() -> listen(RR_PORT));
                pastaServers.addAll(List.of(pb, pr));
                Thread.ofPlatform().daemon().name("pasta-bulk-server").start(() -> serveBulk(pb, bulkBytes));
                Thread.ofPlatform().daemon().name("pasta-rr-server").start(() -> serveEcho(pr));
            }
            helpers.add(inNamespace(pid, "socat", "-b", "65536", "TCP4-LISTEN:" + SOCAT_BULK_PORT + ",bind=127.0.0.1,fork,reuseaddr",
                    "TCP4:127.0.0.1:" + BULK_PORT));
            helpers.add(inNamespace(pid, "socat", "-b", "65536", "TCP4-LISTEN:" + SOCAT_RR_PORT + ",bind=127.0.0.1,fork,reuseaddr",
                    "TCP4:127.0.0.1:" + RR_PORT));
            try {
                Map<String, Connector> paths = new LinkedHashMap<>();
                paths.put("direct", port -> inside(c, port == BULK_PORT ? BULK_PORT : RR_PORT));
                paths.put("publish", port -> host(c.mappedPort(port)));
                paths.put("socat", port -> inside(c, port == BULK_PORT ? SOCAT_BULK_PORT : SOCAT_RR_PORT));
                if (pastaContainer != null) {
                    Container p2 = pastaContainer;
                    paths.put("pasta", port -> host(p2.mappedPort(port)));
                }
                if (relayBinary != null) {
                    // the C prototype (bench/src/main/c/relay.c): does splice(2) pay for a relay's copies?
                    int base = 7000;
                    for (String mode : List.of("copy", "splice")) {
                        int bulkPort = base + 1;
                        int rrPort = base + 2;
                        helpers.add(inNamespace(pid, relayBinary.toString(), mode, Integer.toString(bulkPort), Integer.toString(BULK_PORT)));
                        helpers.add(inNamespace(pid, relayBinary.toString(), mode, Integer.toString(rrPort), Integer.toString(RR_PORT)));
                        paths.put("c-" + mode, port -> inside(c, port == BULK_PORT ? bulkPort : rrPort));
                        base += 10;
                    }
                }
                PATHS.clear();
                PATHS.addAll(paths.keySet());
                // warm-up: every path once, smaller
                for (Map.Entry<String, Connector> p : paths.entrySet()) {
                    bulk(p.getValue(), Math.min(bulkBytes, 64L << 20));
                    requestResponse(p.getValue(), 500);
                }
                Random shuffle = new Random(14);
                for (int round = 1; round <= rounds; round++) {
                    List<String> order = new ArrayList<>(paths.keySet());
                    Collections.shuffle(order, shuffle);
                    for (String path : order) {
                        double seconds = bulk(paths.get(path), bulkBytes);
                        samples.add(new Sample(round, path, "bulk_MiB_per_s", bulkMib / seconds));
                        for (long nanos : requestResponse(paths.get(path), rr)) {
                            samples.add(new Sample(round, path, "rr_us", nanos / 1000.0));
                        }
                    }
                    System.err.printf("round %d/%d done%n", round, rounds);
                }
            } finally {
                for (Process h : helpers) {
                    h.destroy();
                    h.waitFor(5, TimeUnit.SECONDS);
                }
                bulkServer.close();
                rrServer.close();
                for (ServerSocketChannel ps : pastaServers) {
                    ps.close();
                }
                if (pastaContainer != null) {
                    pastaContainer.close();
                }
            }
        }
        String report = report(samples, rounds, bulkMib, rr, started, load,
                Files.readString(Path.of("/proc/loadavg")).strip());
        if (out == null) {
            System.out.print(report);
        } else {
            Files.writeString(out, report);
            Path csv = Path.of(out.toString().replaceAll("\\.md$", "") + ".csv");
            StringBuilder raw = new StringBuilder("round,path,kind,value\n");
            for (Sample s : samples) {
                raw.append(s.round()).append(',').append(s.path()).append(',').append(s.kind()).append(',')
                        .append(String.format(Locale.ROOT, "%.3f", s.value())).append('\n');
            }
            Files.writeString(csv, raw);
            System.out.println("wrote " + out + " and " + csv);
        }
    }

    /** Opens a connection for one measurement; the port names the server (bulk or rr). */
    @FunctionalInterface
    interface Connector {
        SocketChannel connect(int serverPort) throws Exception;
    }

    private static ServerSocketChannel listen(int port) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        s.bind(new InetSocketAddress("127.0.0.1", port), 64);
        return s;
    }

    private static SocketChannel inside(Container c, int port) throws Exception {
        SocketChannel s = c.callInNetworkNamespace(SocketChannel::open);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        return s;
    }

    private static SocketChannel host(int port) throws IOException {
        return SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
    }

    /** {@code command} started inside the container's network namespace (nsenter), listening within 300 ms. */
    private static Process inNamespace(long pid, String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=/proc/" + pid + "/ns/net"));
        argv.addAll(List.of(command));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Thread.sleep(300);
        if (!p.isAlive()) {
            throw new IOException(command[0] + " did not start (exit " + p.exitValue() + "); is it installed?");
        }
        return p;
    }

    /** The paths measured, in the report's order. */
    private static final List<String> PATHS = new ArrayList<>();

    private static void serveBulk(ServerSocketChannel server, long bytes) {
        ByteBuffer zeros = ByteBuffer.allocateDirect(64 * 1024);
        while (true) {
            try (SocketChannel s = server.accept()) {
                ByteBuffer size = ByteBuffer.allocate(8);
                while (size.hasRemaining() && s.read(size) >= 0) {
                    // the client says how much it wants
                }
                long left = size.flip().getLong();
                while (left > 0) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), left));
                    left -= s.write(zeros);
                }
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    private static void serveEcho(ServerSocketChannel server) {
        while (true) {
            try (SocketChannel s = server.accept()) {
                s.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                ByteBuffer buf = ByteBuffer.allocateDirect(MESSAGE);
                while (true) {
                    buf.clear();
                    while (buf.hasRemaining()) {
                        if (s.read(buf) < 0) {
                            throw new java.io.EOFException();
                        }
                    }
                    buf.flip();
                    while (buf.hasRemaining()) {
                        s.write(buf);
                    }
                }
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    /** Seconds to receive {@code bytes} from the bulk server, from connect to the end of stream. */
    private static double bulk(Connector path, long bytes) throws Exception {
        long start = System.nanoTime();
        try (SocketChannel s = path.connect(BULK_PORT)) {
            s.write(ByteBuffer.allocate(8).putLong(bytes).flip());
            ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
            long got = 0;
            for (int n; (n = s.read(buf.clear())) >= 0; ) {
                got += n;
            }
            if (got != bytes) {
                throw new IOException("bulk: received " + got + " of " + bytes + " bytes");
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** The nanoseconds of each of {@code n} round trips of {@value #MESSAGE} bytes on one connection. */
    private static long[] requestResponse(Connector path, int n) throws Exception {
        long[] nanos = new long[n];
        try (SocketChannel s = path.connect(RR_PORT)) {
            s.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer out = ByteBuffer.allocateDirect(MESSAGE);
            ByteBuffer in = ByteBuffer.allocateDirect(MESSAGE);
            for (int i = 0; i < n; i++) {
                out.clear();
                out.put(0, (byte) i);
                long t = System.nanoTime();
                while (out.hasRemaining()) {
                    s.write(out);
                }
                in.clear();
                while (in.hasRemaining()) {
                    if (s.read(in) < 0) {
                        throw new IOException("rr: the server closed");
                    }
                }
                nanos[i] = System.nanoTime() - t;
                if (in.get(0) != (byte) i) {
                    throw new IOException("rr: wrong echo");
                }
            }
        }
        return nanos;
    }

    private static double percentile(double[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double[] values(List<Sample> samples, String path, String kind) {
        return samples.stream().filter(s -> s.path().equals(path) && s.kind().equals(kind))
                .mapToDouble(Sample::value).sorted().toArray();
    }

    private static String report(List<Sample> samples, int rounds, long bulkMib, int rr, Instant started,
            String loadBefore, String loadAfter) {
        StringBuilder r = new StringBuilder();
        r.append("# Published ports: bulk throughput and request/response latency, ").append(started.toString(), 0, 10)
                .append("\n\n");
        r.append("Harness: `bench/publish.sh` (`dev.gatun.bench.net.PublishBenchmark`), ").append(rounds)
                .append(" interleaved rounds (every path once per round, shuffled), after one warm-up of each. ")
                .append("Bulk: the server sends ").append(bulkMib).append(" MiB and closes; the client times connect to end of stream. ")
                .append("Request/response: ").append(rr).append(" round trips of ").append(MESSAGE)
                .append(" bytes per round on one connection, TCP_NODELAY. The servers are platform threads of the ")
                .append("benchmark's JVM listening inside the container's network namespace; the same servers for every path. ")
                .append("Raw samples: the `.csv` beside this file.\n\n");
        r.append("| | |\n|---|---|\n");
        r.append("| started (UTC) | ").append(started).append(" |\n");
        r.append("| JVM | ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.vm.version")).append(" |\n");
        r.append("| kernel | ").append(System.getProperty("os.version")).append(' ').append(System.getProperty("os.arch")).append(" |\n");
        r.append("| CPUs | ").append(Runtime.getRuntime().availableProcessors()).append(" (shared with other builds) |\n");
        r.append("| load average before / after | ").append(loadBefore).append(" / ").append(loadAfter).append(" |\n\n");
        r.append("| path | bulk MiB/s (median of rounds) | × direct (median of per-round ratios) | rr p50 µs | rr p90 µs "
                + "| p50 − direct µs | p90 − direct µs |\n");
        r.append("|---|---|---|---|---|---|---|\n");
        double[] directRr = values(samples, "direct", "rr_us");
        for (String path : PATHS) {
            double bulk = median(values(samples, path, "bulk_MiB_per_s"));
            double[] ratios = new double[rounds];
            for (int round = 1; round <= rounds; round++) {
                ratios[round - 1] = bulkOf(samples, round, path) / bulkOf(samples, round, "direct");
            }
            double[] rrs = values(samples, path, "rr_us");
            r.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.1f | %.1f | %+.1f | %+.1f |%n", path, bulk,
                    median(ratios), percentile(rrs, 50), percentile(rrs, 90),
                    percentile(rrs, 50) - percentile(directRr, 50), percentile(rrs, 90) - percentile(directRr, 90)));
        }
        r.append("\nBulk MiB/s per round:\n\n| round |");
        PATHS.forEach(p -> r.append(' ').append(p).append(" |"));
        r.append("\n|---|").append("---|".repeat(PATHS.size())).append('\n');
        for (int round = 1; round <= rounds; round++) {
            r.append("| ").append(round).append(" |");
            for (String p : PATHS) {
                r.append(String.format(Locale.ROOT, " %.0f |", bulkOf(samples, round, p)));
            }
            r.append('\n');
        }
        return r.toString();
    }

    private static double bulkOf(List<Sample> samples, int round, String path) {
        return samples.stream().filter(s -> s.round() == round && s.path().equals(path) && s.kind().equals("bulk_MiB_per_s"))
                .mapToDouble(Sample::value).findFirst().orElse(Double.NaN);
    }

    private static double median(double[] sorted) {
        double[] s = sorted.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
