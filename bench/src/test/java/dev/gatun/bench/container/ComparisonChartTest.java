package dev.gatun.bench.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonChartTest {

    @Test
    void everyRuntimeGetsABarPerMeasureLabelledWithItsRatioToTheBase() {
        String svg = ComparisonChart.svg("how it was measured", List.of(
                new ComparisonChart.Row("gatun", 8.0, 10.0, 0.9), new ComparisonChart.Row("crun", 16.0, 20.0, 1.8)), "crun");

        assertThat(svg).startsWith("<svg").endsWith("</svg>\n").contains("how it was measured");
        assertThat(svg.split("<rect x=").length - 1).isEqualTo(6); // 2 runtimes x 3 measures
        assertThat(svg).contains("8.0 ms (0.50× crun)", "16.0 ms (1.00× crun)", "10.0 ms (0.50× crun)",
                "0.90 s (0.50× crun)", "Gatun (in-JVM)");
    }

    @Test
    void theLongestBarIsTheSlowestRuntimeAndTheOthersAreToScale() {
        String svg = ComparisonChart.svg("", List.of(
                new ComparisonChart.Row("gatun", 5.0, 5.0, 0.5), new ComparisonChart.Row("runc", 20.0, 20.0, 2.0)), "runc");

        List<Double> widths = java.util.regex.Pattern.compile("<rect x=\"\\d+\" y=\"\\d+\" width=\"([0-9.]+)\"")
                .matcher(svg).results().map(m -> Double.parseDouble(m.group(1))).toList();
        assertThat(widths).hasSize(6);
        assertThat(widths.get(0) / widths.get(1)).isCloseTo(0.25, org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void aReportIsRedrawnFromItsTable(@TempDir Path dir) throws Exception {
        Path md = dir.resolve("r.md");
        Files.writeString(md, """
                # Runtime comparison

                2026-11-29, kernel 6.x; 200 interleaved ops per runtime after 1000 warm-up ops each

                | runtime | median wall (ms) | p90 wall (ms) | CPU/op (ms) | wall vs crun | CPU vs crun | 100 sequential (s) | sequential vs crun |
                |---|---|---|---|---|---|---|---|
                | gatun | 8.57 | 19.98 | 9.70 | 0.51× | 0.62× | 0.90 | 0.47× |
                | crun | 16.90 | 28.22 | 15.60 | 1.00× | 1.00× | 1.91 | 1.00× |
                """);

        ComparisonChart.main(new String[] {md.toString()});

        String svg = Files.readString(dir.resolve("r.svg"));
        assertThat(svg).contains("8.6 ms (0.51× crun)", "9.7 ms (0.62× crun)", "0.90 s (0.47× crun)",
                "200 interleaved ops per runtime after 1000 warm-up ops each");
    }
}
