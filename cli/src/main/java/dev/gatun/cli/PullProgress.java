package dev.gatun.cli;

import dev.gatun.images.Descriptor;
import dev.gatun.images.PullListener;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code gatun pull}'s report. On a terminal, one line redrawn in place (at most ten times a
 * second): a bar of the bytes of all layers seen so far, and how many layers are done. Otherwise
 * one plain line per layer as it completes, for logs. Thread-safe: the downloads call it at once.
 */
final class PullProgress implements PullListener {

    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean terminal;
    private final Map<Integer, long[]> layers = new TreeMap<>();
    private long lastDraw;
    private boolean drawn;

    PullProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public synchronized void progress(int index, Descriptor layer, long done, long total) {
        long[] before = layers.put(index, new long[] {done, total});
        boolean completed = done == total && (before == null || before[0] != total);
        if (!terminal) {
            if (completed) {
                out.println("layer " + (index + 1) + " " + layer.digest().hex().substring(0, 12) + " " + size(total) + " done");
            }
            return;
        }
        long now = System.nanoTime();
        if (completed || now - lastDraw > 100_000_000L) {
            lastDraw = now;
            draw();
        }
    }

    /** The last drawing, and the end of its line. */
    synchronized void finish() {
        if (terminal) {
            draw();
            if (drawn) {
                out.println();
            }
        }
        out.flush();
    }

    /** {@code \r[#########.....] 12.3 MB / 45.6 MB  2/5 layers}, cleared to the end of the line. */
    String line() {
        long done = 0;
        long total = 0;
        int complete = 0;
        for (long[] l : layers.values()) {
            done += l[0];
            total += l[1];
            complete += l[0] == l[1] ? 1 : 0;
        }
        int filled = total == 0 ? 0 : (int) (WIDTH * done / total);
        return "[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + size(done) + " / " + size(total) + "  "
                + complete + "/" + layers.size() + " layers";
    }

    private void draw() {
        out.print("\r" + line() + "\033[K");
        out.flush();
        drawn = true;
    }

    static String size(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f kB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
    }
}
