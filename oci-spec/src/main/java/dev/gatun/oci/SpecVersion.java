package dev.gatun.oci;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OCI runtime-spec versions this module reads and writes, and the SemVer 2.0.0 checks of an
 * {@code ociVersion}. A configuration is supported when its version is 1.0.0 or later and not
 * newer than 1.3.x; pre-release and build suffixes are accepted and ignored for the range
 * ({@code 1.0.2-dev} counts as 1.0.2).
 *
 * @see <a href="https://semver.org/spec/v2.0.0.html">SemVer 2.0.0</a>
 */
public final class SpecVersion {

    /** The version Gatun writes into the {@code ociVersion} of the documents it produces. */
    public static final String CURRENT = "1.3.0";

    /** The oldest {@code ociVersion} Gatun accepts. */
    public static final String MIN_SUPPORTED = "1.0.0";

    // The regular expression semver.org gives for SemVer 2.0.0.
    private static final Pattern SEMVER = Pattern.compile(
            "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
            + "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
            + "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$");

    private SpecVersion() {}

    /** Returns whether {@code version} is a SemVer 2.0.0 version such as {@code 1.2.0-rc.1}. */
    public static boolean isSemVer(String version) {
        return version != null && version.length() <= 256 && SEMVER.matcher(version).matches();
    }

    /**
     * Returns whether a configuration of {@code version} is one Gatun supports: SemVer,
     * at least {@value #MIN_SUPPORTED} and at most 1.3.x.
     */
    public static boolean isSupported(String version) {
        return problem(version) == null;
    }

    /** Returns why {@code version} is not supported, or null when it is. */
    static String problem(String version) {
        if (!isSemVer(version)) {
            return "\"" + version + "\" is not a SemVer 2.0.0 version like \"" + CURRENT + "\"";
        }
        Matcher m = SEMVER.matcher(version);
        m.matches();
        long major = parse(m.group(1));
        long minor = parse(m.group(2));
        if (major < 1) {
            return version + " is older than " + MIN_SUPPORTED + ", the oldest supported version";
        }
        if (major > 1 || minor > 3) {
            return version + " is newer than the 1.3.x this runtime supports; set ociVersion to " + CURRENT + " or older";
        }
        return null;
    }

    private static long parse(String digits) {
        // a SemVer number may exceed long; such a version is far out of range either way
        return digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
    }
}
