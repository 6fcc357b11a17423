package dev.gatun.images;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How {@link ImageSource#registry(String, Platform, ImageStore, PullOptions)} pulls. Immutable;
 * {@link #defaults()} then the {@code with…} methods, each a copy, each validating its value at once.
 *
 * <ul>
 *   <li>{@code authFiles}: where credentials are looked up, in order (default: {@code $REGISTRY_AUTH_FILE},
 *       {@code $XDG_RUNTIME_DIR/containers/auth.json}, {@code ~/.config/containers/auth.json},
 *       {@code ~/.docker/config.json}); see {@code containers-auth.json(5)};
 *   <li>{@code helperPath}: the directories a credential helper ({@code docker-credential-<name>},
 *       named by {@code credHelpers} or {@code credsStore} in an auth file) is looked for in, each
 *       absolute (default: the absolute directories of {@code $PATH});
 *   <li>{@code helperTimeout}: how long a credential helper may take to answer before it and its
 *       children are killed (default 10 s, positive);
 *   <li>{@code listener}: told each layer's progress (default: none);
 *   <li>{@code concurrency}: layers downloaded at once (default 3, at least 1);
 *   <li>{@code attempts}: tries per request and per blob before giving up, on a connection error
 *       or a 5xx or 429 answer (default 5, at least 1); a blob cut short resumes with {@code Range};
 *   <li>{@code backoff}: the wait before the second try, doubled for each next one (default 500 ms);
 *   <li>{@code unpack}: also unpack the image into the store ({@link ImageStore#unpack}) while the
 *       layers download, each as soon as it is stored (default false).
 * </ul>
 */
public record PullOptions(List<Path> authFiles, List<Path> helperPath, Duration helperTimeout, PullListener listener,
        int concurrency, int attempts, Duration backoff, boolean unpack) {

    public PullOptions {
        authFiles = List.copyOf(authFiles);
        helperPath = new CredentialHelper(helperPath, Objects.requireNonNull(helperTimeout, "helperTimeout")).path();
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(backoff, "backoff");
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency: " + concurrency + " (at least 1)");
        }
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts: " + attempts + " (at least 1)");
        }
        if (backoff.isNegative()) {
            throw new IllegalArgumentException("backoff: " + backoff + " is negative");
        }
    }

    /** The defaults, credentials from this process's environment. */
    public static PullOptions defaults() {
        CredentialHelper h = CredentialHelper.defaults();
        return new PullOptions(RegistryAuth.defaultFiles(), h.path(), h.timeout(), PullListener.NONE, 3, 5,
                Duration.ofMillis(500), false);
    }

    public PullOptions withAuthFiles(List<Path> files) {
        return new PullOptions(files, helperPath, helperTimeout, listener, concurrency, attempts, backoff, unpack);
    }

    /** Where credential helpers are looked for (absolute directories, in order). */
    public PullOptions withHelperPath(List<Path> directories) {
        return new PullOptions(authFiles, directories, helperTimeout, listener, concurrency, attempts, backoff, unpack);
    }

    public PullOptions withHelperTimeout(Duration d) {
        return new PullOptions(authFiles, helperPath, d, listener, concurrency, attempts, backoff, unpack);
    }

    public PullOptions withListener(PullListener l) {
        return new PullOptions(authFiles, helperPath, helperTimeout, l, concurrency, attempts, backoff, unpack);
    }

    public PullOptions withConcurrency(int n) {
        return new PullOptions(authFiles, helperPath, helperTimeout, listener, n, attempts, backoff, unpack);
    }

    public PullOptions withAttempts(int n) {
        return new PullOptions(authFiles, helperPath, helperTimeout, listener, concurrency, n, backoff, unpack);
    }

    public PullOptions withUnpack(boolean u) {
        return new PullOptions(authFiles, helperPath, helperTimeout, listener, concurrency, attempts, backoff, u);
    }

    public PullOptions withBackoff(Duration d) {
        return new PullOptions(authFiles, helperPath, helperTimeout, listener, concurrency, attempts, d, unpack);
    }
}
