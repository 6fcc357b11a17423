package dev.gatun.examples;

import dev.gatun.core.Gatun;

/**
 * The README's main command. For now it reports whether this JVM can run containers; it becomes
 * the article's experiment (a server in a container under cgroup limits) with Container.builder().
 */
public final class Demo {

    private Demo() {}

    /** Prints whether Gatun can run containers here, and why not when it cannot. */
    public static void main(String[] args) {
        System.out.println("Gatun on Linux " + Gatun.kernelRelease() + ", Java " + Runtime.version());
        if (Gatun.isSupported()) {
            System.out.println("supported: this JVM can run containers");
        } else {
            System.out.println("not supported: " + Gatun.unsupportedCause().orElseThrow());
            System.exit(1);
        }
    }
}
