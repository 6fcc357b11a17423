/**
 * The container's root filesystem: {@link dev.gatun.core.rootfs.RootfsPlan} validates a spec's
 * {@code root}, {@code mounts} and the filesystem parts of {@code linux} in the parent, resolves
 * every mount target inside the rootfs with {@code openat2(RESOLVE_IN_ROOT)}, and appends the
 * child's mount, {@code /dev}, {@code pivot_root}, masked- and read-only-path steps to a syscall
 * program. Not exported: the {@code Container} facade and the CLI use it.
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#root">config.md root</a>
 */
package dev.gatun.core.rootfs;
