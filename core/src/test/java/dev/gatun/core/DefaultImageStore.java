package dev.gatun.core;

import java.nio.file.Path;

/**
 * Points {@code -Dgatun.imageStore} (the default image store) at a test's directory until
 * closed, then puts back what was there: {@code try (var _ = DefaultImageStore.at(dir)) {...}}.
 */
final class DefaultImageStore implements AutoCloseable {

    private static final String PROPERTY = "gatun.imageStore";

    private final String previous;

    private DefaultImageStore(String previous) {
        this.previous = previous;
    }

    static DefaultImageStore at(Path dir) {
        DefaultImageStore restore = new DefaultImageStore(System.getProperty(PROPERTY));
        System.setProperty(PROPERTY, dir.toString());
        return restore;
    }

    @Override
    public void close() {
        if (previous == null) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, previous);
        }
    }
}
