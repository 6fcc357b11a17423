package dev.gatun.core.net;

import dev.gatun.core.PortMapping;
import dev.gatun.core.ns.NetworkNamespaceThread;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A container's published ports, carried by the JVM: a listener in the host's network namespace
 * per {@link PortMapping}, and for each connection (TCP) or client (UDP) a socket opened inside
 * the container's network namespace and connected to its {@code 127.0.0.1:containerPort} — the
 * way RootlessKit's builtin port driver and pasta's local path work, with no iptables and no
 * bridge. The container sees every connection come from {@code 127.0.0.1}.
 *
 * <p>Two steps, so that a bad mapping fails before a container exists: {@link #bind} takes the
 * host ports (a port in use fails naming the mapping, and releases what it took);
 * {@link #start} enters the container's namespace ({@link NetworkNamespaceThread}) and starts
 * accepting. {@link #close} stops it all and waits for its threads.
 *
 * <p>Two platform threads per forwarder, whatever the number of connections: one in the
 * container's namespace that opens sockets there, and an {@link EventLoop} that accepts,
 * connects, copies and times out — no virtual thread, which a JVM whose carriers are all pinned
 * would never run ({@link EventLoop} says how that happened).
 *
 * <p>TCP: per connection a socket inside, connected without blocking, then a {@link TcpPair}
 * copies both ways (a slow reader stops its writer: backpressure through the socket buffers); a
 * direction that reaches end of stream shuts down the other socket's output (half-close), and
 * the connection ends when both have, or when either side fails (then both are closed). A
 * connection to a container port where nothing listens yet (the server is starting) is retried
 * for {@link #CONNECT_RETRY} with short pauses while the container lives; after that (or at once
 * when it has stopped) the client's connection is reset (RST: the client sees an error, never an
 * empty answer). At most {@code maxConnections} connections (and UDP flows) are carried at once:
 * beyond that the listeners stop accepting and new clients wait in their backlog.
 *
 * <p>UDP: each client address gets a flow, a socket inside the namespace connected to the
 * container port; replies go back to that client from the host port. A flow with no datagram in
 * either direction for {@code udpIdleTimeout} is closed. A datagram that finds a full socket
 * buffer, or a flow beyond the bound, is dropped, as a full queue would.
 *
 * <p>Thread-safe. Not a general proxy: IPv4 inside the container only, no PROXY protocol (the
 * server sees 127.0.0.1, not the client's address).
 */
public final class PortForwarder implements AutoCloseable {

    /** How long a connection to a container port that refuses it is retried before the client is reset. */
    public static final Duration CONNECT_RETRY = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(PortForwarder.class);
    private static final InetAddress CONTAINER_LOOPBACK = InetAddress.getLoopbackAddress();

    private final List<PortMapping> requested;
    private final List<PortMapping> bound;
    private final List<NetworkChannel> listeners;
    private final int maxConnections;
    private final Duration udpIdleTimeout;
    /** Connections and flows carried now; written on the loop only. */
    private final AtomicInteger active = new AtomicInteger();
    /** The TCP listeners' keys, to stop and resume accepting at the bound; loop only. */
    private final List<SelectionKey> acceptKeys = new ArrayList<>();
    private volatile NetworkNamespaceThread namespace;
    private volatile EventLoop loop;
    private volatile BooleanSupplier serverMayCome = () -> true;
    private volatile boolean closed;

    private PortForwarder(List<PortMapping> requested, List<PortMapping> bound, List<NetworkChannel> listeners,
            int maxConnections, Duration udpIdleTimeout) {
        this.requested = requested;
        this.bound = bound;
        this.listeners = listeners;
        this.maxConnections = maxConnections;
        this.udpIdleTimeout = udpIdleTimeout;
    }

    /**
     * Binds every mapping's host address and port in the calling thread's (the JVM's) network
     * namespace; nothing is accepted until {@link #start}.
     *
     * @throws BindException naming the mapping when a host port is taken or the address is not
     *     this host's; the ports bound before it are released
     */
    public static PortForwarder bind(List<PortMapping> mappings, int maxConnections, Duration udpIdleTimeout)
            throws IOException {
        List<NetworkChannel> listeners = new ArrayList<>();
        List<PortMapping> bound = new ArrayList<>();
        try {
            for (PortMapping m : mappings) {
                InetSocketAddress at = new InetSocketAddress(InetAddress.getByName(m.hostIp()), m.hostPort());
                NetworkChannel ch = m.protocol() == PortMapping.Protocol.TCP ? ServerSocketChannel.open()
                        : DatagramChannel.open(at.getAddress() instanceof java.net.Inet6Address
                                ? java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET);
                listeners.add(ch);
                try {
                    if (ch instanceof ServerSocketChannel server) {
                        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                        server.bind(at, 512);
                    } else {
                        ch.bind(at);
                    }
                } catch (IOException e) {
                    BindException clear = new BindException("publish " + m + ": cannot listen on " + m.hostIp() + ":"
                            + m.hostPort() + "/" + m.protocol().label() + ": " + e.getMessage());
                    clear.initCause(e);
                    throw clear;
                }
                int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
                bound.add(new PortMapping(m.hostIp(), port, m.containerPort(), m.protocol()));
            }
        } catch (IOException | RuntimeException e) {
            for (NetworkChannel ch : listeners) {
                try {
                    ch.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new PortForwarder(List.copyOf(mappings), List.copyOf(bound), List.copyOf(listeners), maxConnections,
                udpIdleTimeout);
    }

    /** The mappings as bound: a requested host port 0 replaced by the one the kernel picked. */
    public List<PortMapping> mappings() {
        return bound;
    }

    /** The mappings as requested. */
    public List<PortMapping> requested() {
        return requested;
    }

    /**
     * Starts carrying traffic into the network namespace {@code nsFile} stands for.
     * {@code serverMayCome} says whether a refused connection is worth retrying (false once the
     * container's init has exited: its clients are reset at once); it is asked on the event loop.
     */
    public void start(Path nsFile, BooleanSupplier serverMayCome) throws IOException {
        this.serverMayCome = Objects.requireNonNull(serverMayCome, "serverMayCome");
        if (closed || namespace != null) {
            throw new IllegalStateException("port forwarder already " + (closed ? "closed" : "started"));
        }
        namespace = NetworkNamespaceThread.enter(nsFile);
        EventLoop l = new EventLoop(nsFile.toString());
        loop = l;
        l.execute(() -> {
            for (int i = 0; i < listeners.size(); i++) {
                PortMapping m = bound.get(i);
                try {
                    if (listeners.get(i) instanceof ServerSocketChannel server) {
                        acceptKeys.add(l.register(server, SelectionKey.OP_ACCEPT, new Acceptor(server, m)));
                    } else {
                        UdpFlows flows = new UdpFlows((DatagramChannel) listeners.get(i), m);
                        l.register(flows.host, SelectionKey.OP_READ, flows);
                        flows.sweepLater();
                    }
                } catch (IOException e) {
                    LOG.warn("publish {}: cannot listen, the port does not forward", m, e);
                }
            }
        });
    }

    /** Takes a slot for a connection or flow; false at the bound. Loop only. */
    private boolean takeSlot() {
        if (active.get() >= maxConnections) {
            return false;
        }
        active.incrementAndGet();
        return true;
    }

    /** Gives a slot back and lets the listeners accept again. Loop only. */
    private void releaseSlot() {
        active.decrementAndGet();
        for (SelectionKey k : acceptKeys) {
            if (k.isValid()) {
                k.interestOps(SelectionKey.OP_ACCEPT);
            }
        }
    }

    /** A TCP listener: accepts while there are slots, then stops listening for them until one is released. */
    private final class Acceptor implements EventLoop.Handler {
        private final ServerSocketChannel server;
        private final PortMapping m;

        Acceptor(ServerSocketChannel server, PortMapping m) {
            this.server = server;
            this.m = m;
        }

        @Override
        public void ready(SelectionKey key) {
            while (!closed) {
                if (!takeSlot()) {
                    key.interestOps(0); // the next clients wait in the backlog
                    return;
                }
                SocketChannel client;
                try {
                    client = server.accept();
                } catch (IOException e) {
                    releaseSlot();
                    LOG.warn("publish {}: accept failed, the port stops forwarding", m, e);
                    close();
                    return;
                }
                if (client == null) {
                    active.decrementAndGet(); // nothing to accept: no need to wake the listeners
                    return;
                }
                new Connection(client, m).attempt();
            }
        }

        @Override
        public void close() {
            closeQuietly(server);
        }
    }

    /**
     * One TCP connection until it is connected inside: attempts without blocking, retried while
     * the port refuses, then handed to a {@link TcpPair}, which gives the slot back when it ends.
     * Until then the client's key (no interest) carries this handler, so that closing the loop
     * closes the client too.
     */
    private final class Connection implements EventLoop.Handler {
        private final SocketChannel client;
        private final PortMapping m;
        private final long deadline = System.nanoTime() + CONNECT_RETRY.toNanos();
        private long pause = 5;
        private SocketChannel inside;
        private boolean done;

        Connection(SocketChannel client, PortMapping m) {
            this.client = client;
            this.m = m;
            try {
                loop.register(client, 0, this);
            } catch (IOException e) {
                close();
            }
        }

        /** Opens a socket inside and starts connecting it to the container port. */
        void attempt() {
            if (done) {
                return;
            }
            try {
                inside = namespace.openSocket();
                SelectionKey key = loop.register(inside, 0, this);
                if (inside.connect(new InetSocketAddress(CONTAINER_LOOPBACK, m.containerPort()))) {
                    connected();
                } else {
                    key.interestOps(SelectionKey.OP_CONNECT);
                }
            } catch (ConnectException e) {
                refused();
            } catch (IOException e) {
                LOG.debug("publish {}: connection ended: {}", m, e.toString());
                close();
            }
        }

        @Override
        public void ready(SelectionKey key) throws IOException {
            if (key.channel() != inside || !key.isConnectable()) {
                return;
            }
            try {
                if (inside.finishConnect()) {
                    connected();
                }
            } catch (ConnectException e) {
                refused();
            }
        }

        private void connected() throws IOException {
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            inside.setOption(StandardSocketOptions.TCP_NODELAY, true);
            done = true; // the pair owns both sockets and the slot from here
            TcpPair.start(loop, client, inside, PortForwarder.this::releaseSlot);
        }

        /** Nothing listens inside (yet): again after a pause while the server may come, else reset the client. */
        private void refused() {
            closeQuietly(inside);
            inside = null;
            if (closed || System.nanoTime() - deadline > 0 || !serverMayCome.getAsBoolean()) {
                LOG.debug("publish {}: nothing listens on the container's port", m);
                reset(client);
                close();
                return;
            }
            loop.schedule(TimeUnit.MILLISECONDS.toNanos(pause), this::attempt);
            pause = Math.min(pause * 2, 100);
        }

        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            closeQuietly(client);
            closeQuietly(inside);
            releaseSlot();
        }
    }

    /** Closes {@code s} with an RST rather than a FIN: the client sees a failure, not an empty reply. */
    private static void reset(SocketChannel s) {
        try {
            s.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException e) {
            // closed already
        }
        closeQuietly(s);
    }

    private static void closeQuietly(Channel c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // nothing more to release
        }
    }

    /** The UDP flows of one published port: one socket inside the namespace per client address. */
    private final class UdpFlows implements EventLoop.Handler {
        private final DatagramChannel host;
        private final PortMapping m;
        private final Map<SocketAddress, Flow> flows = new HashMap<>();
        private final ByteBuffer buf = ByteBuffer.allocateDirect(65536);

        UdpFlows(DatagramChannel host, PortMapping m) {
            this.host = host;
            this.m = m;
        }

        /** Datagrams from clients: each to its client's flow. */
        @Override
        public void ready(SelectionKey key) throws IOException {
            while (true) {
                buf.clear();
                SocketAddress client = host.receive(buf);
                if (client == null) {
                    return;
                }
                buf.flip();
                Flow f = flows.get(client);
                if (f == null) {
                    f = open(client);
                    if (f == null) {
                        continue; // at the bound: the datagram is dropped
                    }
                }
                f.lastUsed = System.nanoTime();
                try {
                    f.inside.write(buf); // 0 when the socket buffer is full: dropped
                } catch (java.net.PortUnreachableException e) {
                    // nothing listens inside (yet): UDP loses the datagram
                }
            }
        }

        private Flow open(SocketAddress client) throws IOException {
            if (!takeSlot()) {
                return null;
            }
            DatagramChannel inside = null;
            try {
                inside = namespace.openDatagram();
                inside.connect(new InetSocketAddress(CONTAINER_LOOPBACK, m.containerPort()));
                Flow f = new Flow(client, inside);
                loop.register(inside, SelectionKey.OP_READ, f);
                flows.put(client, f);
                return f;
            } catch (IOException | RuntimeException e) {
                closeQuietly(inside);
                releaseSlot();
                throw e;
            }
        }

        /** Closes the flows idle for {@code udpIdleTimeout}, looking again at most a second later. */
        void sweepLater() {
            long every = Math.max(1, Math.min(udpIdleTimeout.toNanos(), TimeUnit.SECONDS.toNanos(1)));
            loop.schedule(every, () -> {
                long now = System.nanoTime();
                for (Flow f : List.copyOf(flows.values())) {
                    if (now - f.lastUsed >= udpIdleTimeout.toNanos()) {
                        f.close();
                    }
                }
                if (host.isOpen()) {
                    sweepLater();
                }
            });
        }

        @Override
        public void close() {
            closeQuietly(host);
            List.copyOf(flows.values()).forEach(Flow::close);
        }

        /** One client's flow: replies from the container go back to that client from the host port. */
        private final class Flow implements EventLoop.Handler {
            final SocketAddress client;
            final DatagramChannel inside;
            long lastUsed = System.nanoTime();
            boolean done;

            Flow(SocketAddress client, DatagramChannel inside) {
                this.client = client;
                this.inside = inside;
            }

            @Override
            public void ready(SelectionKey key) throws IOException {
                while (true) {
                    buf.clear();
                    int n;
                    try {
                        n = inside.read(buf);
                    } catch (java.net.PortUnreachableException e) {
                        continue; // an ICMP error for an earlier datagram: the flow stays
                    }
                    if (n <= 0) {
                        return;
                    }
                    lastUsed = System.nanoTime();
                    buf.flip();
                    host.send(buf, client); // 0 when the host socket's buffer is full: dropped
                }
            }

            @Override
            public void close() {
                if (done) {
                    return;
                }
                done = true;
                flows.remove(client, this);
                closeQuietly(inside);
                releaseSlot();
            }
        }
    }

    /** How many TCP connections and UDP flows are carried now. */
    public int activeConnections() {
        return active.get();
    }

    /**
     * Stops accepting, closes every listener, connection and flow, and ends the forwarder's two
     * threads, waiting for them. Idempotent.
     */
    @Override
    public void close() throws IOException {
        closed = true;
        IOException first = null;
        EventLoop l = loop;
        if (l != null) {
            l.close(); // closes every connection and flow it carries
        }
        for (NetworkChannel ch : listeners) {
            try {
                ch.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        NetworkNamespaceThread ns = namespace;
        if (ns != null) {
            ns.close();
        }
        if (first != null) {
            throw first;
        }
    }
}
