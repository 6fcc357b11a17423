package dev.gatun.oci;

/** Builds JSON paths for errors: {@code $.linux.uidMappings[0].size}, {@code $.annotations['a b']}. */
final class Paths {

    private Paths() {}

    static String key(String parent, String key) {
        StringBuilder b = new StringBuilder(parent);
        appendKey(b, key);
        return b.toString();
    }

    static String index(String parent, int index) {
        return parent + "[" + index + "]";
    }

    static void appendKey(StringBuilder path, String key) {
        if (isIdentifier(key)) {
            path.append('.').append(key);
        } else {
            path.append("['").append(key.replace("\\", "\\\\").replace("'", "\\'")).append("']");
        }
    }

    private static boolean isIdentifier(String key) {
        if (key.isEmpty() || !(Character.isLetter(key.charAt(0)) || key.charAt(0) == '_')) {
            return false;
        }
        for (int i = 1; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
