package dev.gatun.bench;

import java.util.Arrays;

/** Percentiles of wall-time samples (nanoseconds) and the markdown row the benchmarks print them in. */
public final class Samples {

    private Samples() {}

    /** The {@code p}th percentile of {@code v} (nearest rank), in the samples' unit. */
    public static double pct(long[] v, int p) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.round(p / 100.0 * (s.length - 1)))];
    }

    /** {@code | label | p50 | p90 | p99 |}, each divided by {@code scale}, two decimals. */
    public static String row(String label, long[] v, double scale) {
        return String.format("| %s | %.2f | %.2f | %.2f |", label, pct(v, 50) / scale, pct(v, 90) / scale, pct(v, 99) / scale);
    }
}
