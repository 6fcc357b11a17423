package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.ResourceSample;
import org.junit.jupiter.api.Test;

/** The soak's verdict can tell: what a container holds must end exact, threads and heap within their tolerance. */
class SoakFlatnessTest {

    private static final ResourceSample BEFORE = new ResourceSample(0, 41, 24, 6_000_000, 1, 1, 20, 0, 1, 0, 0);

    private static ResourceSample with(int fds, int threads, long heap, int cgroups, int mounts, int netns, int children,
            int zombies) {
        return new ResourceSample(1, fds, threads, heap, cgroups, 99, mounts, netns, 7, children, zombies);
    }

    @Test
    void equalSamplesAreFlatWhateverTheHostWideCountsDo() {
        assertThat(ContainerSoakKernelTest.flatness(BEFORE, with(41, 24, 6_000_000, 1, 20, 0, 0, 0))).isEmpty();
    }

    @Test
    void oneMoreFdMountCgroupNamespaceChildOrZombieIsALeak() {
        assertThat(ContainerSoakKernelTest.flatness(BEFORE, with(42, 24, 6_000_000, 2, 21, 1, 1, 1)))
                .containsExactly("fds: 41 -> 42 (tolerance 0)", "cgroup directories: 1 -> 2 (tolerance 0)",
                        "mounts: 20 -> 21 (tolerance 0)", "network namespaces: 0 -> 1 (tolerance 0)",
                        "children: 0 -> 1 (tolerance 0)", "zombies: 0 -> 1 (tolerance 0)");
    }

    @Test
    void threadsAndHeapMayGrowWithinTheirToleranceButNotBeyond() {
        long pool = java.util.concurrent.ForkJoinPool.getCommonPoolParallelism();
        assertThat(ContainerSoakKernelTest.flatness(BEFORE, with(41, 24 + (int) pool + 1, 6_000_000 + (4 << 20), 1, 20, 0,
                0, 0))).isEmpty();
        assertThat(ContainerSoakKernelTest.flatness(BEFORE, with(41, 24 + (int) pool + 2, 6_000_001 + (4 << 20), 1, 20,
                0, 0, 0))).hasSize(2);
    }
}
