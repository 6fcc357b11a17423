/**
 * The cgroup controller API: put any process under limits the kernel enforces, with cgroup v2 as
 * the primary driver and v1 as the fallback for hybrid and legacy hosts. Pure Java file I/O under
 * {@code /sys/fs/cgroup}; no native code, no daemon.
 *
 * <pre>{@code
 * CgroupLayout layout = CgroupLayout.detect();             // unified, hybrid or legacy; printable
 * Resources limits = Resources.builder()                   // podman run --memory=512m --cpus=1.5 --pids-limit=100
 *         .memory("512m").cpus(1.5).pidsLimit(100).build();
 * Cgroup cgroup = Cgroups.create(layout, CgroupsPath.parse(null), "job-1", limits, OnUnsupported.FAIL);
 * cgroup.addProcess(process.pid());                       // or start it straight into cgroup.directories()
 * try (EventWatch w = cgroup.watch(Duration.ofMillis(100), (old, now) -> ...)) { ... }
 * cgroup.killAll();
 * cgroup.delete();
 * }</pre>
 *
 * <p><b>Small API.</b> {@link dev.gatun.cgroups.Cgroup} (create through
 * {@link dev.gatun.cgroups.Cgroups}, apply, add a process, list, freeze/thaw, kill all, stats,
 * events, delete); {@link dev.gatun.cgroups.Resources}, the OCI {@code linux.resources} values;
 * {@link dev.gatun.cgroups.CgroupLayout}; {@link dev.gatun.cgroups.CgroupsPath}. What it does
 * <em>not</em> do: the systemd driver (D-Bus), v2 device rules (an eBPF program, attached by
 * {@code core}), joining or adopting cgroups it did not create, moving the caller to satisfy v2's
 * no-internal-processes rule (it fails with an error that says what to delegate instead).
 *
 * <p><b>Errors.</b> Bad values: {@link dev.gatun.cgroups.InvalidResourceException} naming the
 * field. A limit the host cannot enforce: {@link dev.gatun.cgroups.UnsupportedLimitException}
 * naming the limit and the missing file, unless {@link dev.gatun.cgroups.OnUnsupported#DROP} was
 * chosen. The kernel refused a value: {@link dev.gatun.cgroups.CgroupFileException} with the file
 * and the data. Wrong state (delete with processes inside): {@link IllegalStateException}.
 *
 * @see <a href="https://docs.kernel.org/admin-guide/cgroup-v2.html">Control Group v2</a>
 * @see <a href="https://docs.kernel.org/admin-guide/cgroup-v1/index.html">Control Groups version 1</a>
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#control-groups">OCI runtime spec: control groups</a>
 */
package dev.gatun.cgroups;
