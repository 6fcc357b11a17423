package dev.gatun.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's deadlock detection for POSIX record locks, which counts the process and not the
 * thread: one thread of this JVM holds file A, another process holds B and waits for A, and a
 * second thread of this JVM asks for B. The kernel calls that a deadlock (EDEADLK), though the
 * first thread's release ends it; the store's lock waits through it.
 */
class StoreLockTest {

    @TempDir
    Path dir;

    @Test
    void aLockTheKernelCallsADeadlockAcrossThreadsIsWaitedFor() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        try (FileChannel ca = FileChannel.open(a, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileChannel cb = FileChannel.open(b, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock heldA = ca.lock();
            // the other process: takes b, says so, then waits for a (fcntl locks, as the JVM's)
            Process other = new ProcessBuilder("python3", "-c", String.join("\n",
                    "import fcntl, sys",
                    "fb = open(sys.argv[2], 'r+'); fcntl.lockf(fb, fcntl.LOCK_EX)",
                    "print('holding b', flush=True)",
                    "fa = open(sys.argv[1], 'r+'); fcntl.lockf(fa, fcntl.LOCK_EX)",
                    "print('got a', flush=True)"), a.toString(), b.toString()).redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
                assertThat(out.readLine()).isEqualTo("holding b");
                Thread.sleep(200); // the other process is now waiting for a
                // the plain lock: the kernel refuses it, though nothing here is stuck for good
                assertThatThrownBy(cb::lock).isInstanceOf(IOException.class).hasMessage("Resource deadlock avoided");
                CompletableFuture<FileLock> gotB = CompletableFuture.supplyAsync(() -> {
                    try {
                        return ImageStore.lock(cb, false);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                Thread.sleep(200);
                assertThat(gotB).as("waiting while this JVM's other thread holds a").isNotDone();
                heldA.release();
                assertThat(out.readLine()).isEqualTo("got a");
                assertThat(other.waitFor(10, TimeUnit.SECONDS)).isTrue();
                FileLock lockB = gotB.get(10, TimeUnit.SECONDS);
                assertThat(lockB.isValid()).isTrue();
                lockB.release();
            } finally {
                other.destroyForcibly();
                other.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
