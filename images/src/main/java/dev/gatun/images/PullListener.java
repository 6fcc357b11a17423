package dev.gatun.images;

/**
 * Told how a registry pull advances, layer by layer: for each layer, calls with the bytes stored
 * so far and the layer's size, the last with {@code done == total}. A layer already in the store
 * reports once, complete; a resumed download starts from the bytes it had. Called from the
 * download threads (several at once: an implementation is thread-safe), so it must return quickly
 * and must not throw.
 */
@FunctionalInterface
public interface PullListener {

    /** Layer {@code index} ({@code layer}'s digest and size) has {@code done} of its {@code total} bytes. */
    void progress(int index, Descriptor layer, long done, long total);

    /** A listener that ignores everything. */
    PullListener NONE = (index, layer, done, total) -> {};
}
