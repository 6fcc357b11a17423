package dev.gatun.namespaces;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code sleep} started by util-linux's {@code unshare(1)} in new namespaces, for kernel tests.
 * {@link #pid()} is the sleep (a child of unshare with {@code --fork}, unshare itself after its
 * exec otherwise). {@link #close()} kills exactly the processes it started, by pid, and waits for
 * them. No pipes: stdin, stdout and stderr are /dev/null, so no fd stays open in the JVM.
 */
final class Unshared implements AutoCloseable {

    private static final long TIMEOUT_MS = 10_000;

    private final Process launcher;
    private final long pid;

    private Unshared(Process launcher, long pid) {
        this.launcher = launcher;
        this.pid = pid;
    }

    /** {@code unshare <options> sleep 30}; with {@code --fork} also {@code --kill-child}. */
    static Unshared start(String... options) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("unshare"));
        cmd.addAll(List.of(options));
        if (cmd.contains("--fork")) {
            cmd.add("--kill-child");
        }
        return launch(cmd);
    }

    /** {@code <launcher...> sleep 30} for a launcher that execs in place, such as {@code nsenter --net=F}. */
    static Unshared startWith(String... launcher) throws IOException, InterruptedException {
        return launch(new ArrayList<>(List.of(launcher)));
    }

    private static Unshared launch(List<String> cmd) throws IOException, InterruptedException {
        boolean fork = cmd.contains("--fork");
        cmd.addAll(List.of("sleep", "30"));
        File devNull = new File("/dev/null");
        Process p = new ProcessBuilder(cmd).redirectInput(devNull).redirectOutput(devNull).redirectError(devNull).start();
        try {
            long pid = fork ? awaitChildSleep(p) : awaitExecOfSleep(p);
            return new Unshared(p, pid);
        } catch (IOException | RuntimeException | InterruptedException e) {
            p.destroyForcibly();
            p.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    private static long awaitExecOfSleep(Process p) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("unshare exited with " + p.exitValue());
            }
            if (comm(p.pid()).equals("sleep")) {
                return p.pid();
            }
            Thread.sleep(5);
        }
        throw new IOException("unshare did not exec sleep within " + TIMEOUT_MS + " ms");
    }

    private static long awaitChildSleep(Process p) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        Path children = Path.of("/proc", Long.toString(p.pid()), "task", Long.toString(p.pid()), "children");
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("unshare exited with " + p.exitValue());
            }
            String text = Files.readString(children).strip();
            if (!text.isEmpty()) {
                long child = Long.parseLong(text.split("\\s+")[0]);
                if (comm(child).equals("sleep")) {
                    return child;
                }
            }
            Thread.sleep(5);
        }
        throw new IOException("unshare's child did not exec sleep within " + TIMEOUT_MS + " ms");
    }

    static String comm(long pid) throws IOException {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    /** The sleep, in the new namespaces. */
    long pid() {
        return pid;
    }

    /** The unshare process (the same as {@link #pid()} without {@code --fork}). */
    long launcherPid() {
        return launcher.pid();
    }

    @Override
    public void close() {
        if (pid != launcher.pid()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        launcher.destroyForcibly();
        try {
            launcher.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
