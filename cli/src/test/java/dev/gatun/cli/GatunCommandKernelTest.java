package dev.gatun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.ProcessSpec;
import dev.gatun.oci.Spec;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code gatun} as podman and conmon drive it: every call a separate JVM (the CLI's own module
 * path), containers that live between the calls, state as runc prints it, errors as runc reports
 * them, and nothing left behind: no state directory, no cgroup, no process.
 */
@KernelTest
class GatunCommandKernelTest {

    @TempDir
    Path tmp;

    private Path root;
    private Path bundle;
    private final List<String> ids = new ArrayList<>();

    @BeforeEach
    void bundle() throws IOException {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        root = tmp.resolve("root");
        bundle = Files.createDirectory(tmp.resolve("bundle"));
        BusyboxRootfs.create(bundle.resolve("rootfs"));
        config("sleep", "30");
    }

    /** Whatever a failed test left: killed and deleted by gatun itself, then checked gone. */
    @AfterEach
    void nothingIsLeft() throws Exception {
        List<String> cgroups = new ArrayList<>();
        for (String id : ids) {
            Path state = root.resolve(id).resolve("state.json");
            if (Files.exists(state)) {
                OciSpecs.mapper().readTree(Files.readString(state)).path("cgroupDirectories").forEach(c -> cgroups.add(c.asString()));
            }
            gatun("delete", "--force", id);
        }
        for (String id : ids) {
            assertThat(root.resolve(id)).as("state directory of " + id).doesNotExist();
        }
        for (String c : cgroups) {
            assertThat(Path.of(c)).as("cgroup directory").doesNotExist();
        }
    }

    @Test
    void createLeavesATinyInitWaitingAfterTheCliExitsAndStartRunsTheCommand() throws Exception {
        config("sh", "-c", "echo started; sleep 30");
        String id = id("life");
        Path pidFile = tmp.resolve("pid");
        Path out = tmp.resolve("out");
        Result created = gatun(Redirect.to(out.toFile()), "create", "--bundle", bundle.toString(), "--pid-file",
                pidFile.toString(), id);
        assertThat(created.code()).as(created.err()).isZero();

        JsonNode state = state(id);
        assertThat(state.path("status").asString()).isEqualTo("created");
        assertThat(state.path("ociVersion").asString()).isEqualTo("1.3.0");
        assertThat(state.path("bundle").asString()).isEqualTo(bundle.toString());
        assertThat(state.path("rootfs").asString()).isEqualTo(bundle.resolve("rootfs").toString());
        assertThat(state.path("owner").isString()).isTrue();
        long pid = state.path("pid").asLong();
        assertThat(Files.readString(pidFile)).isEqualTo(Long.toString(pid));
        // the init waits in the waiter, not in a copy of the (gone) CLI JVM
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).toString())
                .startsWith("/memfd:gatun-init");
        assertThat(rssKiB(pid)).as("RSS of the created init, KiB").isLessThan(1024);
        Thread.sleep(300);
        assertThat(Files.readString(out)).as("nothing ran before start").isEmpty();

        Result started = gatun("start", id);
        assertThat(started.code()).as(started.err()).isZero();
        assertThat(state(id).path("status").asString()).isEqualTo("running");
        assertThat(state(id).path("pid").asLong()).isEqualTo(pid);
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).toString()).endsWith("busybox");
        assertThat(root.resolve(id).resolve("exec.fifo")).doesNotExist();
        awaitContains(out, "started\n");

        Result killed = gatun("kill", id, "KILL");
        assertThat(killed.code()).as(killed.err()).isZero();
        awaitStatus(id, "stopped");
        assertThat(state(id).path("pid").asLong()).isZero();
        Result deleted = gatun("delete", id);
        assertThat(deleted.code()).as(deleted.err()).isZero();
        assertThat(root.resolve(id)).doesNotExist();
        assertThat(InitProcess.of(pid).isEmpty() || !InitProcess.of(pid).get().alive()).as("init " + pid + " dead").isTrue();
    }

    @Test
    void killTakesSignalNamesAndNumbersAndRefusesUnknownOnes() throws Exception {
        config("sh", "-c", "trap 'exit 7' USR1; while :; do sleep 0.1; done");
        String id = id("kill");
        assertThat(gatun("run", "-d", "--bundle", bundle.toString(), id).code()).isZero();
        Result unknown = gatun("kill", id, "SIGNOPE");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown signal").contains("SIGNOPE");
        assertThat(state(id).path("status").asString()).isEqualTo("running");
        assertThat(gatun("kill", id, "usr1").code()).isZero();
        awaitStatus(id, "stopped");
        Result again = gatun("kill", id, "9");
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("container not running");
        assertThat(gatun("delete", id).code()).isZero();
    }

    @Test
    void pauseFreezesTheContainerResumeThawsItAndPsListsItsProcesses() throws Exception {
        String id = id("pause");
        assertThat(gatun("run", "-d", "--bundle", bundle.toString(), id).code()).isZero();
        long pid = state(id).path("pid").asLong();
        assertThat(gatun("ps", "--format", "json", id).out().trim()).isEqualTo("[" + pid + "]");
        assertThat(gatun("ps", id).out()).contains(pid + " ").contains("sleep");

        Result paused = gatun("pause", id);
        assertThat(paused.code()).as(paused.err()).isZero();
        assertThat(state(id).path("status").asString()).isEqualTo("paused");
        assertThat(gatun("pause", id).err()).contains("container not running");
        Result busy = gatun("delete", id);
        assertThat(busy.err()).contains("that is not stopped: paused");

        Result resumed = gatun("resume", id);
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(state(id).path("status").asString()).isEqualTo("running");
        assertThat(gatun("resume", id).err()).contains("container not paused");

        assertThat(gatun("pause", id).code()).isZero();
        Result deleted = gatun("delete", "--force", id);
        assertThat(deleted.code()).as("a paused container is thawed to die: " + deleted.err()).isZero();
        assertThat(root.resolve(id)).doesNotExist();
    }

    @Test
    void updateAppliesNewLimitsToTheRunningContainersCgroup() throws Exception {
        String id = id("update");
        assertThat(gatun("run", "-d", "--bundle", bundle.toString(), id).code()).isZero();
        Path limits = tmp.resolve("update.json");
        Files.writeString(limits, "{\"pids\": {\"limit\": 42}, \"memory\": {\"limit\": 67108864}}");
        Result updated = gatun("update", "--resources", limits.toString(), id);
        assertThat(updated.code()).as(updated.err()).isZero();
        List<Path> dirs = new ArrayList<>();
        OciSpecs.mapper().readTree(Files.readString(root.resolve(id).resolve("state.json"))).path("cgroupDirectories")
                .forEach(d -> dirs.add(Path.of(d.asString())));
        assertThat(firstOf(dirs, "pids.max")).isEqualTo("42");
        assertThat(firstOf(dirs, "memory.limit_in_bytes", "memory.max")).isEqualTo("67108864");

        Files.writeString(limits, "{\"devices\": [{\"allow\": true, \"access\": \"rwm\"}]}");
        Result devices = gatun("update", "--resources", limits.toString(), id);
        assertThat(devices.code()).isEqualTo(1);
        assertThat(devices.err()).contains("$.devices");
        Files.writeString(limits, "{\"pids\": ");
        assertThat(gatun("update", "--resources", limits.toString(), id).err()).contains("--resources");
        assertThat(gatun("delete", "--force", id).code()).isZero();
    }

    /** The content of the first of {@code files} found in {@code dirs}, trimmed. */
    private static String firstOf(List<Path> dirs, String... files) throws IOException {
        for (String f : files) {
            for (Path d : dirs) {
                if (Files.exists(d.resolve(f))) {
                    return Files.readString(d.resolve(f)).trim();
                }
            }
        }
        throw new IOException("none of " + List.of(files) + " in " + dirs);
    }

    @Test
    void runWithoutDetachWaitsReturnsTheExitStatusAndDeletes() throws Exception {
        config("sh", "-c", "exit 3");
        String id = id("run");
        Result run = gatun("run", "--bundle", bundle.toString(), id);
        assertThat(run.code()).as(run.err()).isEqualTo(3);
        assertThat(root.resolve(id)).doesNotExist();
    }

    @Test
    void runInTheForegroundForwardsSigtermToTheContainer() throws Exception {
        config("sh", "-c", "trap 'exit 5' TERM; echo ready; while :; do sleep 0.1; done");
        String id = id("fwd");
        Path out = tmp.resolve("fwd-out");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=dev.gatun.core", "-p", System.getProperty("jdk.module.path"), "-m",
                "dev.gatun.cli/dev.gatun.cli.Main", "--root", root.toString(), "run", "--bundle", bundle.toString(), id));
        Process run = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectErrorStream(true).start();
        awaitContains(out, "ready\n");
        run.destroy(); // SIGTERM to gatun run
        assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(Files.readString(out)).isEqualTo(5);
        assertThat(root.resolve(id)).doesNotExist();
    }

    @Test
    void execRunsAProcessInTheRunningContainerAndReturnsItsStatus() throws Exception {
        config("sh", "-c", "sleep 30; true");
        String id = id("exec");
        assertThat(gatun("run", "-d", "--bundle", bundle.toString(), id).code()).isZero();
        long init = state(id).path("pid").asLong();
        Result r = gatun("exec", "-e", "EXTRA=1", "--cwd", "/tmp", id, "sh", "-c",
                "echo $(pwd) $EXTRA $(cat /proc/1/comm) $(hostname); exit 4");
        assertThat(r.code()).as(r.err()).isEqualTo(4);
        assertThat(r.out()).isEqualTo("/tmp 1 sh " + OciSpecs.example().hostname() + "\n");

        // --process, detached, with a pid file: the process is in the init's namespaces and cgroup
        Path process = tmp.resolve("process.json");
        Files.writeString(process, "{\"args\": [\"sleep\", \"20\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}, "
                + "\"env\": [\"PATH=/usr/bin:/bin\"]}");
        Path pidFile = tmp.resolve("exec.pid");
        Result d = gatun("exec", "-d", "--pid-file", pidFile.toString(), "--process", process.toString(), id);
        assertThat(d.code()).as(d.err()).isZero();
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(dev.gatun.namespaces.NamespaceSet.of(pid).ids()).isEqualTo(dev.gatun.namespaces.NamespaceSet.of(init).ids());
        assertThat(Files.readString(Path.of("/proc/" + pid + "/cgroup")))
                .isEqualTo(Files.readString(Path.of("/proc/" + init + "/cgroup")));
        assertThat(gatun("ps", "--format", "json", id).out()).contains(Long.toString(pid));

        List<Long> before = new ArrayList<>();
        OciSpecs.mapper().readTree(gatun("ps", "--format", "json", id).out()).forEach(n -> before.add(n.asLong()));
        assertThat(before).contains(init, pid);
        Path malformed = tmp.resolve("malformed.json");
        Files.writeString(malformed, "{\"args\": [\"true\"], \"cwd\": 7");
        Result bad = gatun("exec", "--process", malformed.toString(), id);
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("malformed.json");
        Path relative = tmp.resolve("relative.json");
        Files.writeString(relative, "{\"args\": [\"true\"], \"cwd\": \"tmp\"}");
        Result rel = gatun("exec", "--process", relative.toString(), id);
        assertThat(rel.code()).isEqualTo(1);
        assertThat(rel.err()).contains("$.process.cwd");
        List<Long> inside = new ArrayList<>();
        OciSpecs.mapper().readTree(gatun("ps", "--format", "json", id).out()).forEach(n -> inside.add(n.asLong()));
        assertThat(inside).as("no process left by the refused execs").containsExactlyInAnyOrderElementsOf(before);
        Result missing = gatun("exec", id, "no-such-command");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("no-such-command: not found in the container on PATH");
        Result tty = gatun("exec", "-t", id, "true");
        assertThat(tty.code()).isEqualTo(1);
        assertThat(tty.err()).contains("needs --console-socket");

        assertThat(gatun("kill", id, "KILL").code()).isZero();
        awaitStatus(id, "stopped");
        Result stopped = gatun("exec", id, "true");
        assertThat(stopped.code()).isEqualTo(1);
        assertThat(stopped.err()).contains("cannot exec in a stopped container");
        assertThat(gatun("delete", id).code()).isZero();
    }

    @Test
    void createContainerAndStartContainerHooksRunInTheContainersNamespaces() throws Exception {
        Path cc = tmp.resolve("cc.json");
        Spec example = OciSpecs.example();
        dev.gatun.oci.Hooks hooks = new dev.gatun.oci.Hooks(null, null,
                List.of(new dev.gatun.oci.Hook("/bin/sh", List.of("sh", "-c", "cat > " + cc + "; hostname >> " + cc), null, 10)),
                List.of(new dev.gatun.oci.Hook("/bin/sh", List.of("sh", "-c", "cat > /dev/shm/sc.json"), null, 10)),
                null, null);
        OciSpecs.writeConfig(example.toBuilder().hooks(hooks).process(example.process().toBuilder().terminal(false)
                .args(List.of("sleep", "30")).build()).build(), bundle.resolve("config.json"));
        String id = id("ochooks");
        Result created = gatun("create", "--bundle", bundle.toString(), id);
        assertThat(created.code()).as(created.err()).isZero();
        String text = Files.readString(cc);
        assertThat(text).containsPattern("\"status\"\\s*:\\s*\"creating\"").containsPattern("\"id\"\\s*:\\s*\"" + id + "\"")
                .endsWith("}" + example.hostname() + "\n");
        assertThat(gatun("start", id).code()).isZero();
        Result sc = gatun("exec", id, "cat", "/dev/shm/sc.json");
        assertThat(sc.code()).as(sc.err()).isZero();
        assertThat(sc.out()).containsPattern("\"status\"\\s*:\\s*\"created\"").containsPattern("\"id\"\\s*:\\s*\"" + id + "\"");
        assertThat(gatun("delete", "--force", id).code()).isZero();

        // a failing startContainer hook fails start and stops the container
        OciSpecs.writeConfig(example.toBuilder().hooks(new dev.gatun.oci.Hooks(null, null, null,
                List.of(new dev.gatun.oci.Hook("/bin/sh", List.of("sh", "-c", "echo nope; exit 2"), null, 10)), null, null))
                .process(example.process().toBuilder().terminal(false).args(List.of("sleep", "30")).build()).build(),
                bundle.resolve("config.json"));
        String failing = id("ochookfail");
        assertThat(gatun("create", "--bundle", bundle.toString(), failing).code()).isZero();
        Result start = gatun("start", failing);
        assertThat(start.code()).isEqualTo(1);
        assertThat(start.err()).contains("hooks.startContainer[0] (/bin/sh) exited with 2: nope");
        awaitStatus(failing, "stopped");
        assertThat(gatun("delete", failing).code()).isZero();
    }

    @Test
    void eventsPrintsTheCgroupsUsageAsRuncsJsonAndAnOomKill() throws Exception {
        Spec example = OciSpecs.example();
        dev.gatun.oci.Resources limits = dev.gatun.oci.Resources.builder()
                .memory(new dev.gatun.oci.Resources.Memory(33_554_432L, null, 33_554_432L, null, null, null, null, null, null, null))
                .build();
        OciSpecs.writeConfig(example.toBuilder().linux(example.linux().toBuilder().resources(limits).build())
                .process(example.process().toBuilder().terminal(false).args(List.of("sleep", "600")).build()).build(),
                bundle.resolve("config.json"));
        String id = id("events");
        assertThat(gatun("run", "-d", "--bundle", bundle.toString(), id).code()).isZero();
        Result once = gatun("events", "--stats", id);
        assertThat(once.code()).as(once.err()).isZero();
        JsonNode stats = OciSpecs.mapper().readTree(once.out());
        assertThat(stats.path("type").asString()).isEqualTo("stats");
        assertThat(stats.path("id").asString()).isEqualTo(id);
        assertThat(stats.path("data").path("pids").path("current").asLong()).isBetween(1L, 5L);
        assertThat(stats.path("data").path("memory").path("usage").path("usage").asLong()).isPositive();
        assertThat(stats.path("data").path("cpu").path("usage").path("total").asLong()).isPositive();

        // streaming: an OOM kill in the container (an exec'd hog) shows as an oom event
        Path out = tmp.resolve("events.out");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=dev.gatun.core", "-p", System.getProperty("jdk.module.path"), "-m",
                "dev.gatun.cli/dev.gatun.cli.Main", "--root", root.toString(), "events", "--interval", "200ms", id));
        Process events = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectErrorStream(false).start();
        try {
            awaitContains(out, "\"type\":\"stats\"");
            Result hog = gatun("exec", id, "sh", "-c", "head -c 200000000 /dev/zero | tail > /dev/null");
            assertThat(hog.code()).isNotZero();
            awaitContains(out, "{\"type\":\"oom\",\"id\":\"" + id + "\"}");
        } finally {
            assertThat(gatun("kill", id, "KILL").code()).isZero();
            assertThat(events.waitFor(20, TimeUnit.SECONDS)).as("events ends when the container stops").isTrue();
        }
        assertThat(events.exitValue()).isZero();
        Result bad = gatun("events", "--interval", "soon", id);
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("--interval soon");
        assertThat(gatun("delete", id).code()).isZero();
    }

    /**
     * {@code --preserve-fds N}: the caller's fds 3 .. 3+N-1 reach the container's process at the
     * same numbers (a shell opens them, then execs gatun), for run and for exec.
     */
    @Test
    void preserveFdsPassesTheCallersExtraFdsToTheContainer() throws Exception {
        Path first = Files.writeString(tmp.resolve("first"), "one\n");
        Path second = Files.writeString(tmp.resolve("second"), "two\n");
        config("sh", "-c", "cat <&3; cat <&4; ls /proc/self/fd | sort -n | tr '\\n' ' '");
        String id = id("fds");
        String gatun = String.join(" ", List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=dev.gatun.core", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-p", "'" + System.getProperty("jdk.module.path") + "'", "-m", "dev.gatun.cli/dev.gatun.cli.Main",
                "--root", root.toString()));
        Process p = new ProcessBuilder("/bin/sh", "-c", "exec 3<" + first + " 4<" + second + "; exec " + gatun
                + " run --preserve-fds 2 --bundle " + bundle + " " + id).redirectErrorStream(true)
                .redirectInput(Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).startsWith("one\ntwo\n");
        // the container's own fds: stdio, the two preserved, and ls's own directory fd; nothing else
        assertThat(out.lines().skip(2).findFirst().orElseThrow().trim().split(" ")).containsExactly("0", "1", "2", "3", "4", "5");

        config("sleep", "30");
        String running = id("fdsexec");
        assertThat(gatun("run", "-d", "--bundle", bundle.toString(), running).code()).isZero();
        Process e = new ProcessBuilder("/bin/sh", "-c", "exec 3<" + second + "; exec " + gatun
                + " exec --preserve-fds 1 " + running + " sh -c 'cat <&3'").redirectErrorStream(true)
                .redirectInput(Redirect.from(new java.io.File("/dev/null"))).start();
        String exec = new String(e.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(e.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(e.exitValue()).as(exec).isZero();
        assertThat(exec).isEqualTo("two\n");
        assertThat(gatun("delete", "--force", running).code()).isZero();
    }

    @Test
    void wrongStatesAreRefusedWithRuncsMessages() throws Exception {
        String id = id("states");
        assertThat(gatun("create", "--bundle", bundle.toString(), id).code()).isZero();
        Result dup = gatun("create", "--bundle", bundle.toString(), id);
        assertThat(dup.code()).isEqualTo(1);
        assertThat(dup.err()).contains("container with id exists: " + id);
        assertThat(gatun("start", id).code()).isZero();
        Result twice = gatun("start", id);
        assertThat(twice.code()).isEqualTo(1);
        assertThat(twice.err()).contains("cannot start an already running container");
        Result busy = gatun("delete", id);
        assertThat(busy.code()).isEqualTo(1);
        assertThat(busy.err()).contains("cannot delete container " + id + " that is not stopped: running");
        assertThat(gatun("kill", "--all", id, "SIGKILL").code()).isZero();
        awaitStatus(id, "stopped");
        assertThat(gatun("delete", "--force", id).code()).isZero();
        assertThat(root.resolve(id)).doesNotExist();
    }

    @Test
    void aCreatedContainerIsDeletedWithoutForceAndItsInitDies() throws Exception {
        String id = id("created");
        assertThat(gatun("create", "--bundle", bundle.toString(), id).code()).isZero();
        long pid = state(id).path("pid").asLong();
        assertThat(gatun("delete", id).code()).isZero();
        assertThat(root.resolve(id)).doesNotExist();
        assertThat(InitProcess.of(pid).isEmpty() || !InitProcess.of(pid).get().alive()).as("init " + pid + " dead").isTrue();
    }

    @Test
    void unknownIdsAreAClearErrorForEveryCommand() throws Exception {
        for (List<String> command : List.of(List.of("state", "nosuch"), List.of("start", "nosuch"),
                List.of("kill", "nosuch"), List.of("delete", "nosuch"))) {
            Result r = gatun(command.toArray(String[]::new));
            assertThat(r.code()).as(command.toString()).isEqualTo(1);
            assertThat(r.err()).as(command.toString()).contains("container does not exist: nosuch");
        }
        assertThat(gatun("delete", "--force", "nosuch").code()).isZero();
        Result badId = gatun("state", "../etc");
        assertThat(badId.err()).contains("invalid container id format: ../etc");
    }

    @Test
    void badBundlesAreClearErrorsThatLeaveNothing() throws Exception {
        String id = id("bad");
        Result missing = gatun("create", "--bundle", tmp.resolve("nowhere").toString(), id);
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("bundle " + tmp.resolve("nowhere") + ": no such directory");

        Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\": \"1.3.0\", \"process\": ");
        Result malformed = gatun("create", "--bundle", bundle.toString(), id);
        assertThat(malformed.code()).isEqualTo(1);
        assertThat(malformed.err()).contains("config.json");

        config("/bin/no-such-program");
        Result noCommand = gatun("create", "--bundle", bundle.toString(), id);
        assertThat(noCommand.code()).isEqualTo(1);
        assertThat(noCommand.err()).contains("no-such-program");

        Spec spec = OciSpecs.readConfig(bundle.resolve("config.json"));
        OciSpecs.writeConfig(spec.toBuilder().process(spec.process().toBuilder().args(List.of()).build()).build(),
                bundle.resolve("config.json"));
        Result noArgs = gatun("create", "--bundle", bundle.toString(), id);
        assertThat(noArgs.code()).isEqualTo(1);
        assertThat(noArgs.err()).contains("$.process.args");
        assertThat(root.resolve(id)).doesNotExist();
    }

    @Test
    void whatACreateKilledHalfwayLeftDoesNotBlockTheId() throws Exception {
        String id = id("half");
        Files.createDirectories(root.resolve(id)); // a directory without state.json, and no lock held
        assertThat(gatun("state", id).err()).contains("container does not exist");
        Result created = gatun("create", "--bundle", bundle.toString(), id);
        assertThat(created.code()).as(created.err()).isZero();
        assertThat(gatun("delete", id).code()).isZero();
        Files.createDirectories(root.resolve(id));
        Files.writeString(root.resolve(id).resolve("config.json"), "{}");
        assertThat(gatun("delete", "--force", id).code()).isZero();
        assertThat(root.resolve(id)).doesNotExist();

        // a directory of someone else's (the library's containers, with an owner record) stays
        Files.createDirectories(root.resolve(id));
        Files.writeString(root.resolve(id).resolve("owner"), "owner 1 1\n");
        assertThat(gatun("create", "--bundle", bundle.toString(), id).err()).contains("container with id exists");
        assertThat(gatun("delete", "--force", id).code()).isZero();
        assertThat(root.resolve(id).resolve("owner")).exists();
        Files.delete(root.resolve(id).resolve("owner"));
        Files.delete(root.resolve(id));
    }

    @Test
    void poststartAndPoststopHooksGetTheStateOnStdin() throws Exception {
        Spec example = OciSpecs.readConfig(bundle.resolve("config.json"));
        OciSpecs.writeConfig(example.toBuilder().hooks(new dev.gatun.oci.Hooks(null, null, null, null,
                List.of(saveStdin(tmp.resolve("poststart"))), List.of(saveStdin(tmp.resolve("poststop"))))).build(),
                bundle.resolve("config.json"));
        String id = id("hooks");
        assertThat(gatun("run", "-d", "--bundle", bundle.toString(), id).code()).isZero();
        dev.gatun.oci.State started = OciSpecs.readState(Files.readString(tmp.resolve("poststart")));
        assertThat(started.status()).isEqualTo("running");
        assertThat(started.pid()).isEqualTo(state(id).path("pid").asInt());
        assertThat(tmp.resolve("poststop")).doesNotExist();
        assertThat(gatun("delete", "--force", id).code()).isZero();
        dev.gatun.oci.State stopped = OciSpecs.readState(Files.readString(tmp.resolve("poststop")));
        assertThat(stopped.status()).isEqualTo("stopped");
        assertThat(stopped.id()).isEqualTo(id);
    }

    private static dev.gatun.oci.Hook saveStdin(Path file) {
        return new dev.gatun.oci.Hook("/bin/sh", List.of("sh", "-c", "cat > " + file), null, null);
    }

    @Test
    void concurrentCommandsOnOneIdSerialize() throws Exception {
        String id = id("race");
        List<Result> creates = parallel(4, "create", "--bundle", bundle.toString(), id);
        assertThat(creates.stream().filter(r -> r.code() == 0)).hasSize(1);
        assertThat(creates.stream().filter(r -> r.err().contains("container with id exists"))).hasSize(3);
        List<Result> starts = parallel(3, "start", id);
        assertThat(starts.stream().filter(r -> r.code() == 0)).hasSize(1);
        assertThat(starts.stream().filter(r -> r.err().contains("cannot start an already running container"))).hasSize(2);
        List<Result> deletes = parallel(3, "delete", "--force", id);
        assertThat(deletes).allMatch(r -> r.code() == 0, "delete --force succeeds");
        assertThat(root.resolve(id)).doesNotExist();
    }

    @Test
    void aJsonLogOnFailureIsOneJsonObject() throws Exception {
        Path log = tmp.resolve("log.json");
        Result r = gatunWith(List.of("--log", log.toString(), "--log-format", "json"), "state", "nosuch");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("container does not exist: nosuch\n");
        JsonNode line = OciSpecs.mapper().readTree(Files.readString(log));
        assertThat(line.path("level").asString()).isEqualTo("error");
        assertThat(line.path("msg").asString()).isEqualTo("container does not exist: nosuch");
        assertThat(line.path("time").asString()).isNotEmpty();
        assertThat(Files.readAllLines(log)).hasSize(1);
    }

    @Test
    void versionFeaturesSpecAndListSpeakRuncsFormats() throws Exception {
        Result version = gatunWith(List.of(), "--version");
        assertThat(version.out().lines().toList()).satisfies(l -> {
            assertThat(l.get(0)).matches("gatun version \\d+\\.\\d+\\.\\d+.*");
            assertThat(l.get(1)).startsWith("commit: ");
            assertThat(l.get(2)).isEqualTo("spec: 1.3.0");
        });
        JsonNode features = OciSpecs.mapper().readTree(gatun("features").out());
        assertThat(features.path("ociVersionMax").asString()).isEqualTo("1.3.0");
        Path fresh = Files.createDirectory(tmp.resolve("fresh"));
        assertThat(gatunWith(List.of(), "spec", "--bundle", fresh.toString()).code()).isZero();
        assertThat(OciSpecs.validate(OciSpecs.readConfig(fresh.resolve("config.json")))).isEmpty();
        Result exists = gatunWith(List.of(), "spec", "--bundle", fresh.toString());
        assertThat(exists.err()).contains("exists. Remove it first");
        assertThat(gatun("list", "--format", "json").out().trim()).isEqualTo("null");
        Result systemd = gatunWith(List.of("--systemd-cgroup", "--root", root.toString()), "list");
        assertThat(systemd.code()).isEqualTo(1);
        assertThat(systemd.err()).contains("--systemd-cgroup");

        String id = id("listed");
        assertThat(gatun("create", "--bundle", bundle.toString(), id).code()).isZero();
        JsonNode list = OciSpecs.mapper().readTree(gatun("list", "--format", "json").out());
        assertThat(list.size()).isEqualTo(1);
        assertThat(list.get(0).path("id").asString()).isEqualTo(id);
        assertThat(list.get(0).path("status").asString()).isEqualTo("created");
        assertThat(gatun("list").out()).startsWith("ID").contains(id + " ").contains("created");
        assertThat(gatun("delete", id).code()).isZero();
    }

    // --- helpers

    private String id(String name) {
        String id = "cli-" + name + "-" + ProcessHandle.current().pid();
        ids.add(id);
        return id;
    }

    private void config(String... args) throws IOException {
        Spec example = OciSpecs.example();
        ProcessSpec process = example.process().toBuilder().terminal(false).args(List.of(args)).build();
        OciSpecs.writeConfig(example.toBuilder().process(process).build(), bundle.resolve("config.json"));
    }

    record Result(int code, String out, String err) {}

    private Result gatun(String... args) throws Exception {
        return gatun(Redirect.DISCARD, args);
    }

    private Result gatun(Redirect stdoutOfContainers, String... args) throws Exception {
        return run(List.of("--root", root.toString()), stdoutOfContainers, args);
    }

    private Result gatunWith(List<String> global, String... args) throws Exception {
        return run(global, Redirect.DISCARD, args);
    }

    /**
     * One gatun process. With {@code containerOut} a file, stdout goes there (a created container
     * inherits it, as conmon's pipes); otherwise it is read and returned.
     */
    private static Result run(List<String> global, Redirect containerOut, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=dev.gatun.core", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-p", System.getProperty("jdk.module.path"), "-m", "dev.gatun.cli/dev.gatun.cli.Main"));
        command.addAll(global);
        command.addAll(List.of(args));
        Path err = Files.createTempFile("gatun-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile()).redirectInput(Redirect.from(new java.io.File("/dev/null")));
            boolean capture = containerOut == Redirect.DISCARD;
            Path out = capture ? Files.createTempFile("gatun-out", ".txt") : null;
            pb.redirectOutput(capture ? Redirect.to(out.toFile()) : containerOut);
            Process p = pb.start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("gatun " + String.join(" ", args) + " ends").isTrue();
            String stdout = capture ? Files.readString(out) : "";
            if (capture) {
                Files.delete(out);
            }
            return new Result(p.exitValue(), stdout, Files.readString(err));
        } finally {
            Files.delete(err);
        }
    }

    private List<Result> parallel(int n, String... args) throws Exception {
        List<CompletableFuture<Result>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return gatun(args);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        List<Result> results = new ArrayList<>();
        for (CompletableFuture<Result> f : all) {
            results.add(f.get(300, TimeUnit.SECONDS));
        }
        return results;
    }

    private JsonNode state(String id) throws Exception {
        Result r = gatun("state", id);
        assertThat(r.code()).as(r.err()).isZero();
        return OciSpecs.mapper().readTree(r.out());
    }

    private void awaitStatus(String id, String status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!state(id).path("status").asString().equals(status)) {
            assertThat(System.nanoTime()).as("status " + status + " within 20 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static void awaitContains(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(file).contains(text)) {
            assertThat(System.nanoTime()).as(file + " gets " + text).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }
}
