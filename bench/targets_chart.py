#!/usr/bin/env python3
"""Draws issue 16's targets as a chart: for each target, how far the measured value is from it.

  python3 bench/targets_chart.py bench/results/targets-2026-12-04.tsv   (writes the .svg and the .md beside it)

The TSV names each target, its direction (max: at most; min: at least), the target value, the
measured value and the committed result it comes from. The bar is measured ÷ target for a "max"
target and target ÷ measured for a "min" one, so 1.0 is the line: at or left of it, met. A
target of 0 (no thread, no process per container) is met when the measured value is 0 and drawn
at 0.
"""
import os
import sys


def main():
    path = sys.argv[1]
    rows = []
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        group, target, unit, direction, want, got, source = line.rstrip("\n").split("\t")
        want, got = float(want), float(got)
        if want == 0:
            ratio = 0.0 if got == 0 else float("inf")
        else:
            ratio = got / want if direction == "max" else want / got
        rows.append(dict(group=group, target=target, unit=unit, direction=direction, want=want, got=got,
                         source=source, ratio=ratio, met=ratio <= 1.0))
    base = os.path.splitext(path)[0]

    def num(v):
        return f"{v:g}"

    md = ["# Issue 16's targets, measured", "",
          f"From `{os.path.basename(path)}` (each row names the committed result it comes from); drawn by "
          "`bench/targets_chart.py`. Ratio: measured ÷ target for an upper bound, target ÷ measured for a lower "
          "bound; at most 1 is met.", "",
          "| | target | measured | ratio to target | met | result |", "|---|---|---:|---:|---|---|"]
    for r in rows:
        bound = "≤" if r["direction"] == "max" else "≥"
        md.append(f"| {r['group']} | {r['target']} {bound} {num(r['want'])} {r['unit']} | {num(r['got'])} {r['unit']} | "
                  f"{r['ratio']:.2f} | {'yes' if r['met'] else 'no'} | `{r['source']}` |")
    open(base + ".md", "w", encoding="utf-8").write("\n".join(md) + "\n")

    width, left, bar_h, gap, top = 980, 400, 18, 8, 60
    scale_max = max(5.0, max(r["ratio"] for r in rows if r["ratio"] != float("inf")))
    px = (width - left - 140) / scale_max
    h = top + len(rows) * (bar_h + gap) + 40
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" font-family="sans-serif" font-size="12">',
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="10" y="22" font-size="14" font-weight="bold">Issue 16\'s targets: measured ÷ target (at or left of the line: met)</text>',
         f'<text x="10" y="40" font-size="11" fill="#555">{os.path.basename(path)}; each row\'s committed result is named in it</text>']
    y = top
    for r in rows:
        label = (r["group"] + ": " + r["target"])[:62]
        s.append(f'<text x="10" y="{y + 13}">{escape(label)}</text>')
        w = min(r["ratio"], scale_max) * px
        color = "#3a9a4a" if r["met"] else "#c8553d"
        s.append(f'<rect x="{left}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{color}"/>')
        s.append(f'<text x="{left + max(w, 1) + 6:.1f}" y="{y + 13}">{r["ratio"]:.2f}× '
                 f'({num(r["got"])} vs {"≤" if r["direction"] == "max" else "≥"} {num(r["want"])} {escape(r["unit"])})</text>')
        y += bar_h + gap
    line_x = left + px
    s.append(f'<line x1="{line_x:.1f}" y1="{top - 6}" x2="{line_x:.1f}" y2="{y}" stroke="black" stroke-dasharray="4,3"/>')
    s.append(f'<text x="{line_x - 12:.1f}" y="{y + 16}" font-size="11">1.0</text>')
    s.append("</svg>")
    open(base + ".svg", "w", encoding="utf-8").write("\n".join(s) + "\n")
    print("\n".join(md))


def escape(t):
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


if __name__ == "__main__":
    main()
