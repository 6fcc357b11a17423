package dev.gatun.images;

import java.util.Objects;

/**
 * An image's platform, as an OCI index's {@code platform} field and an image config name it:
 * {@code linux/amd64}, {@code linux/arm64/v8}. The variant is null when not given.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/image-index.md">image-spec: image index</a>
 */
public record Platform(String os, String architecture, String variant) {

    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
    }

    /** This JVM's platform: {@code linux} and the Go name of {@code os.arch} (amd64, arm64). */
    public static Platform current() {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> System.getProperty("os.arch");
        };
        return new Platform("linux", arch, null);
    }

    /** Parses {@code os/arch[/variant]}. */
    public static Platform parse(String text) {
        String[] p = text.split("/");
        if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
            throw new IllegalArgumentException("platform \"" + text + "\": expected os/architecture[/variant], e.g. linux/amd64");
        }
        return new Platform(p[0], p[1], p.length == 3 ? p[2] : null);
    }

    /**
     * Whether an image of {@code other} runs here: the same os and architecture, and the same
     * variant when this platform names one (arm64's {@code v8} is its default, so it matches none).
     */
    public boolean accepts(Platform other) {
        if (!os.equals(other.os) || !architecture.equals(other.architecture)) {
            return false;
        }
        if (variant == null || other.variant == null) {
            return true;
        }
        return variant.equals(other.variant);
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant != null ? "/" + variant : "");
    }
}
