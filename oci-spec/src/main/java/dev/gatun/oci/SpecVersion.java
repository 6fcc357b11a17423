package dev.gatun.oci;

/** The OCI runtime-spec versions this module reads and writes. */
public final class SpecVersion {

    /** The version Gatun writes into the {@code ociVersion} of the documents it produces. */
    public static final String CURRENT = "1.3.0";

    /** The oldest {@code ociVersion} Gatun accepts. */
    public static final String MIN_SUPPORTED = "1.0.0";

    private SpecVersion() {}
}
