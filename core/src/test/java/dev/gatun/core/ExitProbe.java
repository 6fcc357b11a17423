package dev.gatun.core;

/**
 * Run in a child JVM by {@link ContainerSweepKernelTest}: starts one container running
 * {@code sleep}, prints {@code container <id>}, {@code proc <pid> <start time>} and
 * {@code ready}, then calls {@code System.exit(0)} without closing it: the shutdown hook's case.
 */
public final class ExitProbe {

    private ExitProbe() {}

    public static void main(String[] args) throws Exception {
        Container c = Container.builder().id(args[0]).command("sleep", "600").build();
        ContainerProcess init = c.run();
        System.out.println("container " + c.id());
        System.out.println("proc " + init.pid() + " " + SentinelProbe.startTime(init.pid()));
        System.out.println("ready");
        System.out.flush();
        System.exit(0);
    }
}
