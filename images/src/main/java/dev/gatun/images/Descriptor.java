package dev.gatun.images;

/**
 * A reference to a blob: its media type, digest and size, and (in an index) its platform, which
 * is null elsewhere.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md">image-spec: descriptors</a>
 */
public record Descriptor(String mediaType, Digest digest, long size, Platform platform) {

    /** OCI and Docker media types this module reads. */
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

    /** Whether this layer media type is one whose content {@link Layers} applies. */
    static boolean isLayer(String mediaType) {
        return switch (mediaType) {
            case "application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar+gzip",
                 "application/vnd.oci.image.layer.v1.tar+zstd", "application/vnd.oci.image.layer.nondistributable.v1.tar",
                 "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
                 "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
                 "application/vnd.docker.image.rootfs.diff.tar.gzip", "application/vnd.docker.image.rootfs.diff.tar" -> true;
            default -> false;
        };
    }
}
