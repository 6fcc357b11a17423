package dev.gatun.cgroups;

/**
 * Receives changes of {@link CgroupEvents}; see {@link Cgroup#watch}. Called from the watch's own
 * daemon thread, one call at a time; a listener that throws ends the watch.
 */
@FunctionalInterface
public interface CgroupEventListener {

    /** {@code current} differs from {@code previous} (e.g. {@code oomKill} went up). */
    void changed(CgroupEvents previous, CgroupEvents current);
}
