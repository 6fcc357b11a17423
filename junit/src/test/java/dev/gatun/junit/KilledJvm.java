package dev.gatun.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * The test JVM that {@link NothingLeftKernelTest} SIGKILLs: runs {@link Holder}, a
 * {@link Gatun @Gatun} class with a class-wide container from an image (an overlay root, as root),
 * a class-wide one on the sandbox root with a file copied in, and a per-test one with a published
 * port; prints
 * {@code container <id> <pid>} for each, then {@code held}, and waits to be killed.
 */
public final class KilledJvm {

    private KilledJvm() {}

    public static void main(String[] args) {
        runByMain = true;
        EngineTestKit.engine("junit-jupiter").selectors(selectClass(Holder.class)).execute();
        System.out.println("the holder's test ended before the kill");
        System.exit(1);
    }

    private static volatile boolean runByMain;

    /** The condition of {@link Holder}: here, as Holder's own static initializer needs main's properties. */
    static boolean runByMain() {
        return runByMain;
    }

    /** Run by {@link #main} only (surefire leaves nested classes out; a -Dtest pattern may not). */
    @Gatun
    @EnabledIf("dev.gatun.junit.KilledJvm#runByMain")
    static class Holder {

        @GatunContainer
        static final TestContainer FROM_IMAGE = TestContainer.image(Path.of(System.getProperty("gatun.test.layout")))
                .imageStore(Path.of(System.getProperty("gatun.test.store")))
                .command("/bin/sh", "-c", "echo up; exec sleep 600").waitingFor(Wait.forLogMessage("up", 1));

        @GatunContainer
        static final TestContainer SANDBOX = TestContainer.sandbox()
                .withFile(Path.of(System.getProperty("gatun.test.file")), "/etc/copied")
                .command("/bin/sh", "-c", "cat /etc/copied; echo up; exec sleep 600").waitingFor(Wait.forLogMessage("up", 1));

        @GatunContainer
        final TestContainer published = TestContainer.sandbox()
                .command("/bin/sh", "-c", "echo up; exec /bin/busybox nc -ll -p 7 -e /bin/cat")
                .withExposedPort(7).waitingFor(Wait.forLogMessage("up", 1));

        @Test
        void holdsUntilKilled() throws Exception {
            for (TestContainer c : new TestContainer[] {FROM_IMAGE, SANDBOX, published}) {
                System.out.println("container " + c.id() + " " + c.container().pid());
            }
            System.out.print(SANDBOX.logs());
            System.out.println("held");
            System.out.flush();
            Thread.sleep(Duration.ofMinutes(10));
        }
    }
}
