#!/usr/bin/env python3
"""The cold-path benchmark's driver (run it through bench/cold-start.sh, which sets the scene).

Each round runs every case once as a whole fresh process, in an order rotated from round to round,
so that all cases share the machine's noise:

  bare      java -cp JAR ColdStart bare           a java process that does nothing
  gatun1    java -cp JAR ColdStart containers 1   start, one default container, exit
  gatun10   java -cp JAR ColdStart containers 10  laps of the 2nd..10th container
  crun      crun run of the same container's bundle (ColdStart bundle)
  gatun100  java -cp JAR ColdStart containers 100: 100 containers from a fresh process, when named in --cases
  crun100   100 `crun run` of that bundle one after another from one shell, when named in --cases
  bundle1   java -cp JAR ColdStart frombundle 1 BUNDLE: one container by Container.fromBundle from
            that same bundle (config.json parsed), when named in --cases
  gatun1aot, gatun10aot   gatun1 and gatun10 with -XX:AOTCache=FILE (JDK 25's AOT cache, JEP 483/514/515),
            when --aot-cache FILE is given (cold-start.sh --aot trains one first)
  gatun1base, gatun10base gatun1 and gatun10 from another build's benchmarks.jar (--compare JAR), so that
            a change and its baseline are measured in the same rounds, under the same load
            (and bundle1base when bundle1 is among the cases)

Per run: wall time (fork to reaped, measured here), user and system CPU and peak RSS of the
process and every descendant it reaped (wait4's rusage), the load average when it started, and
for the Java cases the laps the process printed (main() to first container exited, each later
container) and the time before main() and after main() returned. Raw samples go to a CSV,
the summary (p50/p90/p99, ratios) to a Markdown file beside it.
"""
import argparse
import datetime
import os
import platform
import subprocess
import sys
import time

MAIN = "dev.gatun.bench.cold.ColdStart"


def run_once(cmd):
    load = os.getloadavg()[0]
    spawn_ms = time.time() * 1000.0
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.stdout.read(), p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    t1 = time.perf_counter_ns()
    exit_ms = time.time() * 1000.0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited with {p.returncode}:\n{err.decode(errors='replace')}")
    row = {"wall_ms": (t1 - t0) / 1e6, "user_ms": ru.ru_utime * 1e3, "sys_ms": ru.ru_stime * 1e3,
           "maxrss_kib": ru.ru_maxrss, "load1": load, "premain_ms": "", "postmain_ms": "", "laps_ms": ""}
    laps = []
    for line in out.decode().splitlines():
        f = line.split()
        if f[0] == "main":
            row["premain_ms"] = round(int(f[1]) - spawn_ms, 1)
        elif f[0] == "end":
            row["postmain_ms"] = round(exit_ms - int(f[1]), 1)
        elif f[0] == "lap":
            laps.append(int(f[2]) / 1e6)
    row["laps_ms"] = ";".join(f"{x:.2f}" for x in laps)
    return row


def pct(values, p):
    """Nearest-rank percentile."""
    v = sorted(values)
    k = max(0, min(len(v) - 1, -(-p * len(v) // 100) - 1))
    return v[int(k)]


def versions(java):
    def first_line(cmd):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True)
            return (r.stdout + r.stderr).strip().splitlines()[0:2]
        except OSError as e:
            return [str(e)]
    jv = first_line([java, "-version"])
    return {
        "java": " / ".join(jv),
        "crun": first_line(["crun", "--version"])[0],
        "kernel": platform.release(),
        "cpus": str(os.cpu_count()),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
                  + (" (dirty)" if subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                                   capture_output=True, text=True).stdout.strip() else ""),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--java", required=True)
    ap.add_argument("--jar", required=True)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=2, help="rounds run first and not recorded (page cache)")
    ap.add_argument("--cases", default="bare,gatun1,gatun10,crun")
    ap.add_argument("--java-opt", action="append", default=[], help="extra JVM option for the Java cases")
    ap.add_argument("--aot-cache", help="an AOT cache: adds the cases gatun1aot and gatun10aot")
    ap.add_argument("--compare", help="another build's benchmarks.jar: adds the cases gatun1base and gatun10base")
    ap.add_argument("--label", default="")
    ap.add_argument("--out", required=True, help="path without extension: writes OUT.csv and OUT.md")
    a = ap.parse_args()

    jvm = [a.java, "--enable-native-access=ALL-UNNAMED", *a.java_opt, "-cp", a.jar, MAIN]
    cmds = {"bare": jvm + ["bare"], "gatun1": jvm + ["containers", "1"], "gatun10": jvm + ["containers", "10"],
            "bundle1": jvm + ["frombundle", "1", a.bundle], "gatun100": jvm + ["containers", "100"]}
    cases = a.cases.split(",")
    if a.aot_cache:
        aot = [a.java, "--enable-native-access=ALL-UNNAMED", *a.java_opt, f"-XX:AOTCache={a.aot_cache}", "-cp", a.jar, MAIN]
        cmds["gatun1aot"] = aot + ["containers", "1"]
        cmds["gatun10aot"] = aot + ["containers", "10"]
        cases += [c for c in ("gatun1aot", "gatun10aot") if c not in cases]
    if a.compare:
        base = [a.java, "--enable-native-access=ALL-UNNAMED", *a.java_opt, "-cp", a.compare, MAIN]
        cmds["gatun1base"] = base + ["containers", "1"]
        cmds["gatun10base"] = base + ["containers", "10"]
        cmds["bundle1base"] = base + ["frombundle", "1", a.bundle]
        cases += [c for c in ("gatun1base", "gatun10base") if c not in cases]
        if "bundle1" in cases:
            cases += [c for c in ("bundle1base",) if c not in cases]
    seq = [0]

    def cmd(case):
        if case == "crun":
            seq[0] += 1
            return ["crun", "--root", a.state, "run", "--bundle", a.bundle, f"gatun-cold-{os.getpid()}-{seq[0]}"]
        if case == "crun100":
            seq[0] += 1
            return ["sh", "-c", 'for i in $(seq 100); do crun --root "$0" run --bundle "$1" "$2-$i" || exit 1; done',
                    a.state, a.bundle, f"gatun-cold-{os.getpid()}-{seq[0]}"]
        return cmds[case]

    start = datetime.datetime.now(datetime.timezone.utc)
    load_start = os.getloadavg()
    rows = []
    for r in range(-a.warmup, a.rounds):
        k = r % len(cases)
        for case in cases[k:] + cases[:k]:
            row = run_once(cmd(case))
            if r >= 0:
                row.update(round=r, case=case)
                rows.append(row)
        print(f"round {r + 1}/{a.rounds} load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    load_end = os.getloadavg()

    cols = ["round", "case", "wall_ms", "user_ms", "sys_ms", "maxrss_kib", "load1", "premain_ms", "postmain_ms", "laps_ms"]
    with open(a.out + ".csv", "w") as f:
        f.write(",".join(cols) + "\n")
        for row in rows:
            f.write(",".join(str(round(row[c], 2) if isinstance(row[c], float) else row[c]) for c in cols) + "\n")

    v = versions(a.java)
    by = {c: [x for x in rows if x["case"] == c] for c in cases}
    md = [f"# Cold path: a fresh process with one container{(' — ' + a.label) if a.label else ''}", "",
          f"`bench/cold-start.sh --rounds {a.rounds}{' --cases ' + a.cases if a.cases != 'bare,gatun1,gatun10,crun' else ''}"
          f"{' ' + ' '.join('--java-opt ' + o for o in a.java_opt) if a.java_opt else ''}"
          f"{' --aot' if a.aot_cache else ''}{' --compare ' + a.compare if a.compare else ''}`"
          f" ({a.warmup} warm-up rounds not recorded), {start:%Y-%m-%d %H:%M} UTC, commit {v['commit']}.",
          f"{v['java']}; {v['crun']}; kernel {v['kernel']}; {v['cpus']} CPUs, as root.",
          f"Load average (1/5/15 min) at start {load_start[0]:.2f}/{load_start[1]:.2f}/{load_start[2]:.2f}, "
          f"at end {load_end[0]:.2f}/{load_end[1]:.2f}/{load_end[2]:.2f}: a shared machine, so compare the ratios. "
          f"Raw samples: `{os.path.basename(a.out)}.csv`.", "",
          "Whole process (fork to reaped), p50 / p90 / p99, CPU = user+sys of the process and what it reaped:", "",
          "| case | wall p50 | p90 | p99 | CPU p50 | p90 | p99 | peak RSS p50 | wall p50 ÷ bare | wall p50 ÷ crun |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def p50(case, key):
        return pct([x[key] for x in by[case]], 50) if case in by else None

    for c in cases:
        w = [x["wall_ms"] for x in by[c]]
        cpu = [x["user_ms"] + x["sys_ms"] for x in by[c]]
        rss = pct([x["maxrss_kib"] for x in by[c]], 50) / 1024
        rb = f"{pct(w, 50) / p50('bare', 'wall_ms'):.2f}×" if "bare" in by else "–"
        rc = f"{pct(w, 50) / p50('crun', 'wall_ms'):.2f}×" if "crun" in by else "–"
        md.append(f"| {c} | {pct(w, 50):.1f} ms | {pct(w, 90):.1f} | {pct(w, 99):.1f} | {pct(cpu, 50):.1f} ms | "
                  f"{pct(cpu, 90):.1f} | {pct(cpu, 99):.1f} | {rss:.0f} MiB | {rb} | {rc} |")
    md += ["", "Inside the JVM (ms), p50 / p90 / p99:", "", "| lap | case | p50 | p90 | p99 |", "|---|---|---:|---:|---:|"]
    for c in [c for c in cases if c.startswith("gatun") or c.startswith("bundle")]:
        laps = [[float(y) for y in x["laps_ms"].split(";")] for x in by[c]]
        series = [("before main() (JVM start)", [x["premain_ms"] for x in by[c]]),
                  ("main() to 1st container exited", [l[0] for l in laps])]
        if len(laps[0]) > 1:
            n = len(laps[0])
            series.append((f"2nd..{n}th container, each", [y for l in laps for y in l[1:]]))
            series.append((f"{n}th container", [l[-1] for l in laps]))
        series.append(("after main() returned (exit)", [x["postmain_ms"] for x in by[c]]))
        for name, s in series:
            md.append(f"| {name} | {c} | {pct(s, 50):.1f} | {pct(s, 90):.1f} | {pct(s, 99):.1f} |")
    if "gatun100" in by and "crun100" in by:
        g, c = p50("gatun100", "wall_ms"), p50("crun100", "wall_ms")
        md += ["", f"100 containers from a fresh process: gatun100 {g / 1000:.2f} s against crun100 {c / 1000:.2f} s "
               f"at p50, {c / g:.2f}× faster (the per-round ratios' median: "
               f"{pct([y['wall_ms'] / x['wall_ms'] for x in by['gatun100'] for y in by['crun100'] if y['round'] == x['round']], 50):.2f}×)."]
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
