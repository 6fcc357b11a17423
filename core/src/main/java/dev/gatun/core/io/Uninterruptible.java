package dev.gatun.core.io;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for work that cannot be abandoned halfway (a syscall under way, a cgroup being made). */
public final class Uninterruptible {

    private Uninterruptible() {}

    /**
     * {@code f}'s result, waited for whatever interrupts arrive meanwhile (the flag is kept and
     * set again on return); its failure rethrown as it was thrown, an unchecked one included.
     */
    public static <T> T get(Future<T> f) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    switch (e.getCause()) {
                        case IOException io -> throw io;
                        case RuntimeException re -> throw re;
                        case Error err -> throw err;
                        default -> throw new IOException(e.getCause().toString(), e.getCause());
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
