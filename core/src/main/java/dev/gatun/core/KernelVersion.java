package dev.gatun.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kernel version, {@code major.minor.patch}, read from a release string such as
 * {@code 6.1.0-56-amd64}; what follows the numbers is ignored. Ordered by number.
 *
 * @param major the major version
 * @param minor the minor version
 * @param patch the patch level, 0 when the release string has none
 */
public record KernelVersion(int major, int minor, int patch) implements Comparable<KernelVersion> {

    private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    /**
     * Parses the leading {@code major.minor[.patch]} of a kernel release string.
     *
     * @throws IllegalArgumentException when the string does not start with a version
     */
    public static KernelVersion parse(String release) {
        Matcher m = RELEASE.matcher(release);
        if (!m.find()) {
            throw new IllegalArgumentException("not a kernel release: \"" + release + "\"");
        }
        int patch = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), patch);
    }

    @Override
    public int compareTo(KernelVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
