/**
 * The cgroup controller API: cgroup v2 first, v1 as the fallback for hybrid and legacy hosts.
 * Pure Java file I/O under {@code /sys/fs/cgroup}.
 *
 * @see <a href="https://docs.kernel.org/admin-guide/cgroup-v2.html">Control Group v2</a>
 */
module dev.gatun.cgroups {
    exports dev.gatun.cgroups;
}
