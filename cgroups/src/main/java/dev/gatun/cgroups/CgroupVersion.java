package dev.gatun.cgroups;

/**
 * The two cgroup interfaces the kernel offers.
 *
 * @see <a href="https://docs.kernel.org/admin-guide/cgroup-v2.html">Control Group v2</a>
 * @see <a href="https://docs.kernel.org/admin-guide/cgroup-v1/index.html">Control Groups version 1</a>
 */
public enum CgroupVersion {
    /** One hierarchy per controller (or group of controllers), mounted as type {@code cgroup}. */
    V1,
    /** The unified hierarchy, mounted as type {@code cgroup2}. */
    V2
}
