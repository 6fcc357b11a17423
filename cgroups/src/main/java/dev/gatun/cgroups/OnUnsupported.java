package dev.gatun.cgroups;

/**
 * What to do with a limit this host cannot enforce (controller absent, control file absent).
 * The default is {@link #FAIL}: a limit is never silently dropped.
 */
public enum OnUnsupported {
    /** Throw {@link UnsupportedLimitException}; a cgroup being created is removed again. */
    FAIL,
    /** Skip the limit and record it in {@link Cgroup#droppedLimits()}. */
    DROP
}
