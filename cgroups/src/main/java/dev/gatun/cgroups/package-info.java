/**
 * The cgroup controller API (v2 first, v1 fallback).
 *
 * @see <a href="https://docs.kernel.org/admin-guide/cgroup-v2.html">Control Group v2</a>
 */
package dev.gatun.cgroups;
