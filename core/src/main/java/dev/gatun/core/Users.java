package dev.gatun.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Looks a user name up in the container's {@code /etc/passwd}, as runc does for {@code user: "name"}. */
final class Users {

    private Users() {}

    /**
     * {uid, gid} of {@code name}.
     *
     * @throws IllegalArgumentException naming the user and the file when there is no such user
     */
    static long[] lookup(Path rootfs, SandboxRoot sandbox, String name) {
        // the sandbox root binds the host's /etc/passwd; an image has its own
        Path passwd = sandbox != null ? Path.of("/etc/passwd") : rootfs.resolve("etc/passwd");
        List<String> lines;
        try {
            lines = Files.readAllLines(passwd);
        } catch (IOException e) {
            throw new IllegalArgumentException("user: cannot look up \"" + name + "\": " + passwd + " is not readable ("
                    + e.getMessage() + ")", e);
        }
        for (String line : lines) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && f[0].equals(name)) {
                try {
                    return new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])};
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("user: the entry of \"" + name + "\" in " + passwd
                            + " has no numeric uid and gid", e);
                }
            }
        }
        throw new IllegalArgumentException("user: no user \"" + name + "\" in the container's /etc/passwd (" + passwd + ")");
    }
}
