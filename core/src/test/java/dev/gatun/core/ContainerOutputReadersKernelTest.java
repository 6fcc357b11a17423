package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Virtual threads that follow containers' output, as test harnesses do (a log pump per
 * container), leave the JVM's other virtual threads running: a read that would block runs off
 * their carriers (FdInputStream, Blocking). Before, as many readers as carriers stopped every
 * other virtual thread (the publish forwarder starved this way: issue 14).
 */
@KernelTest
@Timeout(60)
class ContainerOutputReadersKernelTest {

    @Test
    void virtualThreadsReadingContainerOutputLeaveOtherVirtualThreadsRunning() throws Exception {
        int carriers = Integer.getInteger("jdk.virtualThreadScheduler.parallelism",
                Runtime.getRuntime().availableProcessors());
        List<Thread> readers = new ArrayList<>();
        try (Container c = Container.builder().id("tofix-readers-" + ProcessHandle.current().pid())
                .stopTimeout(Duration.ZERO).command("/bin/sleep", "60").build()) {
            ContainerProcess p = c.run();
            CountDownLatch reading = new CountDownLatch(carriers);
            for (int i = 0; i < carriers; i++) {
                readers.add(Thread.ofVirtual().start(() -> {
                    reading.countDown();
                    try {
                        p.getInputStream().read(new byte[100]);
                    } catch (IOException e) {
                        // closed with the container
                    }
                }));
            }
            reading.await();
            Thread.sleep(200); // in read(2)
            Thread other = Thread.ofVirtual().start(() -> { });
            assertThat(other.join(Duration.ofSeconds(3))).as("another virtual thread ran while %d read", carriers)
                    .isTrue();
        } finally {
            for (Thread t : readers) {
                t.join(Duration.ofSeconds(10)); // their reads end with the container's output
            }
        }
    }

    @Test
    void virtualThreadsWritingToAStdinNobodyReadsLeaveOtherVirtualThreadsRunning() throws Exception {
        int carriers = Integer.getInteger("jdk.virtualThreadScheduler.parallelism",
                Runtime.getRuntime().availableProcessors());
        List<Thread> writers = new ArrayList<>();
        try (Container c = Container.builder().id("writers-" + ProcessHandle.current().pid())
                .stopTimeout(Duration.ZERO).command("/bin/sleep", "60").build()) {
            ContainerProcess p = c.run();
            CountDownLatch writing = new CountDownLatch(carriers);
            for (int i = 0; i < carriers; i++) {
                writers.add(Thread.ofVirtual().start(() -> {
                    writing.countDown();
                    try {
                        p.getOutputStream().write(new byte[1 << 20]); // far more than a pipe holds
                    } catch (IOException e) {
                        // the pipe broke with the container
                    }
                }));
            }
            writing.await();
            Thread.sleep(200); // in write(2), the pipe full
            Thread other = Thread.ofVirtual().start(() -> { });
            assertThat(other.join(Duration.ofSeconds(3))).as("another virtual thread ran while %d wrote", carriers)
                    .isTrue();
            assertThat(writers).allMatch(Thread::isAlive); // still blocked: the test saw the full pipe
        } finally {
            for (Thread t : writers) {
                t.join(Duration.ofSeconds(10));
            }
        }
    }
}
