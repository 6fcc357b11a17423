package dev.gatun.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A tree's state, for "byte for byte unchanged" assertions: for every entry (links not followed)
 * its type, mode, owner, size, modification time, user xattr names, and the SHA-256 of a regular
 * file's bytes or a link's target.
 */
final class TreeState {

    private TreeState() {}

    /** The state of every entry below {@code dir}, keyed by its path relative to {@code dir}. */
    static Map<String, String> of(Path dir) throws IOException, NoSuchAlgorithmException {
        Map<String, String> state = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,ctime",
                        LinkOption.NOFOLLOW_LINKS);
                String content = "";
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    content = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
                } else if (Files.isSymbolicLink(p)) {
                    content = "-> " + Files.readSymbolicLink(p);
                }
                state.put(dir.relativize(p).toString(), Integer.toOctalString((Integer) a.get("mode")) + " " + a.get("uid")
                        + ":" + a.get("gid") + " " + a.get("size") + " " + a.get("lastModifiedTime") + " " + a.get("ctime")
                        + " " + xattrs(p) + " " + content);
            }
        }
        return state;
    }

    private static List<String> xattrs(Path p) {
        if (Files.isSymbolicLink(p)) {
            return List.of();
        }
        try {
            return Files.getFileAttributeView(p, UserDefinedFileAttributeView.class).list().stream().sorted().toList();
        } catch (IOException | UnsupportedOperationException e) {
            return List.of("(xattrs unreadable: " + e.getMessage() + ")");
        }
    }
}
