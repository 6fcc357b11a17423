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
    static long[] lookup(Path rootfs, PreparedRoot root, String name) {
        // the sandbox root binds the host's /etc/passwd; an image has its own (in the store)
        Path passwd = root != null ? root.passwd() : rootfs.resolve("etc/passwd");
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

    /**
     * {uid, gid} of an image config's {@code User}: {@code name}, {@code uid}, {@code uid:gid},
     * {@code name:group} or {@code uid:group}, names looked up in the image's {@code /etc/passwd}
     * and {@code /etc/group}; a uid alone takes its passwd entry's gid, or 0 without one.
     */
    static long[] imageUser(Path tree, String user) {
        int colon = user.indexOf(':');
        String u = colon < 0 ? user : user.substring(0, colon);
        String g = colon < 0 ? null : user.substring(colon + 1);
        long[] ids;
        if (u.matches("[0-9]+")) {
            long uid = Long.parseLong(u);
            ids = new long[] {uid, 0};
            for (String[] f : entries(tree.resolve("etc/passwd"), false)) {
                if (f.length >= 4 && f[2].equals(u) && f[3].matches("[0-9]+")) {
                    ids[1] = Long.parseLong(f[3]);
                    break;
                }
            }
        } else {
            ids = lookupIn(tree.resolve("etc/passwd"), u, "image config User \"" + user + "\"");
        }
        if (g != null && !g.isEmpty()) {
            if (g.matches("[0-9]+")) {
                ids[1] = Long.parseLong(g);
            } else {
                ids[1] = entries(tree.resolve("etc/group"), true).stream().filter(f -> f.length >= 3 && f[0].equals(g))
                        .map(f -> Long.parseLong(f[2])).findFirst().orElseThrow(() -> new IllegalArgumentException(
                                "image config User \"" + user + "\": no group \"" + g + "\" in the image's /etc/group"));
            }
        }
        return ids;
    }

    private static long[] lookupIn(Path passwd, String name, String what) {
        for (String[] f : entries(passwd, true)) {
            if (f.length >= 4 && f[0].equals(name) && f[2].matches("[0-9]+") && f[3].matches("[0-9]+")) {
                return new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])};
            }
        }
        throw new IllegalArgumentException(what + ": no user \"" + name + "\" in the image's /etc/passwd");
    }

    private static List<String[]> entries(Path file, boolean required) {
        // an image is untrusted: its /etc or /etc/passwd may be a symlink to a host file, which
        // the JVM must not read (runc resolves these inside the rootfs; here they are refused)
        if (Files.isSymbolicLink(file) || Files.isSymbolicLink(file.getParent())) {
            throw new IllegalArgumentException("user: the image's /etc/" + file.getFileName()
                    + " (or /etc) is a symlink, which is not followed to look up a user");
        }
        try {
            return Files.readAllLines(file).stream().map(l -> l.split(":", -1)).toList();
        } catch (IOException e) {
            if (!required) {
                return List.of();
            }
            throw new IllegalArgumentException("user: " + file + " is not readable (" + e.getMessage() + ")", e);
        }
    }
}
