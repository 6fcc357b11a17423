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

    private static final int WIDTH = 940;
    private static final int LABEL = 120;
    private static final int BAR = 18;
    private static final int GAP = 6;
    private static final String[] COLORS = {"#2b7bba", "#e08a2c", "#8a8a8a", "#5aa85a", "#a05aa8"};

    private ComparisonChart() {}

    /**
     * Re-draws the chart of a report {@link RuntimeComparison} wrote: {@code FILE.md} to
     * {@code FILE.svg}.
     */
    public static void main(String[] args) throws java.io.IOException {
        java.nio.file.Path md = java.nio.file.Path.of(args[0]);
        String report = java.nio.file.Files.readString(md);
        List<Row> rows = new java.util.ArrayList<>();
        for (String line : report.split("\n")) {
            String[] f = line.split("\\|");
            // | runtime | median wall (ms) | p90 wall (ms) | CPU/op (ms) | ... | 100 sequential (s) | ... |
            if (f.length >= 9 && !f[1].isBlank() && Character.isDigit(f[2].strip().charAt(0))) {
                rows.add(new Row(f[1].strip(), Double.parseDouble(f[2].strip()), Double.parseDouble(f[4].strip()),
                        Double.parseDouble(f[7].strip())));
            }
        }
        String subtitle = report.lines().filter(l -> l.contains("interleaved ops")).findFirst().orElse("");
        String name = md.getFileName().toString().replaceFirst("\\.md$", "");
        java.nio.file.Files.writeString(md.resolveSibling(name + ".svg"), svg(subtitle, rows, "crun"));
    }

    /** What each row's name means under the chart's labels. */
    private static String label(String runtime) {
        return switch (runtime) {
            case "gatun" -> "Gatun (in-JVM)";
            case "unshare" -> "floor: unshare";
            case "true" -> "launch: true";
            default -> runtime;
        };
    }

    /** The SVG document; {@code subtitle} says how it was measured, {@code base} names the row the ratios are relative to. */
    static String svg(String subtitle, List<Row> rows, String base) {
        Row b = rows.stream().filter(r -> r.runtime().equals(base)).findFirst().orElse(rows.getFirst());
        String[] panels = {"median wall time per container (ms)", "CPU time per container (ms)",
                "100 containers in a row (s)"};
        int panelHeight = 28 + rows.size() * (BAR + GAP) + 10;
        int height = 56 + panels.length * panelHeight;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                        + "font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                WIDTH, height));
        s.append("<text x=\"10\" y=\"22\" font-size=\"14\" font-weight=\"bold\">Start to exit of a /bin/true container, "
                + "the same bundle (config.json) for every runtime</text>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"40\" font-size=\"11\" fill=\"#555\">%s</text>%n",
                escape(subtitle)));
        for (int p = 0; p < panels.length; p++) {
            int top = 56 + p * panelHeight;
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
                        escape(label(r.runtime()))));
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
