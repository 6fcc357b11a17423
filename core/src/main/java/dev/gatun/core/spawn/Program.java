package dev.gatun.core.spawn;

import static dev.gatun.core.spawn.Arg.dirfd;
import static dev.gatun.core.spawn.Arg.flags;
import static dev.gatun.core.spawn.Arg.mode;
import static dev.gatun.core.spawn.Arg.nul;
import static dev.gatun.core.spawn.Arg.of;
import static dev.gatun.core.spawn.Arg.text;
import static dev.gatun.core.spawn.Arg.valueOf;

import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.Flags;
import dev.gatun.core.linux.LibC;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A syscall program: what a freshly cloned child does, step by step, before (and instead of) ever
 * running Java. The executor walks the steps with the raw syscall instruction; the first step that
 * fails makes the child report {index, errno} and {@code exit_group(127)}; a program that runs out
 * without {@code execve} exits 0.
 *
 * <p>A program is plain data: architecture-independent (names, not numbers), free of native
 * memory, renderable ({@link #render()} is the dry run users see) and reusable: each spawn
 * compiles it into memory it owns. Build one with {@link #builder()}; the typed helpers emit only
 * the generic syscalls every architecture has ({@code openat}, {@code dup3}, {@code mkdirat} ...).
 *
 * <p>Rules the builder cannot check, which the program's author keeps:
 *
 * <ul>
 *   <li>All signals are blocked when the child starts. {@link Builder#unblockSignals()} may
 *       come anywhere (every handler is SIG_DFL already), usually right before {@code execve};
 *       a child parked in {@link Builder#awaitParent()} with signals still blocked dies only of
 *       SIGKILL.
 *   <li>Use {@link Builder#closeRangeCloexec(int)}, never a real close of the inherited fds:
 *       the error pipe must stay open until exec. A program that {@linkplain Builder#ownFdTable()
 *       owns its fd table} gets its real close from the spawner, which knows where the error pipe is.
 *   <li>Steps that wait for the parent ({@link Builder#awaitParent()}) need a
 *       {@link Spawner#start handshake spawn}; a plain {@link Spawner#spawn spawn} refuses them.
 * </ul>
 *
 * <p>Immutable and thread-safe. The builder is not thread-safe.
 */
public final class Program {

    /** {@code SIGCHLD}, the exit signal of every spawn. */
    static final int SIGCHLD = 17;
    /** The fork step's flags: share memory, wait for exec, make the new task our child. */
    static final long FORK_FLAGS = 0x100L | 0x4000L | 0x8000L;

    /** The error pipe's write end in a child that {@linkplain Builder#ownFdTable() owns its fd table} (handshake spawns). */
    public static final int ERROR_FD = 3;
    /** The release pipe's read end ({@link SyncPipe#RELEASE_READ}) in a child that owns its fd table. */
    public static final int RELEASE_FD = 4;
    /** The stage pipe's write end ({@link SyncPipe#STAGE_WRITE}) in a child that owns its fd table. */
    public static final int STAGE_FD = 5;
    /** The first number {@link Builder#inherit(int)} gives out. */
    public static final int FIRST_INHERITED_FD = 6;

    private final List<Step> steps;
    // child fd -> parent fd, or null when the child keeps the JVM's fd table as it was at the clone
    private final SortedMap<Integer, Integer> fds;

    private Program(List<Step> steps, SortedMap<Integer, Integer> fds) {
        this.steps = List.copyOf(steps);
        this.fds = fds == null ? null : Collections.unmodifiableSortedMap(new TreeMap<>(fds));
    }

    /** A new, empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A program of exactly these steps. */
    public static Program ofSteps(List<Step> steps) {
        return new Program(steps, null);
    }

    /** A program of these steps with the fd table of {@code owner} (empty when it owns none). */
    static Program ofSteps(List<Step> steps, Optional<SortedMap<Integer, Integer>> fds) {
        return new Program(steps, fds.orElse(null));
    }

    /**
     * The fds the child holds from its first steps on, child number to the parent's, when the
     * program {@linkplain Builder#ownFdTable() owns its fd table}: the spawner moves them there
     * and closes every other fd (see {@link FdPrologue}). Empty when the child keeps a copy of the
     * JVM's whole fd table until exec.
     */
    public Optional<SortedMap<Integer, Integer>> ownedFds() {
        return Optional.ofNullable(fds);
    }

    /** The steps, in order. */
    public List<Step> steps() {
        return steps;
    }

    /** Whether a step uses the handshake pipes (so the spawn must be a {@link Handshake}). */
    public boolean usesHandshake() {
        return steps.stream().flatMap(s -> s.args().stream()).anyMatch(a -> a instanceof Arg.Sync);
    }

    /** Whether the program contains a fork step. */
    public boolean forks() {
        return steps.stream().anyMatch(Step::parentExits);
    }

    /** The index of the last fork step, or -1. */
    int lastForkIndex() {
        return IntStream.range(0, steps.size()).filter(i -> steps.get(i).parentExits()).reduce((a, b) -> b).orElse(-1);
    }

    /**
     * The fd table the child starts its steps with, as one line: {@code 0 <- 17, 1 <- 19, 2 <- 19,
     * 6 <- 23} (child fd <- the JVM's), empty when the program does not own its fd table.
     */
    public String renderOwnedFds() {
        return fds == null ? "" : fds.entrySet().stream().map(e -> e.getKey() + " <- " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /** One line per step, numbered from 0, as a person would write the calls. */
    public String render() {
        return IntStream.range(0, steps.size())
                .mapToObj(i -> String.format("%3d  %s", i, steps.get(i).render()))
                .collect(Collectors.joining("\n"));
    }

    @Override
    public String toString() {
        return render();
    }

    /**
     * Builds a {@link Program}. Each helper appends one or a few steps and returns this builder;
     * helpers that produce a value the program needs later (an fd) take the {@link Slot} to store
     * it in. Arguments are checked at once: null where a string is required, NUL in a string,
     * negative fds all throw {@link IllegalArgumentException} or {@link NullPointerException}.
     */
    public static final class Builder {

        private final List<Step> steps = new ArrayList<>();
        private SortedMap<Integer, Integer> fds;
        private boolean inheritedAsIs;

        private Builder() {}

        /**
         * Makes the child own its fd table: before any step of this program, it holds exactly the
         * fds this builder lists ({@link #stdio}, {@link #inherit}) and, in a handshake spawn, the
         * error and handshake pipes at {@link Program#ERROR_FD}, {@link Program#RELEASE_FD} and
         * {@link Program#STAGE_FD};
         * every other fd it got from the JVM is closed. Fds 0 to 2 not given with {@link #stdio}
         * stay what they were in the JVM, so that fds the program opens later never take their
         * numbers; such a program puts its own stdio there before exec. Must come before the first
         * {@link #inherit}.
         *
         * @throws IllegalStateException after an {@link #inherit} of a program that did not own its fd table
         */
        public Builder ownFdTable() {
            if (inheritedAsIs) {
                throw new IllegalStateException("ownFdTable() after inherit(): earlier steps use the JVM's fd numbers");
            }
            if (fds == null) {
                fds = new TreeMap<>();
            }
            return this;
        }

        /**
         * Gives the child the parent's {@code parentFd} as its {@code stream} (0, 1 or 2, without
         * O_CLOEXEC, so it survives exec), from its first steps on. Implies {@link #ownFdTable()}.
         */
        public Builder stdio(int stream, int parentFd) {
            if (stream < 0 || stream > 2) {
                throw new IllegalArgumentException("stream must be 0, 1 or 2: " + stream);
            }
            ownFdTable();
            fds.put(stream, nonNegative(parentFd, "parentFd"));
            return this;
        }

        /**
         * The number by which the child knows the parent's {@code parentFd}: in a program that
         * {@linkplain #ownFdTable() owns its fd table}, a number from {@link Program#FIRST_INHERITED_FD}
         * up (O_CLOEXEC; the same fd twice gets the same number); otherwise {@code parentFd} itself.
         */
        public int inherit(int parentFd) {
            nonNegative(parentFd, "parentFd");
            if (fds == null) {
                inheritedAsIs = true;
                return parentFd;
            }
            for (Map.Entry<Integer, Integer> e : fds.entrySet()) {
                if (e.getKey() >= FIRST_INHERITED_FD && e.getValue() == parentFd) {
                    return e.getKey();
                }
            }
            int child = fds.isEmpty() ? FIRST_INHERITED_FD : Math.max(FIRST_INHERITED_FD, fds.lastKey() + 1);
            fds.put(child, parentFd);
            return child;
        }

        /** Appends {@code step} as is. */
        public Builder step(Step step) {
            steps.add(Objects.requireNonNull(step, "step"));
            return this;
        }

        /** Appends {@code syscall(args)} with the default judgement. */
        public Builder syscall(String name, Arg... args) {
            return step(Step.of(name, args));
        }

        /** {@code into = openat(dirfd, path, flags, mode)}. */
        public Builder openat(Slot into, int dirfd, String path, int flags, int mode) {
            return step(Step.of("openat", dirfd(dirfd), new Arg.Text(path), flags(flags, Flags.OPEN), mode(mode))
                    .storingIn(into));
        }

        /** {@code close(fd)}. */
        public Builder close(int fd) {
            return syscall("close", of(nonNegative(fd, "fd")));
        }

        /** {@code close($slot)}. */
        public Builder close(Slot fd) {
            return syscall("close", valueOf(fd));
        }

        /** {@code dup3(oldfd, newfd, flags)}: the new fd lacks O_CLOEXEC unless asked, so it survives exec. */
        public Builder dup3(int oldfd, int newfd, int flags) {
            return syscall("dup3", of(nonNegative(oldfd, "oldfd")), of(nonNegative(newfd, "newfd")), dup3Flags(flags));
        }

        /** {@code dup3($oldfd, newfd, flags)}: as {@link #dup3(int, int, int)}, with the fd an earlier step stored. */
        public Builder dup3(Slot oldfd, int newfd, int flags) {
            return syscall("dup3", valueOf(oldfd), of(nonNegative(newfd, "newfd")), dup3Flags(flags));
        }

        /** dup3's flags: 0 or O_CLOEXEC (rendered "0", not the open flags' "O_RDONLY"). */
        static Arg dup3Flags(int flags) {
            return flags == 0 ? of(0) : new Arg.Value(flags, flags == LibC.O_CLOEXEC ? "O_CLOEXEC" : Flags.OPEN.render(flags));
        }

        /** {@code close_range(first, ~0U, CLOSE_RANGE_CLOEXEC)}: every fd from {@code first} up closes at exec. */
        public Builder closeRangeCloexec(int first) {
            return syscall("close_range", of(nonNegative(first, "first")), new Arg.Value(0xFFFF_FFFFL, "~0U"),
                    flags(4, Flags.CLOSE_RANGE));
        }

        /**
         * {@code close_range(first, last, 0)}: every fd from {@code first} to {@code last} closes now.
         * Only for the spawner's {@link FdPrologue}, which knows where the error pipe is.
         */
        Builder closeRange(int first, long last) {
            Arg to = last == 0xFFFF_FFFFL ? new Arg.Value(last, "~0U") : of(last);
            return syscall("close_range", of(nonNegative(first, "first")), to, flags(0, Flags.CLOSE_RANGE));
        }

        /** {@code mount(source, target, fstype, flags, data)}; source, fstype and data may be null. */
        public Builder mount(String source, String target, String fstype, long flags, String data) {
            return syscall("mount", text(source), new Arg.Text(target), text(fstype), flags(flags, Flags.MOUNT),
                    text(data));
        }

        /** {@code umount2(target, flags)}. */
        public Builder umount2(String target, int flags) {
            return syscall("umount2", new Arg.Text(target), flags(flags, Flags.UMOUNT));
        }

        /** {@code pivot_root(newRoot, putOld)}. */
        public Builder pivotRoot(String newRoot, String putOld) {
            return syscall("pivot_root", new Arg.Text(newRoot), new Arg.Text(putOld));
        }

        /** {@code chdir(path)}. */
        public Builder chdir(String path) {
            return syscall("chdir", new Arg.Text(path));
        }

        /** {@code mkdirat(dirfd, path, mode)}, tolerating EEXIST. */
        public Builder mkdirIfMissing(int dirfd, String path, int mode) {
            return step(Step.of("mkdirat", dirfd(dirfd), new Arg.Text(path), mode(mode)).allowing(Errno.EEXIST));
        }

        /** {@code sethostname(name, len)}. */
        public Builder sethostname(String name) {
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            return syscall("sethostname", new Arg.Text(name), of(bytes.length));
        }

        /** {@code write($fd, data, len) == len}. */
        public Builder write(Slot fd, byte[] data) {
            return step(Step.of("write", valueOf(fd), Arg.bytes(data), of(data.length)).expecting(data.length));
        }

        /**
         * Writes {@code content} to the existing file {@code path} with a single {@code write}:
         * {@code openat} (O_WRONLY|O_CLOEXEC), {@code write == len}, {@code close}. The way to set
         * {@code /proc/self/oom_score_adj}, {@code setgroups}, or a v1 {@code cgroup.procs}.
         */
        public Builder writeFile(String path, String content) {
            Slot fd = Slot.named("fd");
            return openat(fd, LibC.AT_FDCWD, path, LibC.O_WRONLY | LibC.O_CLOEXEC, 0)
                    .write(fd, content.getBytes(StandardCharsets.UTF_8))
                    .close(fd);
        }

        /** {@code prctl(option, arg2, 0, 0, 0)}. */
        public Builder prctl(int option, long arg2) {
            Arg second = option == 1 ? new Arg.Value(arg2, Flags.signal(arg2)) : of(arg2);
            return syscall("prctl", flags(option, Flags.PRCTL), second, of(0), of(0), of(0));
        }

        /** {@code prctl(PR_SET_PDEATHSIG, signal)}: the child gets {@code signal} when the spawner thread dies. */
        public Builder parentDeathSignal(int signal) {
            return prctl(1, signal);
        }

        /** {@code setsid()}: a new session, no controlling terminal. */
        public Builder setsid() {
            return syscall("setsid");
        }

        /** {@code setresgid(gid, gid, gid)}. */
        public Builder setresgid(int gid) {
            return syscall("setresgid", of(gid), of(gid), of(gid));
        }

        /** {@code setresuid(uid, uid, uid)}. */
        public Builder setresuid(int uid) {
            return syscall("setresuid", of(uid), of(uid), of(uid));
        }

        /** {@code setgroups(0, NULL)}: no supplementary groups. */
        public Builder clearGroups() {
            return syscall("setgroups", of(0), nul());
        }

        /** {@code setns(fd, nstype)} with {@code nstype} a {@code CLONE_NEW*} flag or 0. */
        public Builder setns(Slot fd, long nstype) {
            return syscall("setns", valueOf(fd), flags(nstype, Flags.CLONE));
        }

        /** {@code rt_sigprocmask(SIG_SETMASK, &{}, NULL, 8)}: unblock every signal; belongs right before execve. */
        public Builder unblockSignals() {
            return syscall("rt_sigprocmask", flags(2, Flags.SIGPROCMASK), new Arg.Bytes(new byte[8], "&{}"), nul(), of(8));
        }

        /**
         * {@code rt_sigaction(sig, &{SIG_DFL}, NULL, 8)} for signals 1..64, tolerating EINVAL
         * (SIGKILL, SIGSTOP and the glibc-reserved ones): what {@code CLONE_CLEAR_SIGHAND} does,
         * for the legacy-clone fallback. Must run while signals are still blocked.
         */
        public Builder resetSignalHandlers() {
            Arg dfl = new Arg.Bytes(new byte[32], "&{SIG_DFL}");
            for (int sig = 1; sig <= 64; sig++) {
                step(Step.of("rt_sigaction", new Arg.Value(sig, Flags.signal(sig)), dfl, nul(), of(8))
                        .allowing(Errno.EINVAL));
            }
            return this;
        }

        /** Waits until the parent calls {@link Handshake#release()}: {@code read(release[0], buf, 1) == 1}. */
        public Builder awaitParent() {
            return step(Step.of("read", Arg.sync(SyncPipe.RELEASE_READ), new Arg.Buffer(1), of(1)).expecting(1));
        }

        /** Tells a parent in {@link Handshake#awaitStage()} that this point was reached: {@code write(stage[1], "!", 1) == 1}. */
        public Builder notifyParent() {
            return step(Step.of("write", Arg.sync(SyncPipe.STAGE_WRITE), Arg.bytes(new byte[] {'!'}), of(1)).expecting(1));
        }

        /**
         * The fork step: {@code clone(CLONE_VM|CLONE_VFORK|CLONE_PARENT, ...)}. The calling task
         * waits until the new one has exec'd (or died), then exits 0; the new task, a child of the
         * JVM itself ({@code CLONE_PARENT}), runs the remaining steps. The spawner hands back the
         * new task as the spawned process. This is how to enter a PID namespace joined with
         * {@link #setns} (which only affects children). Not for a child that is itself the init
         * of a new PID namespace (the kernel refuses {@code CLONE_PARENT} from an init).
         */
        public Builder fork() {
            Slot pid = Slot.named("forked_pid");
            return step(Step.of("clone", flags(FORK_FLAGS, Flags.CLONE), nul(), nul(), nul(), nul())
                    .storingIn(pid).withParentExits());
        }

        /** {@code execve(path, argv, envp)}. */
        public Builder execve(String path, List<String> argv, List<String> env) {
            return syscall("execve", new Arg.Text(path), new Arg.Strings(argv), new Arg.Strings(env));
        }

        /** {@code exit_group(code)}. */
        public Builder exitGroup(int code) {
            return syscall("exit_group", of(code));
        }

        /** The program of the steps appended so far. */
        public Program build() {
            return new Program(steps, fds);
        }

        private static int nonNegative(int fd, String what) {
            if (fd < 0) {
                throw new IllegalArgumentException(what + " must be >= 0: " + fd);
            }
            return fd;
        }
    }
}
