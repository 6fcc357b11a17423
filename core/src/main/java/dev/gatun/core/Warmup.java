package dev.gatun.core;

import dev.gatun.core.plan.ContainerPlanner;
import dev.gatun.core.spawn.Spawner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The once-per-JVM work a first container needs and that depends on no container, started on a
 * background thread by the JVM's first {@link Container#builder()}, {@link Container#fromBundle}
 * or {@link Container#fromSpec} call, so that it overlaps the caller's own building, reading and
 * validating:
 *
 * <ul>
 *   <li>the spawner ({@link Spawner#get()}): the FFM binding's downcall handle, the executor's
 *       install and self-test, the reaper thread;</li>
 *   <li>for {@code builder()}, the default container's seccomp program (some 400 rules), compiled
 *       into the planner's cache ({@link ContainerPlanner#precompileSeccomp}).</li>
 * </ul>
 *
 * <p>It changes nothing a container gets: each piece is what the first {@code create()} does
 * anyway, through the same first-use holders (class initialization makes a caller that arrives
 * meanwhile wait for the result, never do the work twice), and the seccomp cache is keyed by the
 * whole section, so only an equal section is served from it. Nothing runs where Gatun is
 * unsupported (the caller then gets the same error as before); a failure here is dropped, and the
 * first {@code create()} meets it and reports it (a spawner that failed to initialize then shows
 * as a {@link NoClassDefFoundError} whose cause is the original error). {@code -Dgatun.warmup=false}
 * turns it off.
 *
 * <p>Measured with {@code bench/cold-start.sh}: see {@code bench/results/}.
 */
final class Warmup {

    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private Warmup() {}

    /** Starts the warm-up once per JVM; {@code builderDefaults}: also the default container's seccomp program. */
    static void start(boolean builderDefaults) {
        if (!STARTED.compareAndSet(false, true) || !Boolean.parseBoolean(System.getProperty("gatun.warmup", "true"))) {
            return;
        }
        Thread.ofPlatform().name("gatun-warmup").daemon().start(() -> run(builderDefaults));
    }

    private static void run(boolean builderDefaults) {
        if (!Gatun.isSupported()) {
            return;
        }
        try {
            Spawner.get();
            if (builderDefaults) {
                ContainerPlanner.precompileSeccomp(new ContainerBuilder().command("/bin/true").toSpec());
            }
        } catch (RuntimeException | Error e) {
            // dropped: the first create() does the same work and reports what fails
        }
    }
}
