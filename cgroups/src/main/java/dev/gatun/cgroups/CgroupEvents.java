package dev.gatun.cgroups;

/**
 * The event counters and states of one cgroup at one moment. Counters are cumulative since the
 * cgroup was created; -1 means the host does not report it.
 *
 * <p>Sources: v2 {@code cgroup.events} (populated, frozen), {@code memory.events} (oom, oom_kill),
 * {@code pids.events} (max). v1: {@code cgroup.procs} non-empty (populated), {@code freezer.state},
 * {@code memory.oom_control} ({@code oom_kill}; v1 has no count of OOM situations, so
 * {@link #oom()} is -1), {@code pids.events}.
 *
 * @param populated whether any process is inside (here or below)
 * @param frozen whether the cgroup is frozen
 * @param oom times the memory limit was hit and reclaim failed (v2 {@code oom})
 * @param oomKill processes the OOM killer killed here
 * @param pidsMax forks refused because of {@code pids.max}
 */
public record CgroupEvents(boolean populated, boolean frozen, long oom, long oomKill, long pidsMax) {}
