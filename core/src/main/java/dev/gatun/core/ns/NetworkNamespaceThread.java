package dev.gatun.core.ns;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import dev.gatun.namespaces.NamespaceType;
import java.io.IOException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One long-lived platform thread inside another network namespace that opens sockets there on
 * request: what port publishing needs for every connection it carries in, without a thread per
 * connection. The sockets it returns are unconnected; they belong to the namespace they were made
 * in for their whole life, so any thread (a virtual one) connects and uses them.
 *
 * <p>{@link #enter} opens the namespace file on the caller's thread and waits until the new
 * thread's {@code setns} succeeded (or rethrows its error), so a made object always works.
 * {@link #close} ends the thread and waits for it; requests after close fail. Only socket
 * creation runs on the thread: no task of a caller's, so the thread never blocks for long.
 * Thread-safe. {@link NetworkNamespaces} explains the permission rule (root only today).
 */
public final class NetworkNamespaceThread implements AutoCloseable {

    private static final FutureTask<Object> STOP = new FutureTask<>(() -> null);

    private final Path nsFile;
    private final LinkedBlockingQueue<FutureTask<?>> requests = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    private NetworkNamespaceThread(Path nsFile, Thread thread) {
        this.nsFile = nsFile;
        this.thread = thread;
    }

    /**
     * A thread inside the network namespace {@code nsFile} stands for ({@code /proc/<pid>/ns/net}
     * or a bind mount of one).
     *
     * @throws IOException when the file cannot be opened or joined (EPERM says which capability)
     */
    public static NetworkNamespaceThread enter(Path nsFile) throws IOException {
        int fd = LibC.openat(LibC.AT_FDCWD, nsFile.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        CompletableFuture<Void> joined = new CompletableFuture<>();
        NetworkNamespaceThread[] self = new NetworkNamespaceThread[1];
        Thread t = Thread.ofPlatform().daemon().name("gatun-netns-" + nsFile).unstarted(() -> {
            try {
                NamespaceLibC.setns(fd, NamespaceType.NETWORK.cloneFlag(), nsFile.toString());
            } catch (IOException | RuntimeException e) {
                joined.completeExceptionally(e);
                return;
            }
            joined.complete(null);
            self[0].serve();
        });
        self[0] = new NetworkNamespaceThread(nsFile, t);
        try {
            t.start();
            joined.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ErrnoException errno && errno.errno() == Errno.EPERM) {
                throw new IOException(errno.getMessage() + ": joining " + nsFile + " needs CAP_SYS_ADMIN both over the "
                        + "user namespace that owns it and in the JVM's own user namespace", errno);
            }
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            self[0].close();
            throw new java.io.InterruptedIOException("interrupted while entering " + nsFile);
        } finally {
            LibC.close(fd);
        }
        return self[0];
    }

    /** A new, unconnected TCP socket (blocking) of the namespace. */
    public SocketChannel openSocket() throws IOException {
        return call(SocketChannel::open);
    }

    /** A new, unbound UDP socket (blocking, IPv4) of the namespace. */
    public DatagramChannel openDatagram() throws IOException {
        return call(() -> DatagramChannel.open(java.net.StandardProtocolFamily.INET));
    }

    private <T> T call(Callable<T> request) throws IOException {
        FutureTask<T> task = new FutureTask<>(request);
        requests.add(task);
        if (closed) {
            // close raced with this request: the thread may have gone; never wait for it
            task.cancel(false);
        }
        try {
            return task.get();
        } catch (java.util.concurrent.CancellationException e) {
            throw new IOException("the thread in network namespace " + nsFile + " is closed");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while opening a socket in " + nsFile);
        }
    }

    private void serve() {
        while (true) {
            FutureTask<?> next;
            try {
                next = requests.take();
            } catch (InterruptedException e) {
                continue; // only close ends the thread
            }
            if (next == STOP) {
                break;
            }
            next.run();
        }
        FutureTask<?> left;
        while ((left = requests.poll()) != null) {
            left.cancel(false);
        }
    }

    /** Ends the thread, waiting for it; requests made later fail. Idempotent. */
    @Override
    public void close() {
        closed = true;
        requests.add(STOP);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
