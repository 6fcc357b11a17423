package dev.gatun.core;

import dev.gatun.oci.Hook;
import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.State;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs OCI hooks: each gets the container's state JSON on stdin, its own args and env, and must
 * exit 0 within its timeout. {@link #run} runs them in the runtime's namespaces (prestart,
 * createRuntime, poststart, poststop), {@link #runInContainer} in the container's
 * (createContainer, startContainer), as an exec that keeps the runtime's credentials.
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#posix-platform-hooks">OCI hooks</a>
 */
final class HookRunner {

    private HookRunner() {}

    /** Runs {@code hooks} in order; the first failure is an {@link IOException} naming the hook. */
    static void run(String kind, List<Hook> hooks, State state, Path bundle) throws IOException {
        for (int i = 0; i < hooks.size(); i++) {
            Hook hook = hooks.get(i);
            List<String> cmd = new ArrayList<>();
            cmd.add(hook.path());
            List<String> args = dev.gatun.core.plan.Absent.list(hook.args());
            if (args.size() > 1) {
                cmd.addAll(args.subList(1, args.size()));
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            if (java.nio.file.Files.isDirectory(bundle)) {
                // a sandbox container's bundle is its state directory, which delete removed
                // before the poststop hooks: they then run where the JVM runs
                pb.directory(bundle.toFile());
            }
            pb.environment().clear();
            for (String e : dev.gatun.core.plan.Absent.list(hook.env())) {
                int eq = e.indexOf('=');
                if (eq > 0) {
                    pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
                }
            }
            finish(pb.start(), "hooks." + kind + "[" + i + "] (" + hook.path() + ")", hook, state);
        }
    }

    /**
     * Runs {@code hooks} in order in the container's namespaces, each through an exec that
     * {@code target} makes; the first failure is an {@link IOException} naming the hook.
     */
    static void runInContainer(String kind, List<Hook> hooks, State state, Supplier<ContainerExec> target)
            throws IOException {
        for (int i = 0; i < hooks.size(); i++) {
            Hook hook = hooks.get(i);
            String where = "hooks." + kind + "[" + i + "] (" + hook.path() + ")";
            List<String> argv = dev.gatun.core.plan.Absent.list(hook.args()).isEmpty() ? List.of(hook.path())
                    : hook.args();
            dev.gatun.oci.ProcessSpec process = dev.gatun.oci.ProcessSpec.builder().args(argv)
                    .env(dev.gatun.core.plan.Absent.list(hook.env())).cwd("/")
                    .user(new dev.gatun.oci.ProcessSpec.User(0L, 0L, null, null, null)).build();
            ContainerProcess p;
            try {
                p = target.get().process(process).asHook(hook.path()).redirectErrorStream(true).start();
            } catch (IOException | RuntimeException e) {
                throw new IOException(where + " could not run in the container's namespaces: " + e.getMessage(), e);
            }
            finish(p, where, hook, state);
        }
    }

    /**
     * A started hook's end: the state on its stdin, its output read as it comes (so that a
     * talkative hook never blocks on a full pipe), its exit within its timeout (killed otherwise);
     * anything but exit 0 is an {@link IOException} naming it, with its output.
     */
    private static void finish(Process p, String where, Hook hook, State state) throws IOException {
        java.util.concurrent.CompletableFuture<byte[]> output = new java.util.concurrent.CompletableFuture<>();
        Thread.startVirtualThread(() -> {
            try (java.io.InputStream in = p.getInputStream()) {
                output.complete(in.readAllBytes());
            } catch (IOException e) {
                output.complete(new byte[0]);
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            in.write(OciSpecs.writeState(state).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the hook need not read its stdin
        }
        try {
            long timeout = hook.timeout() == null ? 60 : hook.timeout();
            if (!p.waitFor(timeout, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new IOException(where + " did not finish within " + timeout + " s");
            }
            String text = new String(output.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                throw new IOException(where + " exited with " + p.exitValue() + (text.isEmpty() ? "" : ": " + text));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(where + " was interrupted", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException(where + ": its output could not be read", e);
        }
    }
}
