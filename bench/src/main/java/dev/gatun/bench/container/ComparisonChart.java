package dev.gatun.bench.container;

import java.util.List;
import java.util.Locale;

/**
 * The runtime comparison as an SVG bar chart for the README: one panel per measure (median wall
 * time per container, CPU time per container, 100 containers in a row), one bar per runtime,
 * each labelled with its value and its ratio to the baseline runtime. Plain SVG text, no
 * library: the chart has three panels and a handful of bars.
 */
final class ComparisonChart {

    /** One runtime's three measures, in the units the panels show (ms, ms, s). */
    record Row(String runtime, double wallMs, double cpuMs, double sequentialS) {}

    private static final int WIDTH = 760;
    private static final int LABEL = 90;
    private static final int BAR = 18;
    private static final int GAP = 6;
    private static final String[] COLORS = {"#2b7bba", "#e08a2c", "#8a8a8a", "#5aa85a", "#a05aa8"};

    private ComparisonChart() {}

    /** The SVG document; {@code base} names the row the ratios are relative to. */
    static String svg(String title, List<Row> rows, String base) {
        Row b = rows.stream().filter(r -> r.runtime().equals(base)).findFirst().orElse(rows.getFirst());
        String[] panels = {"median wall time per container (ms)", "CPU time per container (ms)",
                "100 containers in a row (s)"};
        int panelHeight = 28 + rows.size() * (BAR + GAP) + 10;
        int height = 40 + panels.length * panelHeight;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                        + "font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                WIDTH, height));
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                escape(title)));
        for (int p = 0; p < panels.length; p++) {
            int top = 40 + p * panelHeight;
            s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>%n", top + 16,
                    escape(panels[p])));
            double max = 0;
            for (Row r : rows) {
                max = Math.max(max, measure(r, p));
            }
            double scale = (WIDTH - LABEL - 170) / Math.max(max, 1e-9);
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                int y = top + 26 + i * (BAR + GAP);
                double v = measure(r, p);
                double ratio = v / Math.max(measure(b, p), 1e-9);
                s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\">%s</text>%n", y + BAR - 5,
                        escape(r.runtime())));
                s.append(String.format(Locale.ROOT,
                        "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n", LABEL, y, v * scale, BAR,
                        COLORS[i % COLORS.length]));
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s (%.2f× %s)</text>%n",
                        LABEL + v * scale + 6, y + BAR - 5, p == 2 ? String.format(Locale.ROOT, "%.2f s", v)
                                : String.format(Locale.ROOT, "%.1f ms", v), ratio, escape(b.runtime())));
            }
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static double measure(Row r, int panel) {
        return switch (panel) {
            case 0 -> r.wallMs();
            case 1 -> r.cpuMs();
            default -> r.sequentialS();
        };
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
