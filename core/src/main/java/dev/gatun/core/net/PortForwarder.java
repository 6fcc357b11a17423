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
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
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
 * <p>TCP: a virtual thread accepts; per connection a virtual thread connects inside, then hands
 * both sockets to the {@link TcpRelay}, one platform thread per forwarder with a selector that
 * copies both ways (a slow reader stops its writer: backpressure through the socket buffers); a
 * direction that reaches end of stream shuts down the other socket's output (half-close), and
 * the connection ends when both have, or when either side fails (then both are closed). A
 * connection to a container port where nothing listens yet (the server is starting) is retried
 * for {@link #CONNECT_RETRY} with short pauses while the container lives; after that (or at once
 * when it has stopped) the client's connection is reset (RST: the client sees an error, never an
 * empty answer). At most {@code maxConnections}
 * connections (and UDP flows) are carried at once: beyond that the listener stops accepting and
 * new clients wait in its backlog.
 *
 * <p>UDP: each client address gets a flow, a socket inside the namespace connected to the
 * container port; replies go back to that client from the host port. A flow with no datagram in
 * either direction for {@code udpIdleTimeout} is closed.
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
    private final Semaphore slots;
    private final int maxConnections;
    private final Duration udpIdleTimeout;
    private final Set<Channel> open = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private volatile NetworkNamespaceThread namespace;
    private volatile TcpRelay relay;
    private volatile java.util.function.BooleanSupplier serverMayCome = () -> true;
    private volatile boolean closed;

    private PortForwarder(List<PortMapping> requested, List<PortMapping> bound, List<NetworkChannel> listeners,
            int maxConnections, Duration udpIdleTimeout) {
        this.requested = requested;
        this.bound = bound;
        this.listeners = listeners;
        this.maxConnections = maxConnections;
        this.slots = new Semaphore(maxConnections);
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
     * Starts carrying traffic into the network namespace {@code nsFile} stands for. One platform
     * thread lives in that namespace (it opens the sockets), one relays; the rest runs on virtual
     * threads. {@code serverMayCome} says whether a refused connection is worth retrying (false
     * once the container's init has exited: its clients are reset at once).
     */
    public void start(Path nsFile, java.util.function.BooleanSupplier serverMayCome) throws IOException {
        this.serverMayCome = java.util.Objects.requireNonNull(serverMayCome, "serverMayCome");
        if (closed || namespace != null) {
            throw new IllegalStateException("port forwarder already " + (closed ? "closed" : "started"));
        }
        namespace = NetworkNamespaceThread.enter(nsFile);
        if (listeners.stream().anyMatch(ServerSocketChannel.class::isInstance)) {
            relay = new TcpRelay(nsFile.toString());
        }
        for (int i = 0; i < listeners.size(); i++) {
            PortMapping m = bound.get(i);
            NetworkChannel ch = listeners.get(i);
            if (ch instanceof ServerSocketChannel server) {
                spawn("accept " + m, () -> acceptLoop(server, m));
            } else {
                spawn("udp " + m, () -> new UdpFlows((DatagramChannel) ch, m).receiveLoop());
            }
        }
    }

    /** Starts {@code body} on a virtual thread that {@link #close} waits for; false (not started) once closed. */
    private boolean spawn(String name, Runnable body) {
        Thread t = Thread.ofVirtual().name("gatun-publish " + name).unstarted(() -> {
            try {
                body.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        });
        threads.add(t);
        if (closed) {
            // close has begun and may have listed the threads already: it would not wait for this one
            threads.remove(t);
            return false;
        }
        t.start();
        return true;
    }

    /** Registers {@code c} for {@link #close}; closes it and fails if close has begun. */
    private <C extends Channel> C track(C c) throws ClosedChannelException {
        open.add(c);
        if (closed) {
            closeQuietly(c);
            throw new ClosedChannelException();
        }
        return c;
    }

    private void acceptLoop(ServerSocketChannel server, PortMapping m) {
        while (!closed) {
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                return;
            }
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                slots.release();
                if (!closed) {
                    LOG.warn("publish {}: accept failed, the port stops forwarding", m, e);
                }
                return;
            }
            try {
                track(client);
            } catch (ClosedChannelException e) {
                slots.release();
                return;
            }
            if (!spawn("tcp " + m, () -> carry(client, m))) {
                closeQuietly(client);
                slots.release();
                return;
            }
        }
    }

    /**
     * One TCP connection: connects inside (retrying while the port refuses), then hands both
     * sockets to the relay, which releases the connection's slot when it closes them.
     */
    private void carry(SocketChannel client, PortMapping m) {
        SocketChannel upstream = null;
        boolean handedOver = false;
        try {
            upstream = connectInside(m);
            if (upstream == null) {
                reset(client);
                return;
            }
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            upstream.setOption(StandardSocketOptions.TCP_NODELAY, true);
            open.remove(client);
            open.remove(upstream);
            relay.add(client, upstream, slots::release);
            handedOver = true;
        } catch (IOException e) {
            LOG.debug("publish {}: connection ended: {}", m, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!handedOver) {
                closeQuietly(client);
                closeQuietly(upstream);
                slots.release();
            }
        }
    }

    /**
     * A socket of the container's namespace connected to its {@code 127.0.0.1:containerPort}; null
     * when the port still refuses after {@link #CONNECT_RETRY}.
     */
    private SocketChannel connectInside(PortMapping m) throws IOException, InterruptedException {
        InetSocketAddress target = new InetSocketAddress(CONTAINER_LOOPBACK, m.containerPort());
        long deadline = System.nanoTime() + CONNECT_RETRY.toNanos();
        long pause = 5;
        while (!closed) {
            SocketChannel s = track(namespace.openSocket());
            try {
                s.connect(target);
                return s;
            } catch (ConnectException e) {
                closeQuietly(s);
                if (System.nanoTime() - deadline > 0 || !serverMayCome.getAsBoolean()) {
                    LOG.debug("publish {}: nothing listens on the container's port after {}", m, CONNECT_RETRY);
                    return null;
                }
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 100);
            } catch (IOException | RuntimeException e) {
                closeQuietly(s);
                throw e;
            }
        }
        return null;
    }

    /** Closes {@code s} with an RST rather than a FIN: the client sees a failure, not an empty reply. */
    private void reset(SocketChannel s) {
        try {
            s.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException e) {
            // closed already
        }
        closeQuietly(s);
    }

    private void closeQuietly(Channel c) {
        if (c == null) {
            return;
        }
        open.remove(c);
        try {
            c.close();
        } catch (IOException e) {
            // nothing more to release
        }
    }

    /** The UDP flows of one published port: one socket inside the namespace per client address. */
    private final class UdpFlows {
        private final DatagramChannel host;
        private final PortMapping m;
        private final Map<SocketAddress, Flow> flows = new ConcurrentHashMap<>();

        UdpFlows(DatagramChannel host, PortMapping m) {
            this.host = host;
            this.m = m;
        }

        void receiveLoop() {
            ByteBuffer buf = ByteBuffer.allocateDirect(65536);
            try {
                while (!closed) {
                    buf.clear();
                    SocketAddress client = host.receive(buf);
                    buf.flip();
                    Flow f = flows.get(client);
                    if (f == null) {
                        f = open(client);
                        if (f == null) {
                            continue; // at the bound: the datagram is dropped, as a full queue would
                        }
                    }
                    f.touch();
                    try {
                        f.inside.write(buf);
                    } catch (java.net.PortUnreachableException e) {
                        // nothing listens inside (yet): UDP loses the datagram
                    }
                }
            } catch (ClosedChannelException e) {
                // closed by close()
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("publish {}: receive failed, the port stops forwarding", m, e);
                }
            }
        }

        private Flow open(SocketAddress client) throws IOException {
            if (!slots.tryAcquire()) {
                return null;
            }
            DatagramChannel inside;
            try {
                inside = track(namespace.openDatagram());
                inside.connect(new InetSocketAddress(CONTAINER_LOOPBACK, m.containerPort()));
            } catch (IOException | RuntimeException e) {
                slots.release();
                throw e;
            }
            Flow f = new Flow(client, inside);
            flows.put(client, f);
            if (!spawn("udp-back " + m, f::replies)) {
                flows.remove(client);
                closeQuietly(inside);
                slots.release();
                return null;
            }
            return f;
        }

        private final class Flow {
            final SocketAddress client;
            final DatagramChannel inside;
            volatile long lastUsed = System.nanoTime();

            Flow(SocketAddress client, DatagramChannel inside) {
                this.client = client;
                this.inside = inside;
            }

            void touch() {
                lastUsed = System.nanoTime();
            }

            /** Replies from the container to the client, until the flow is idle or closed. */
            void replies() {
                byte[] data = new byte[65536];
                java.net.DatagramPacket p = new java.net.DatagramPacket(data, data.length);
                long idle = udpIdleTimeout.toNanos();
                try {
                    inside.socket().setSoTimeout((int) Math.max(1, Math.min(udpIdleTimeout.toMillis(), 1000)));
                    while (!closed) {
                        try {
                            p.setLength(data.length);
                            inside.socket().receive(p);
                            touch();
                            host.send(ByteBuffer.wrap(data, 0, p.getLength()), client);
                        } catch (java.net.SocketTimeoutException e) {
                            if (System.nanoTime() - lastUsed >= idle) {
                                break;
                            }
                        } catch (java.net.PortUnreachableException e) {
                            // an ICMP error for an earlier datagram: the flow stays
                        }
                    }
                } catch (IOException e) {
                    LOG.debug("publish {}: flow of {} ended: {}", m, client, e.toString());
                } finally {
                    flows.remove(client, this);
                    closeQuietly(inside);
                    slots.release();
                }
            }
        }
    }

    /** How many TCP connections and UDP flows are carried now. */
    public int activeConnections() {
        return maxConnections - slots.availablePermits();
    }

    /**
     * Stops accepting, closes every listener, connection and flow, ends the thread inside the
     * namespace and waits (at most 10 s) for the virtual threads. Idempotent.
     */
    @Override
    public void close() throws IOException {
        closed = true;
        IOException first = null;
        for (NetworkChannel ch : listeners) {
            try {
                ch.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        for (Channel c : List.copyOf(open)) {
            closeQuietly(c);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Thread t : List.copyOf(threads)) {
            t.interrupt();
            try {
                if (!t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
                    first = first == null ? new IOException("publish: thread " + t.getName() + " did not end") : first;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        TcpRelay r = relay;
        if (r != null) {
            r.close();
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
