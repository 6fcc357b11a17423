/**
 * The spawn engine: a forked child never runs Java. Java compiles the child's work into a
 * {@link dev.gatun.core.spawn.Program} (a list of syscalls with their arguments); a few dozen
 * machine instructions (the executor, {@code core/src/main/asm/executor_*.S}) clone the child and
 * walk the program in it with the raw syscall instruction, up to {@code execve}. Not exported:
 * {@code Container.builder()} and the CLI are its consumers.
 *
 * <h2>Building a program</h2>
 *
 * <pre>{@code
 * Slot oom = Slot.named("oom");
 * Program program = Program.builder()
 *         .awaitParent()                                      // only in a Handshake spawn
 *         .sethostname("box")
 *         .mount(null, "/", null, MS_REC | MS_PRIVATE, null)
 *         .mount("proc", rootfs + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, null)
 *         .openat(oom, AT_FDCWD, "/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC, 0)
 *         .write(oom, "500".getBytes())                       // $oom: the fd openat returned
 *         .chdir(rootfs).pivotRoot(".", ".").umount2(".", MNT_DETACH).chdir("/")
 *         .dup3(stdoutFd, 1, 0)
 *         .closeRangeCloexec(3)                               // never a real close: see below
 *         .unblockSignals()
 *         .execve("/bin/sh", List.of("sh", "-c", "..."), env)
 *         .build();
 * System.out.println(program.render());                      // the dry run, one line per step
 * }</pre>
 *
 * <p>Each {@link dev.gatun.core.spawn.Step} carries its judgement: an allowed errno
 * ({@code mkdirIfMissing} tolerates EEXIST), an expected result (a handshake read must return 1,
 * so a parent that died fails the child instead of releasing it), a result
 * {@link dev.gatun.core.spawn.Slot} that a later step reads as an argument. Custom calls:
 * {@code builder.step(Step.of("name", args...).allowing(errno).expecting(n).storingIn(slot))}.
 *
 * <h2>Spawning</h2>
 *
 * <ul>
 *   <li>{@link dev.gatun.core.spawn.Spawner#spawn Spawner.get().spawn(program, options)}:
 *       {@code CLONE_VM|CLONE_VFORK}; returns a {@link dev.gatun.core.spawn.SpawnedProcess} once
 *       the child exec'd, or throws {@link dev.gatun.core.spawn.StepFailedException}
 *       ({@code mount(...): Operation not permitted (EPERM) (step 14 of 52)}), child reaped.
 *   <li>{@link dev.gatun.core.spawn.Spawner#start Spawner.get().start(program, options)}:
 *       {@code CLONE_VM} plus an error pipe and two handshake pipes; returns a
 *       {@link dev.gatun.core.spawn.Handshake} at once. The child stops at each
 *       {@code awaitParent()} until {@link dev.gatun.core.spawn.Handshake#release()}, reports at
 *       each {@code notifyParent()} to {@link dev.gatun.core.spawn.Handshake#awaitStage()}; a
 *       container in state "created" is a child parked in {@code awaitParent()} before execve.
 *       While it waits, {@link dev.gatun.core.spawn.Handshake#takeFd} copies an fd it opened
 *       into the parent ({@code pidfd_getfd}: the container's pty master).
 *       {@link dev.gatun.core.spawn.Handshake#awaitExec()} returns the process after exec.
 * </ul>
 *
 * <p>{@link dev.gatun.core.spawn.SpawnOptions}: the {@code CLONE_NEW*} namespaces, a cgroup2
 * directory fd ({@code CLONE_INTO_CGROUP}), or forced legacy clone. Every spawn adds
 * {@code CLONE_PIDFD} and {@code CLONE_CLEAR_SIGHAND} and blocks all signals from before the clone
 * until the program's {@code unblockSignals()} step.
 *
 * <h2>Rules, and who enforces them</h2>
 *
 * <ul>
 *   <li><b>Memory lifetime</b> (enforced by the API): the child reads the spawn's off-heap memory
 *       (steps, strings, argv) until exec. The program is plain Java data; each spawn compiles it
 *       into an arena the spawner owns: closed when VFORK returns, or, for a handshake, when the
 *       error pipe reaches EOF or the child is reaped, whichever comes first.
 *   <li><b>Reaping</b> (enforced): every child is watched by one reaper thread (epoll over
 *       pidfds, {@code waitid(P_PIDFD)}); every failure path between clone and return kills and
 *       reaps; {@link dev.gatun.core.spawn.Handshake#close()} before exec kills the child.
 *   <li><b>One spawner thread</b> (enforced): children inherit the spawning thread's
 *       {@code PR_SET_PDEATHSIG} parent, affinity, nice value and signal mask; the spawner is one
 *       daemon platform thread living as long as the JVM.
 *   <li><b>The child's fds</b> (enforced when the program owns its fd table): with
 *       {@link dev.gatun.core.spawn.Program.Builder#ownFdTable()}, {@code stdio(stream, fd)} and
 *       {@code inherit(fd)} the program lists the JVM fds it needs; the spawner's first steps
 *       ({@code FdPrologue}) move them to numbers Java chose (stdio 0-2, the error, release and
 *       stage pipes 3-5, the rest from 6) and close every other fd, so that no JVM fd is reachable
 *       through {@code /proc/self/fd} while the program runs. The error pipe's move updates the
 *       executor's ctx, so failures are still reported. {@code Container} always does this.
 *   <li><b>Program author's rules</b> (not checked): {@code closeRangeCloexec}, never a real close
 *       of inherited fds (it would close the error pipe and fake success; an owned fd table gets its
 *       real close from the spawner, which knows where the error pipe is); signals stay blocked
 *       until {@code unblockSignals()} (a child parked in {@code awaitParent()} with signals
 *       blocked dies only of SIGKILL; unblocking earlier is safe since handlers are already
 *       SIG_DFL); in a user namespace mount proc before {@code pivot_root}.
 * </ul>
 *
 * <h2>The fork step</h2>
 *
 * {@link dev.gatun.core.spawn.Program.Builder#fork()} is
 * {@code clone(CLONE_VM|CLONE_VFORK|CLONE_PARENT)} from inside the child: the new task is the
 * JVM's own child (so the JVM reaps it and gets its pidfd), runs the remaining steps, and the
 * intermediate exits 0 once the new task has exec'd. After an {@code unshare(CLONE_NEWPID)}, or a
 * {@code setns} into a PID namespace ({@code setns} on a PID namespace affects children only), the
 * new task is born in it. Supported by {@code spawn}, not yet by {@code start}.
 *
 * <p>Joining an existing PID namespace rarely needs it: with
 * {@link dev.gatun.core.spawn.SpawnOptions#pidNamespaceFd()} the spawner thread itself calls
 * {@code setns(fd, CLONE_NEWPID)} right before the clone and returns to its own PID namespace
 * right after, so the child is born in the joined namespace, in either way to spawn. The fork step
 * remains for a PID namespace the child unshares after its joins, and for a caller without
 * {@code CAP_SYS_ADMIN}, whose child must join the owning user namespace before the PID one.
 *
 * <h2>Legacy clone</h2>
 *
 * Where {@code clone3} is refused (ENOSYS, or EPERM from seccomp) the spawner falls back to
 * legacy {@code clone} and changes the program: {@code rt_sigaction(SIG_DFL)} for every signal
 * instead of {@code CLONE_CLEAR_SIGHAND}, a {@code cgroup.procs} write instead of
 * {@code CLONE_INTO_CGROUP}, {@code fcntl(FD_CLOEXEC)} per open fd instead of
 * {@code close_range}. No time namespace there (legacy clone has no bit for it).
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/clone3.2.html">clone3(2)</a>
 */
package dev.gatun.core.spawn;
