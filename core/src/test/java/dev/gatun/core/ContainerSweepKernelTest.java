package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.cgroups.Cgroup;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a JVM that died without deleting its containers leaves — their cgroup directories in every
 * hierarchy, their state directories with the owner records, its sentinel's
 * {@code gatun-jvm-<pid>-<start time>} directory — is removed by the next Gatun start (the first
 * {@code Container.create} of any JVM) or {@link Gatun#sweep()}, and only that: a live JVM's
 * containers and state are never touched. Child JVMs ({@link SentinelProbe}, {@link ExitProbe})
 * make the containers; the test SIGKILLs them or lets them exit. Two of the tests also run in the
 * cgroup v2 VM (each child JVM costs seconds there).
 */
@KernelTest
@Timeout(420) // child JVMs are slow in the VM lane
class ContainerSweepKernelTest {

    @Test
    @Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane)
    void whatASigkilledJvmLeftIsSweptAndAContainerWithItsIdThenCreates() throws Exception {
        ProbeJvm probe = ProbeJvm.start(SentinelProbe.class, List.of(), Leftovers.id("dead") + "-");
        probe.kill();
        List<Path> before = leftoversOf(probe);
        try {
            assertThat(before).as("what the SIGKILLed JVM left (the test can tell)").isNotEmpty();
            assertThat(before).anyMatch(p -> p.toString().contains(SandboxRoot.stateDirectory().toString()));

            SweepResult swept = Gatun.sweep();

            assertThat(swept.removed()).containsAll(before);
            assertThat(swept.left()).noneMatch(l -> probe.containers().stream().anyMatch(l::contains));
            assertThat(leftoversOf(probe)).as("what the SIGKILLed JVM left, after the sweep").isEmpty();
            assertThat(probe.awaitGone()).as("its container processes").isEmpty();
            Ran ran = Ran.of(Container.builder().id(probe.containers().getFirst()).command("echo", "again"));
            assertThat(ran.out().strip()).isEqualTo("again");
        } finally {
            Gatun.sweep();
        }
        Leftovers.assertNoneOf(probe.containers().getFirst());
    }

    @Test
    void theNextJvmsFirstCreateSweepsADeadJvmsContainersAndReusesTheirIds() throws Exception {
        String prefix = Leftovers.id("reuse") + "-";
        ProbeJvm dead = ProbeJvm.start(SentinelProbe.class, List.of(), prefix);
        dead.kill();
        assertThat(leftoversOf(dead)).isNotEmpty();
        // a JVM that sweeps nothing itself: its containers have the dead one's ids, so its creates
        // succeed only if its first create swept
        ProbeJvm next = ProbeJvm.start(SentinelProbe.class, List.of(), prefix);
        try {
            assertThat(next.containers()).isEqualTo(dead.containers());
            // the paths are the same, the owner is the next JVM now; the dead one's sentinel directory is gone
            for (String id : next.containers()) {
                assertThat(OwnerRecord.read(SandboxRoot.stateDirectory().resolve(id)).orElseThrow().owner().pid())
                        .isEqualTo(next.pid());
            }
            assertThat(leftoversOf(dead)).as("what the dead JVM left, after the next JVM's first create")
                    .noneMatch(p -> p.getFileName().toString().startsWith("gatun-jvm-"));
        } finally {
            next.kill();
            Gatun.sweep();
        }
        assertThat(leftoversOf(next)).isEmpty();
    }

    @Test
    void aLiveJvmsContainersAndStateAreNeverSwept() throws Exception {
        ProbeJvm live = ProbeJvm.start(SentinelProbe.class, List.of(), Leftovers.id("live") + "-");
        try {
            List<Path> state = leftoversOf(live);
            assertThat(state).isNotEmpty();
            for (String id : live.containers()) {
                assertThat(SandboxRoot.stateDirectory().resolve(id).resolve(OwnerRecord.FILE)).isRegularFile();
            }

            SweepResult swept = Gatun.sweep();

            assertThat(swept.removed()).noneMatch(state::contains);
            assertThat(leftoversOf(live)).as("the live JVM's state, after a sweep").isEqualTo(state);
            assertThat(live.processes()).as("the live JVM's container processes").allMatch(ProbeJvm.Proc::alive);
        } finally {
            live.kill();
        }
        assertThat(live.awaitGone()).isEmpty();
        Gatun.sweep();
        assertThat(leftoversOf(live)).as("what it left once it was SIGKILLed, after a sweep").isEmpty();
    }

    @Test
    void aJvmThatExitsWithARunningContainerLeavesNothing() throws Exception {
        ProbeJvm exiting = ProbeJvm.start(ExitProbe.class, List.of(), Leftovers.id("exit"));
        assertThat(exiting.jvm().waitFor(60, TimeUnit.SECONDS)).as("the probe JVM exits").isTrue();
        assertThat(exiting.jvm().exitValue()).isZero();
        assertThat(exiting.processes()).hasSize(1).noneMatch(ProbeJvm.Proc::alive);
        // the sentinel removes the (by then empty) per-JVM directory a moment after the JVM's end
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!leftoversOf(exiting).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(leftoversOf(exiting)).as("what a JVM that called System.exit left, without any sweep").isEmpty();
    }

    @Test
    @Tag("vm-lane") // on v2 a sub-cgroup made rmdir of the container's cgroup fail with EBUSY
    void aContainerThatMadeSubCgroupsIsDeletedWithThem() throws Exception {
        String id = Leftovers.id("subcgroup");
        try (Container c = Container.builder().id(id).command("sleep", "600").build()) {
            ContainerProcess init = c.run();
            Cgroup cgroup = c.cgroup().orElseThrow();
            for (Path dir : new LinkedHashSet<>(cgroup.directories().values())) {
                // what systemd in a container does: its own cgroups below the container's, the
                // init moved into one (a leaf, as v2's no-internal-processes rule wants)
                Path sub = dir;
                for (String name : List.of("system.slice", "init.scope")) {
                    sub = Files.createDirectory(sub.resolve(name));
                    inheritCpuset(sub);
                }
                Files.writeString(sub.resolve("cgroup.procs"), Long.toString(init.pid()));
                Files.createDirectory(dir.resolve("empty.slice"));
            }
            assertThat(cgroup.processes()).as("the container's own cgroup, not its sub-cgroups").isEmpty();
        }
        Leftovers.assertNoneOf(id);
    }

    /** A new v1 cpuset cgroup has no cpus and mems (a task cannot enter it): its parent's, as runc gives them. */
    private static void inheritCpuset(Path dir) throws IOException {
        for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
            Path f = dir.resolve(file);
            if (Files.exists(f) && Files.readString(f).isBlank() && Files.exists(dir.getParent().resolve(file))) {
                Files.writeString(f, Files.readString(dir.getParent().resolve(file)).strip());
            }
        }
    }

    /**
     * What a probe JVM's containers and its sentinel left that exists now: the containers'
     * cgroup directories in every hierarchy (beside the test JVM's own cgroup, or in the probe's
     * sentinel directory) and the probe's sentinel directory, their state directories.
     */
    private static List<Path> leftoversOf(ProbeJvm probe) {
        List<Path> found = new ArrayList<>();
        for (Path own : Leftovers.ownCgroups().values()) {
            for (Path sentinel : list(own, "gatun-jvm-" + probe.pid())) {
                String rest = sentinel.getFileName().toString().substring(("gatun-jvm-" + probe.pid()).length());
                if (rest.isEmpty() || rest.startsWith("-")) {
                    found.addAll(list(sentinel, "gatun-"));
                    found.add(sentinel);
                }
            }
            for (String id : probe.containers()) {
                if (Files.exists(own.resolve("gatun-" + id))) {
                    found.add(own.resolve("gatun-" + id));
                }
            }
        }
        for (String id : probe.containers()) {
            Path state = SandboxRoot.stateDirectory().resolve(id);
            if (Files.exists(state, LinkOption.NOFOLLOW_LINKS)) {
                found.add(state);
            }
        }
        return found;
    }

    private static List<Path> list(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
