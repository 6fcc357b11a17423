package dev.gatun.images;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an image config says about the process: the defaults a container of the image starts
 * with, which a builder's own settings override. Lists are empty and strings null when the config
 * leaves them out. {@code exposedPorts} ({@code "80/tcp"}), {@code stopSignal} and
 * {@code healthcheck} are kept as data: Gatun publishes no port and runs no check by itself.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/config.md">image-spec: configuration</a>
 */
public record ImageConfig(Platform platform, List<String> entrypoint, List<String> cmd, List<String> env,
        String workingDir, String user, Set<String> exposedPorts, String stopSignal, Healthcheck healthcheck,
        Map<String, String> labels, List<Digest> diffIds) {

    public ImageConfig {
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        env = List.copyOf(env);
        exposedPorts = Set.copyOf(exposedPorts);
        labels = Map.copyOf(labels);
        diffIds = List.copyOf(diffIds);
    }

    /** Docker's {@code Healthcheck}: the test ({@code ["CMD", …]}, {@code ["CMD-SHELL", …]} or {@code ["NONE"]}) and its timing; null durations were not given. */
    public record Healthcheck(List<String> test, Duration interval, Duration timeout, Duration startPeriod, Integer retries) {}

    /** The command a container runs when the caller gives none: entrypoint then cmd. */
    public List<String> command() {
        return java.util.stream.Stream.concat(entrypoint.stream(), cmd.stream()).toList();
    }
}
