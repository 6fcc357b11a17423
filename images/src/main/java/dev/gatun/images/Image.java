package dev.gatun.images;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;

/**
 * An image read from a source ({@link ImageSource}): its config, its layers in order (the base
 * first), and a way to read each layer's content. Nothing is unpacked until
 * {@link ImageStore#unpack(Image)}. Immutable; its layers can be read by several threads.
 *
 * @param source where it came from, for messages: {@code oci-layout:/path@sha256:…}
 * @param id the config's digest: the same image from any source has the same id
 */
public record Image(String source, Digest id, ImageConfig config, List<Descriptor> layers, Blobs blobs) {

    /** Opens a layer's content; what a source can verify (digest, size) is verified by end of stream. */
    public interface Blobs {
        InputStream open(Descriptor layer, String what) throws IOException;
    }

    public Image {
        Objects.requireNonNull(config, "config");
        layers = List.copyOf(layers);
        if (config.diffIds().size() != layers.size()) {
            throw new InvalidImageException(source + ": the config's rootfs.diff_ids lists " + config.diffIds().size()
                    + " layers, the manifest " + layers.size());
        }
    }

    /** Layer {@code i}'s content (compressed as stored). */
    public InputStream openLayer(int i) throws IOException {
        return blobs.open(layers.get(i), source + " layers[" + i + "] (" + layers.get(i).digest() + ")");
    }

    /**
     * The OCI chain IDs of the layers: {@code chain[0]} is the first diff ID, {@code chain[i]} the
     * sha256 of {@code "chain[i-1] diffId[i]"}; the last names the whole root filesystem.
     *
     * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/config.md#layer-chainid">image-spec: ChainID</a>
     */
    public List<Digest> chainIds() {
        List<Digest> out = new java.util.ArrayList<>();
        for (Digest d : config.diffIds()) {
            out.add(out.isEmpty() ? d : Digest.sha256((out.getLast() + " " + d).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return source;
    }
}
