package dev.gatun.core;

import dev.gatun.cgroups.CgroupLayout;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.spawn.Arg;
import dev.gatun.core.spawn.Handshake;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.core.spawn.Spawner;
import dev.gatun.core.spawn.Step;
import dev.gatun.core.spawn.SyncPipe;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's sentinel: one tiny process per JVM that kills all of this JVM's containers when the
 * JVM dies, however it dies. Every container that dies with the JVM (all but the detached ones)
 * gets its cgroup2 directory below one per-JVM directory, {@code gatun-jvm-<pid>-<start time>} beside the
 * JVM's own cgroup in the unified hierarchy (a pure v2 host's only one; a hybrid host's
 * controller-less one, where each container has a leaf too). The sentinel waits in a read on a
 * pipe whose other end only the JVM holds; at end of file it writes {@code 1} to that
 * directory's {@code cgroup.kill}, which SIGKILLs every process below it, and removes the
 * directory if it is empty.
 *
 * <p>Why: {@code PR_SET_PDEATHSIG} alone does not hold. A container's code can clear its own
 * parent-death signal, and a SIGKILLed JVM runs no Java (no shutdown hook). The sentinel runs no
 * Java and no container code (it is a program of the spawn engine that never execs), sits in its
 * own session (a terminal's signals to the JVM's process group do not reach it) and in the JVM's
 * cgroup, not the containers' (their kill does not reach it); nothing in a container can see it.
 *
 * <p>Costs one process per JVM, started with the first container, sharing the JVM's memory until
 * it exits. Not covered: a host without cgroup2 (legacy v1 only), a kernel without
 * {@code cgroup.kill} (before 5.14), and a JVM that may not make the directory (not root, no
 * delegation): there the parent-death signal is the only guard, and a warning says so once.
 * {@code -Dgatun.sentinel=false} turns it off.
 *
 * <p>Thread-safe; started once per JVM.
 */
final class Sentinel {

    private static final Logger LOG = LoggerFactory.getLogger(Sentinel.class);

    private static Sentinel instance;
    private static boolean unavailable;

    private final Handshake handshake;
    private final String unifiedPath;

    private Sentinel(Handshake handshake, String unifiedPath) {
        this.handshake = handshake;
        this.unifiedPath = unifiedPath;
    }

    /**
     * The unified-hierarchy path (from the hierarchy's root) below which a container that dies with
     * the JVM gets its cgroup, starting the sentinel on first use; empty where it cannot run.
     */
    static synchronized Optional<String> unifiedParent(CgroupLayout layout) {
        if (instance == null && !unavailable) {
            if (!Boolean.parseBoolean(System.getProperty("gatun.sentinel", "true"))) {
                unavailable = true;
            } else {
                try {
                    instance = start(layout);
                } catch (IOException | RuntimeException e) {
                    unavailable = true;
                    LOG.warn("no sentinel for this JVM's containers: a container whose code clears its parent-death "
                            + "signal can outlive this JVM if it dies ({})", e.toString());
                }
            }
        }
        return instance == null ? Optional.empty() : Optional.of(instance.unifiedPath);
    }

    /** The sentinel's pid, if it runs. */
    static synchronized Optional<Long> pid() {
        return instance == null ? Optional.empty() : Optional.of(instance.handshake.process().pid());
    }

    private static Sentinel start(CgroupLayout layout) throws IOException {
        Path mount = layout.unifiedMount().orElseThrow(() -> new IOException("no cgroup2 hierarchy is mounted"));
        String own = layout.unifiedPath();
        // the name is the owner record: pid and start time, so that a sweep tells a dead JVM's
        // directory from a live one's, and a later JVM with the same pid gets a directory of its own
        String path = (own.equals("/") ? "" : own) + "/" + directoryName();
        Path dir = mount.resolve(path.substring(1));
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            // an earlier, failed start of ours left it
        }
        Path kill = dir.resolve("cgroup.kill");
        if (!Files.exists(kill)) {
            tryRemove(dir);
            throw new IOException(kill + " does not exist (cgroup.kill came with Linux 5.14)");
        }
        int devNull = LibC.openat(LibC.AT_FDCWD, "/dev/null", LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        Handshake h = null;
        try {
            Program.Builder b = Program.builder();
            for (int stream = 0; stream < 3; stream++) {
                b.stdio(stream, devNull); // and every other fd of the JVM closed: it holds no pipe open
            }
            b.setsid();
            // a name to tell it by in ps and in test leak checks (PR_SET_NAME)
            b.step(Step.of("prctl", Arg.of(15), new Arg.Text("gatun-sentinel")));
            b.notifyParent();
            // parked for the JVM's lifetime: the JVM never writes; at its death the read returns 0
            b.step(Step.of("read", Arg.sync(SyncPipe.RELEASE_READ), new Arg.Buffer(1), Arg.of(1)));
            b.writeFile(kill.toString(), "1");
            // the containers' own directories stay until the next Gatun start sweeps them
            // (Sweeper: the name says the owner is dead); an empty one goes now
            b.step(Step.of("rmdir", new Arg.Text(dir.toString())).allowing(Errno.EBUSY));
            h = Spawner.get().startResident(b.build(), SpawnOptions.defaults());
            h.awaitStage();
            LOG.debug("sentinel {} started: this JVM's containers go below {}", h.process().pid(), dir);
            return new Sentinel(h, path);
        } catch (IOException | RuntimeException e) {
            if (h != null) {
                h.close();
            }
            tryRemove(dir);
            throw e;
        } finally {
            LibC.close(devNull);
        }
    }

    /** This JVM's sentinel directory's name: {@code gatun-jvm-<pid>-<start time>} ({@link Owner#token()}). */
    static String directoryName() {
        return "gatun-jvm-" + Owner.self().token();
    }

    private static void tryRemove(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // not empty, or not ours to remove
        }
    }
}
