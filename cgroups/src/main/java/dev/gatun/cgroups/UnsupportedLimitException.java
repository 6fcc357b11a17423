package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A limit was asked for that this host cannot enforce: its controller is not mounted or not
 * enabled, or its control file does not exist on this kernel. Thrown by default; with
 * {@link OnUnsupported#DROP} the limit is dropped instead and listed in
 * {@link Cgroup#droppedLimits()}.
 */
public final class UnsupportedLimitException extends IOException {

    private final String limit;
    private final Path file;

    /**
     * @param limit the limit as the caller named it, e.g. {@code blockIO.weight}
     * @param file the control file (or controller directory) that is missing
     * @param why what is missing, e.g. "no such file on this kernel"
     */
    public UnsupportedLimitException(String limit, Path file, String why) {
        this(limit, file, why, "OnUnsupported.DROP");
    }

    /**
     * @param limit the limit as the caller named it, e.g. {@code blockIO.weight}
     * @param file the control file (or controller directory) that is missing
     * @param why what is missing, e.g. "no such file on this kernel"
     * @param howToDrop the setting that drops such limits instead, as the caller knows it
     */
    public UnsupportedLimitException(String limit, Path file, String why, String howToDrop) {
        super("cannot enforce " + limit + " on this host: " + file + ": " + why
                + " (drop it explicitly with " + howToDrop + ")");
        this.limit = limit;
        this.file = file;
    }

    /** The limit, as named in {@link Resources} (OCI field names). */
    public String limit() {
        return limit;
    }

    /** The missing control file or controller directory. */
    public Path file() {
        return file;
    }
}
