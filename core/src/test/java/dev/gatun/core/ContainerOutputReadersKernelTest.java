package dev.gatun.core.tofix;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.Container;
import dev.gatun.core.ContainerProcess;
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
 * container), must leave the JVM's other virtual threads running.
 */
@KernelTest
@Timeout(60)
class ContainerOutputReadersKernelTest {

    @Test
    @KnownBug("ContainerProcess's streams (FdInputStream) block in read(2) through an FFM downcall, which pins a "
            + "virtual thread's carrier and is not compensated: as many readers as carriers stop every other virtual "
            + "thread of the JVM (the publish forwarder used to starve this way: issue 14)")
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
}
