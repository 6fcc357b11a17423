package dev.gatun.core.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the program {@code execve} will run: {@code process.args[0]} as is when it contains a
 * slash, otherwise the first executable match on the container's {@code PATH} (from
 * {@code process.env}, or the usual default), as {@code execvp} and runc do.
 *
 * <p>The search runs in the parent over a {@link ContainerView}, so that a missing command is a
 * clear error at {@code create}. Where the parent cannot see the content (the path lies under a
 * tmpfs or another non-bind mount), the candidate is taken as is and the kernel decides at exec.
 */
final class CommandResolver {

    /** The {@code PATH} when the environment has none (runc's and Docker's default). */
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private CommandResolver() {}

    /**
     * The container path to exec.
     *
     * @throws dev.gatun.oci.InvalidSpecException naming {@code $.process.args[0]} when no candidate exists
     */
    static String resolve(ContainerView view, String command, List<String> env) {
        if (command.contains("/")) {
            if (!command.startsWith("/")) {
                // relative to cwd: leave it to the kernel, as execvp would
                return command;
            }
            if (view.executable(command) == ContainerView.Lookup.MISSING) {
                throw Invalid.spec("$.process.args[0]", "\"" + command + "\" does not exist in the container "
                        + "or is not an executable file");
            }
            return command;
        }
        String path = DEFAULT_PATH;
        for (String e : env) {
            if (e.startsWith("PATH=")) {
                path = e.substring(5);
            }
        }
        List<String> unknown = new ArrayList<>();
        for (String dir : path.split(":")) {
            if (dir.isEmpty() || !dir.startsWith("/")) {
                continue;
            }
            String candidate = (dir.endsWith("/") ? dir : dir + "/") + command;
            switch (view.executable(candidate)) {
                case FOUND -> {
                    return candidate;
                }
                case UNKNOWN -> unknown.add(candidate);
                case MISSING -> { }
            }
        }
        if (!unknown.isEmpty()) {
            return unknown.getFirst();
        }
        throw Invalid.spec("$.process.args[0]", "\"" + command + "\" was not found on the container's PATH ("
                + path + ")");
    }
}
