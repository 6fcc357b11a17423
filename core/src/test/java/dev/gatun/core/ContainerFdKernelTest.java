package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.gatun.core.linux.LibC;
import dev.gatun.namespaces.NamespaceSet;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.oci.InvalidSpecException;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.KernelTest;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The init's fd table: it holds only the fds its plan lists from its first steps on, so no fd the
 * JVM holds — a directory, another container's pipe — reaches the container (CVE-2024-21626
 * class: a cwd or a command through {@code /proc/self/fd/N}), and a container waiting at
 * "created" keeps no other container's stdio open.
 */
@KernelTest
@Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane)
class ContainerFdKernelTest {

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp(); // the JVM-long threads, fds and sentinel exist before any snapshot
    }

    @TempDir
    Path tmp;

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @Test
    void aCwdThroughAnFdTheJvmHoldsCannotReachTheHost() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Path host = Files.createDirectory(tmp.resolve("host"));
        int dir = openDirectory(host);
        String id = Leftovers.id("cwdfd");
        try (Container c = Container.builder().id(id).cwd("/proc/self/fd/" + dir)
                .command("/bin/sh", "-c", "touch escaped").build()) {
            Throwable t = catchThrowable(() -> c.run().waitFor(30, TimeUnit.SECONDS));
            assertThat(t).isInstanceOf(InvalidSpecException.class).hasMessageContaining("$.process.cwd");
        } finally {
            LibC.close(dir);
        }
        assertThat(host).isEmptyDirectory();
        Leftovers.assertNoneOf(id);
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void aCwdThatIsASymlinkToAnFdTheJvmHoldsFindsNothing() throws Exception {
        // the planner cannot see through a link inside the rootfs: the early close is what holds
        Path host = Files.createDirectory(tmp.resolve("host"));
        int dir = openDirectory(host);
        Path data = Files.createDirectory(tmp.resolve("data"));
        Files.createSymbolicLink(data.resolve("link"), Path.of("/proc/self/fd/" + dir));
        String id = Leftovers.id("cwdlink");
        try (Container c = Container.builder().id(id).bind(data, "/data", false).cwd("/data/link")
                .command("/bin/sh", "-c", "touch escaped").build()) {
            Throwable t = catchThrowable(() -> {
                ContainerProcess p = c.run();
                p.waitFor(30, TimeUnit.SECONDS);
            });
            assertThat(t).isNotNull().hasMessageContaining("chdir");
        } finally {
            LibC.close(dir);
        }
        assertThat(host).isEmptyDirectory();
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aCommandThroughAnFdTheJvmHoldsIsRefused() throws Exception {
        Path host = Files.createDirectory(tmp.resolve("host"));
        Path script = host.resolve("run");
        Files.writeString(script, "#!/bin/sh\necho escaped\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        int dir = openDirectory(host);
        String id = Leftovers.id("argfd");
        try (Container c = Container.builder().id(id).command("/proc/self/fd/" + dir + "/run").build()) {
            Throwable t = catchThrowable(() -> {
                ContainerProcess p = c.run();
                String out = Ran.readAll(p.getInputStream());
                p.waitFor(30, TimeUnit.SECONDS);
                assertThat(out).doesNotContain("escaped");
            });
            assertThat(t).isInstanceOf(InvalidSpecException.class).hasMessageContaining("$.process.args[0]");
        } finally {
            LibC.close(dir);
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aCreatedInitHoldsOnlyStdioAndTheSpawnPipes() throws Exception {
        // runc's "detect fd leak" check, on the init waiting at "created"
        Path host = Files.createDirectory(tmp.resolve("host"));
        int dir = openDirectory(host);
        String id = Leftovers.id("fds");
        try (Container c = Container.builder().id(id).command("/bin/true").build()) {
            c.create();
            long pid = c.state().pid();
            Set<Integer> fds = fdsOf(pid);
            assertThat(fds).as("fds of the created init " + pid + ": " + describe(pid))
                    .containsExactly(0, 1, 2, 3, 4, 5);
            assertThat(c.start().waitFor()).isZero();
        } finally {
            LibC.close(dir);
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aJoinedNamespacesFdIsTheOnlyOtherFdTheCreatedInitHolds() throws Exception {
        String firstId = Leftovers.id("ipchost");
        String secondId = Leftovers.id("ipcjoin");
        try (Container first = Container.builder().id(firstId).stopTimeout(java.time.Duration.ofMillis(200))
                .command("/bin/sleep", "30").build()) {
            long host = first.run().pid();
            try (Container second = Container.builder().id(secondId)
                    .namespaces(Namespaces.builder().join(NamespaceType.IPC, host)
                            .create(NamespaceType.MOUNT, NamespaceType.PID, NamespaceType.UTS).build())
                    .command("/bin/true").build()) {
                assertThat(second.plan()).contains("setns(6<");
                second.create();
                long pid = second.state().pid();
                assertThat(NamespaceSet.of(pid).get(NamespaceType.IPC)).isEqualTo(NamespaceSet.of(host).get(NamespaceType.IPC));
                assertThat(fdsOf(pid)).as(describe(pid)).containsExactly(0, 1, 2, 3, 4, 5, 6);
                assertThat(Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/6")).toString()).startsWith("ipc:[");
                assertThat(second.start().waitFor()).isZero();
            }
        }
        Leftovers.assertNoneOf(firstId);
        Leftovers.assertNoneOf(secondId);
    }

    @Test
    void theDryRunShowsTheFdsTheInitKeeps() throws Exception {
        String id = Leftovers.id("fdplan");
        try (Container c = Container.builder().id(id).command("/bin/true").build()) {
            assertThat(c.plan().lines().toList().get(1)).contains("keep only the fds 0 <- ")
                    .contains("3, 4, 5").contains("close every other fd");
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aCreatedInitWithItsOwnTerminalHoldsOnlyThePtyAndTheSpawnPipes() throws Exception {
        // 0, 1, 2 are the slave by now (/dev/null before the init made its pty, never the JVM's stdio)
        String id = Leftovers.id("fdstty");
        try (Container c = Container.builder().id(id).terminal(true).command("/bin/true").build()) {
            c.create();
            long pid = c.state().pid();
            String fds = describe(pid);
            // and the pty master and slave the init opened (their numbers depend on what else the
            // init had open at that moment, such as the masks' clones of /dev/null)
            List<Integer> all = List.copyOf(fdsOf(pid));
            assertThat(all).as(fds).hasSize(8).startsWith(0, 1, 2, 3, 4, 5);
            for (int fd : List.of(0, 1, 2, all.get(6), all.get(7))) {
                assertThat(Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)).toString()).as(fds).contains("pt");
            }
            assertThat(c.start().waitFor()).isZero();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aCreatedContainerKeepsNoPipeTheJvmHeldWhenItWasCreated() throws Exception {
        // the cause of the stuck stdout reader: a pipe's write end the JVM held at the clone
        int[] pipe = LibC.pipe2(LibC.O_CLOEXEC);
        String id = Leftovers.id("heldpipe");
        try (Container c = Container.builder().id(id).command("/bin/true").build()) {
            c.create();
            LibC.close(pipe[1]);
            pipe[1] = -1;
            long start = System.nanoTime();
            CompletableFuture<Long> eof = CompletableFuture.supplyAsync(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    return LibC.read(pipe[0], arena.allocate(1));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try {
                assertThat(eof.get(2, TimeUnit.SECONDS)).as("EOF on a pipe the created init must not hold").isZero();
            } catch (java.util.concurrent.TimeoutException e) {
                c.close(); // kills the init, so the reader sees EOF
                eof.join();
                throw new AssertionError("the created init holds the pipe's write end", e);
            }
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(1));
        } finally {
            LibC.close(pipe[0]);
            if (pipe[1] >= 0) {
                LibC.close(pipe[1]);
            }
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aFinishedContainersOutputEndsWhileAnotherIsCreatedConcurrently() throws Exception {
        // A is created while B's stdio pipes are open in the JVM; B's reader must see EOF once B
        // exits, not once A goes
        List<Container> waiting = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                String b = Leftovers.id("echo");
                String a = Leftovers.id("waiting");
                ids.add(a);
                ids.add(b);
                Container ca = Container.builder().id(a).command("/bin/true").build();
                waiting.add(ca);
                try (Container cb = Container.builder().id(b).command("/bin/echo", "hi").build()) {
                    CompletableFuture<Void> created = CompletableFuture.runAsync(() -> {
                        try {
                            ca.create();
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    ContainerProcess p = cb.run();
                    created.get(30, TimeUnit.SECONDS);
                    long start = System.nanoTime();
                    InputStream in = p.getInputStream();
                    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
                        try {
                            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    try {
                        assertThat(out.get(5, TimeUnit.SECONDS)).isEqualTo("hi\n");
                    } catch (java.util.concurrent.TimeoutException e) {
                        throw new AssertionError("B's output did not end in 5 s while A (created) lives", e);
                    }
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertThat(millis).as("B's output ended %d ms after it was read from", millis).isLessThan(1000);
                    assertThat(p.waitFor()).isZero();
                }
            }
        } finally {
            for (Container c : waiting) {
                c.close();
            }
        }
        ids.forEach(Leftovers::assertNoneOf);
    }

    private static int openDirectory(Path dir) throws java.io.IOException {
        return LibC.openat(LibC.AT_FDCWD, dir.toString(), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
    }

    private static Set<Integer> fdsOf(long pid) throws java.io.IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return s.map(p -> Integer.parseInt(p.getFileName().toString())).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static String describe(long pid) throws java.io.IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return s.map(p -> {
                try {
                    return p.getFileName() + "->" + Files.readSymbolicLink(p);
                } catch (java.io.IOException e) {
                    return p.getFileName() + "->?";
                }
            }).sorted().collect(Collectors.joining(", "));
        }
    }

}
