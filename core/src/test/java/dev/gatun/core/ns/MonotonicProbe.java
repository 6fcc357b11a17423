package dev.gatun.core.ns;

/**
 * Run by {@link NamespaceSpawnKernelTest} as a child in a new time namespace: prints
 * {@code System.nanoTime()}, which is CLOCK_MONOTONIC, as the namespace sees it.
 */
public final class MonotonicProbe {

    private MonotonicProbe() {}

    public static void main(String[] args) {
        System.out.println(System.nanoTime());
    }
}
