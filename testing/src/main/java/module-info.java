/**
 * Test support shared by Gatun's modules.
 *
 * <ul>
 *   <li>{@link dev.gatun.testing.KernelTest}: the kernel-test lane. A kernel test needs root and
 *       real kernel features; when a precondition is missing it is skipped with the reason, except
 *       when the build runs with {@code -Dgatun.requireKernel=true} (as {@code .ci/run} does), where
 *       the same skip fails the test: nothing may be silently untested in CI.
 *   <li>{@link dev.gatun.testing.HostSnapshot}: what a test could leak (fds, child processes,
 *       mounts), captured before and compared after.
 *   <li>{@link dev.gatun.testing.ResourceSample}: the counts a soak expects flat (fds, threads,
 *       heap, cgroup directories, mounts, network namespaces, zombies).
 *   <li>{@link dev.gatun.testing.OciLayoutBuilder}: OCI image layouts written by the test itself
 *       (layers from directories, gzip or not, a config, a multi-platform index): no internet.
 *   <li>{@link dev.gatun.testing.LocalRegistry}: Debian's docker-registry on a loopback port,
 *       filled with skopeo.
 * </ul>
 */
module dev.gatun.testing {
    requires transitive org.junit.jupiter.api;
    requires java.management;
    requires org.apache.commons.compress;
    requires java.net.http;

    exports dev.gatun.testing;
}
