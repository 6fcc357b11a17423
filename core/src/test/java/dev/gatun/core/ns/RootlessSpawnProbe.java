package dev.gatun.core.ns;

import dev.gatun.core.spawn.ChildOutput;
import dev.gatun.core.spawn.Handshake;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.core.spawn.SpawnedProcess;
import dev.gatun.core.spawn.Spawner;
import dev.gatun.namespaces.Caller;
import dev.gatun.namespaces.IdMappings;
import dev.gatun.namespaces.NamespaceSet;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.namespaces.SubordinateIds;
import dev.gatun.namespaces.UserNamespaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Run by {@link RootlessSpawnKernelTest} in a separate JVM as an unprivileged user (or, for
 * {@code unavailable}, in a user namespace whose {@code user.max_user_namespaces} is 0): spawns a
 * child through {@link NamespaceSetup} and the real spawn engine and prints one fact per line for
 * the test to check. Arguments: {@code one-range} (the caller's ids to root),
 * {@code subordinate} (root plus the caller's /etc/subuid range through newuidmap, and a user
 * switch to uid 1000), {@code unavailable}.
 */
public final class RootlessSpawnProbe {

    private static final NamespaceType[] TYPES = {NamespaceType.USER, NamespaceType.PID, NamespaceType.MOUNT,
        NamespaceType.UTS, NamespaceType.IPC, NamespaceType.NETWORK};

    private RootlessSpawnProbe() {}

    public static void main(String[] args) throws Exception {
        Caller caller = Caller.current();
        System.out.println("caller " + caller.uid() + " " + caller.gid() + " capSysAdmin=" + caller.capSysAdmin());
        System.out.println("unavailability " + UserNamespaces.unavailabilityCause().orElse("none"));
        switch (args[0]) {
            case "one-range" -> oneRange(caller);
            case "subordinate" -> subordinate(caller);
            case "unavailable" -> unavailable(caller);
            case "container-without-cgroup" -> containerWithoutCgroup();
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** A default container as this unprivileged user, on a host that delegated it no cgroup. */
    private static void containerWithoutCgroup() throws Exception {
        try (dev.gatun.core.Container c = dev.gatun.core.Container.builder().command("/bin/true").build()) {
            int exit = c.run().waitFor();
            System.out.println("container ran exit " + exit + " dropped " + c.droppedLimits());
        } catch (java.nio.file.AccessDeniedException | UnsupportedOperationException e) {
            System.out.println("container refused " + e.getMessage());
        }
        System.out.println("supported " + dev.gatun.core.Gatun.isSupported());
        System.out.print(dev.gatun.core.Gatun.hostReport());
    }

    private static void oneRange(Caller caller) throws Exception {
        Namespaces ns = Namespaces.builder().create(TYPES).idMappings(IdMappings.rootless(caller.uid(), caller.gid()))
                .build();
        run(ns, b -> Loopback.appendUp(b.sethostname("rootless")),
                "echo pid=$$; hostname; echo id=$(id -u):$(id -g); cat /proc/self/uid_map /proc/self/gid_map; "
                        + "ifconfig lo | grep -o 'UP LOOPBACK RUNNING'", RootlessSpawnProbe::sidecar);
    }

    /**
     * A sidecar of the rootless child: it joins the child's user namespace, then its PID
     * namespace, and forks into it (the JVM has no CAP_SYS_ADMIN for the spawner thread to join
     * it); joining the PID namespace alone is refused, and says why.
     */
    private static void sidecar(SpawnedProcess first) throws Exception {
        System.out.println("first " + Files.readSymbolicLink(Path.of("/proc/" + first.pid() + "/ns/pid")));
        Namespaces both = Namespaces.builder().join(NamespaceType.USER, first.pid())
                .join(NamespaceType.PID, first.pid()).build();
        try (NamespaceSetup setup = NamespaceSetup.prepare(both); ChildOutput out = new ChildOutput()) {
            System.out.println("sidecar atClone=" + setup.joinsPidNamespaceAtClone() + " fork=" + setup.requiresFork());
            SpawnedProcess p = Spawner.get().spawn(out.busybox(setup.appendChildSteps(Program.builder()),
                    "echo pid=$$; readlink /proc/self/ns/pid").build(), setup.spawnOptions(SpawnOptions.defaults()));
            out.readAll().lines().forEach(l -> System.out.println("sidecar " + l.strip()));
            System.out.println("sidecar ended " + p.waitFor());
        }
        Namespaces pidOnly = Namespaces.builder().join(NamespaceType.PID, first.pid()).build();
        try (NamespaceSetup setup = NamespaceSetup.prepare(pidOnly)) {
            Spawner.get().spawn(Program.builder().execve("/bin/true", List.of("true"), ChildOutput.ENV).build(),
                    setup.spawnOptions(SpawnOptions.defaults())).waitFor();
            System.out.println("pid-only joined");
        } catch (dev.gatun.core.ErrnoException e) {
            System.out.println("pid-only refused " + e.getMessage());
        }
    }

    private static void subordinate(Caller caller) throws Exception {
        IdMappings m = IdMappings.rootlessWithSubordinates(caller, SubordinateIds.read(SubordinateIds.SUBUID),
                SubordinateIds.read(SubordinateIds.SUBGID));
        Namespaces ns = Namespaces.builder().create(TYPES).idMappings(m).build();
        // the container's user 1000 is a subordinate id on the host
        run(ns, b -> b.sethostname("rootless").clearGroups().setresgid(1000).setresuid(1000),
                "echo pid=$$; hostname; echo id=$(id -u):$(id -g); cat /proc/self/uid_map /proc/self/gid_map", p -> {});
    }

    private static void unavailable(Caller caller) throws Exception {
        Namespaces ns = Namespaces.builder().create(NamespaceType.USER)
                .idMappings(IdMappings.rootless(caller.uid(), caller.gid())).build();
        try (NamespaceSetup setup = NamespaceSetup.prepare(ns)) {
            System.out.println("prepared");
        } catch (IllegalStateException e) {
            System.out.println("refused " + e.getMessage());
        }
        // and the kernel agrees: the clone itself fails
        try (Handshake h = Spawner.get().start(Program.builder().build(),
                SpawnOptions.defaults().namespaces(NamespaceType.USER.cloneFlag()))) {
            System.out.println("clone succeeded");
        } catch (dev.gatun.core.ErrnoException e) {
            System.out.println("clone " + e.getMessage());
        }
    }

    /** What a probe does while its child runs. */
    @FunctionalInterface
    private interface WhileRunning {
        void accept(SpawnedProcess child) throws Exception;
    }

    private static void run(Namespaces ns, UnaryOperator<Program.Builder> steps, String script, WhileRunning then)
            throws Exception {
        try (NamespaceSetup setup = NamespaceSetup.prepare(ns); ChildOutput out = new ChildOutput()) {
            System.out.println("writers " + setup.idMapperPlan().uidWriter() + " " + setup.idMapperPlan().gidWriter());
            Program program = out.busybox(steps.apply(setup.appendChildSteps(Program.builder())),
                    script + "; exec >/dev/null 2>&1; exec sleep 60").build();
            SpawnedProcess p;
            try (Handshake h = Spawner.get().start(program, setup.spawnOptions(SpawnOptions.defaults()))) {
                setup.configureWaitingChild(h);
                h.release();
                p = h.awaitExec();
            }
            try {
                out.readAll().lines().forEach(l -> System.out.println("child " + l.strip().replaceAll("\\s+", " ")));
                System.out.println("differs " + NamespaceSet.of(p.pid()).differentFrom(NamespaceSet.self()));
                Files.readAllLines(Path.of("/proc/" + p.pid() + "/status")).stream()
                        .filter(l -> l.startsWith("Uid:") || l.startsWith("Gid:"))
                        .forEach(l -> System.out.println("host " + l.replaceAll("\\s+", " ")));
                try {
                    NetworkNamespaces.call(p.pid(), () -> "joined");
                    System.out.println("netns joined");
                } catch (dev.gatun.core.ErrnoException e) {
                    System.out.println("netns refused " + e.getMessage());
                }
                then.accept(p);
            } finally {
                p.kill();
                System.out.println("child ended " + p.waitFor());
            }
        }
    }
}
