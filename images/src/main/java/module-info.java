/**
 * Container images without a daemon: an OCI image layout or a {@code docker save} archive read
 * with every digest verified ({@code ImageSource}), a content-addressed store shared by JVMs
 * ({@code ImageStore}), and layer application that no entry can escape ({@code Layers}). Pure
 * Java plus Jackson and commons-compress; knows nothing of the rest of Gatun.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/spec.md">OCI image-spec 1.1</a>
 */
module dev.gatun.images {
    requires tools.jackson.databind;
    requires org.apache.commons.compress;
    requires aircompressor;
    requires java.net.http;

    exports dev.gatun.images;
}
