"""The report of bench/scale.sh: its CSV of raw samples to a Markdown table.

  python3 bench/scale_report.py CSV MD N LOAD_GATUN LOAD_CRUN JAVA_VERSION CRUN_VERSION KERNEL
"""
import csv, sys
src, dst, n, load_g, load_c, jv, cv, kernel = sys.argv[1:]
n = int(n)
rows = list(csv.DictReader(open(src)))
def val(case, key):
    for r in rows:
        if r["case"] == case and r["key"] == key:
            return float(r["value"])
    return None
def starts(case):
    return [float(r["value"]) / 1e6 for r in rows if r["case"] == case and r["key"] == "start_ns"]
def pct(v, p):
    s = sorted(v); return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]
out = [f"# Scale: {n} running containers (`sleep`), Gatun in one JVM vs crun\n",
       f"{jv}; {cv}; kernel {kernel}. Load before each case: gatun {load_g}, crun {load_c}. "
       f"Raw samples: `{src.split('/')[-1]}`. Produced by `bench/scale.sh {n}`.\n",
       "| | Gatun | crun | Gatun ÷ crun |", "|---|---:|---:|---:|"]
for label, fn in [("start p50 (ms)", lambda c: pct(starts(c), 50)), ("start p90 (ms)", lambda c: pct(starts(c), 90)),
                  ("start p99 (ms)", lambda c: pct(starts(c), 99)),
                  ("first 10 mean (ms)", lambda c: sum(starts(c)[:10]) / 10),
                  ("last 10 mean (ms)", lambda c: sum(starts(c)[-10:]) / 10),
                  ("all started (s)", lambda c: sum(starts(c)) / 1000),
                  ("stop + remove all (s)", lambda c: val(c, "stop_all_ns") / 1e9)]:
    g, c = fn("gatun"), fn("crun")
    out.append(f"| {label} | {g:.2f} | {c:.2f} | {g / c:.2f}× |")
g = starts("gatun")
mg, mc = val("gatun", "memavail_drop_kib") / n, val("crun", "memavail_drop_kib") / n
out += ["", f"The host's MemAvailable fell by {mg:.0f} KiB per container during Gatun's case and by {mc:.0f} KiB "
        "during crun's. On a machine where other work runs, the page cache moves more than these containers use "
        "(a negative figure says so), so no memory ratio is drawn from it; the JVM's own figures follow."]
out += ["", "Gatun's JVM with all running:", "",
        f"- last 10 ÷ first 10 start time: {(sum(g[-10:]) / 10) / (sum(g[:10]) / 10):.2f}× (target ≤ 1.5×)",
        f"- heap after a full GC: {(val('gatun','heap_running') - val('gatun','heap_before')) / n / 1024:.1f} KiB per container (target ≤ 64 KiB)",
        f"- live Java threads: {val('gatun','threads_before'):.0f} before, {val('gatun','threads_running'):.0f} with {n} running "
        f"({val('gatun','jvm_threads_running'):.0f} JVM threads in all)",
        f"- the JVM's child processes: {val('gatun','children_before'):.0f} before, {val('gatun','children_running'):.0f} with {n} running "
        f"(each container's init; no other host process per container)",
        f"- the JVM's RSS: {val('gatun','jvm_rss_kib') / 1024:.0f} MiB",
        f"- containers alive at the end: gatun {val('gatun','alive'):.0f}, crun {val('crun','alive'):.0f}", ""]
open(dst, "w").write("\n".join(out) + "\n")
print("\n".join(out))
