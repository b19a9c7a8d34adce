#!/usr/bin/env python3
"""Merges the benchmark modules' JSON files into one results file, writes a Markdown summary and
plots (gnuplot), and makes BENCHMARKS.md show the latest run. Every figure carries its settings.

usage: report.py --mode quick|full --host H --stamp S --out DIR --summary FILE part.json...
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys


def machine():
    info = {"cpus": os.cpu_count(), "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["mem_mb"] = int(f.readline().split()[1]) // 1024
        info["load_avg_at_end"] = os.getloadavg()
    except OSError:
        pass
    try:
        info["postgres"] = subprocess.run(["psql", "-XAtc", "SHOW server_version"],
                                          capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    return info


def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, (int, float)):
        if abs(v) >= 100:
            return f"{v:,.0f}"
        if abs(v) >= 1:
            return f"{v:.2f}"
        return f"{v:.3g}"
    return str(v)


def spread(m):
    runs = m.get("runs") or []
    if len(runs) < 2:
        return ""
    return f"{fmt(min(runs))}–{fmt(max(runs))}"


def ratio_of(m, by_name):
    other = by_name.get(m.get("compare_to"))
    if not other or not other.get("value") or m.get("value") is None:
        return None
    r = m["value"] / other["value"]
    return r if m.get("better", "higher") == "higher" else 1 / r if r else None


def verdict(m, r):
    t = m.get("target_ratio")
    if t is not None and r is not None:
        return "met" if r >= t else "**missed**"
    t = m.get("target_max")
    if t is not None and m.get("value") is not None:
        return "met" if m["value"] <= t else "**missed**"
    t = m.get("target_min")
    if t is not None and m.get("value") is not None:
        return "met" if m["value"] >= t else "**missed**"
    return ""


def plot(module, ms, path_png):
    """One bar chart per module: the median of each measurement that shares the first unit."""
    if not shutil.which("gnuplot") or not ms:
        return False
    unit = ms[0]["unit"]
    rows = [m for m in ms if m["unit"] == unit and m.get("value") is not None]
    if not rows:
        return False
    data = path_png + ".dat"
    with open(data, "w") as f:
        for m in rows:
            lo = min(m.get("runs") or [m["value"]])
            hi = max(m.get("runs") or [m["value"]])
            f.write(f'"{m["name"]}" {m["value"]} {lo} {hi}\n')
    script = f"""
set terminal pngcairo noenhanced size 900,{200 + 28 * len(rows)} font ',10'
set output '{path_png}'
set title '{module}: median and range of runs ({unit})'
set style fill solid 0.6
set yrange [*:*] reverse
set ytics nomirror
set xrange [0:*]
set offsets 0,0,0.5,0.5
set grid xtics
unset key
plot '{data}' using 2:0:(0):2:($0-0.35):($0+0.35):yticlabels(1) with boxxyerror, \\
     '' using 2:0:3:4 with xerrorbars lc rgb 'black' pt 0
"""
    ok = subprocess.run(["gnuplot"], input=script, text=True,
                        capture_output=True).returncode == 0
    os.unlink(data)
    return ok and os.path.exists(path_png)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--stamp", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--summary", required=True)
    ap.add_argument("--failed", default="")
    ap.add_argument("parts", nargs="+")
    a = ap.parse_args()

    modules = []
    for p in a.parts:
        with open(p) as f:
            modules.append(json.load(f))
    os.makedirs(a.out, exist_ok=True)
    base = f"{a.stamp}-{a.host}-{a.mode}"
    result = {"stamp": a.stamp, "host": a.host, "mode": a.mode, "machine": machine(),
              "failed_modules": a.failed.split(),
              "command": "bench/run" + (" --full" if a.mode == "full" else " --quick"),
              "modules": modules}
    with open(os.path.join(a.out, base + ".json"), "w") as f:
        json.dump(result, f, indent=1)

    lines = [f"# docextract benchmarks", "",
             f"Latest run: `{result['command']}` on {a.stamp} ({a.host}: "
             f"{result['machine'].get('cpus')} CPUs, {result['machine'].get('cpu', '?')}, "
             f"{result['machine'].get('mem_mb', '?')} MB, PostgreSQL "
             f"{result['machine'].get('postgres', '?')}). "
             f"Raw results: [bench/results/{base}.json](bench/results/{base}.json).", "",
             "Every figure is the median of the runs listed in its row (their range beside it), "
             "measured on one cluster in one run, alternating order where it matters. The "
             "machine is shared: compare ratios, not absolute numbers across runs.", ""]
    if a.failed.strip():
        lines += [f"**Modules that failed in this run (no figures):** {a.failed.strip()}.", ""]
    for mod in modules:
        ms = mod["measurements"]
        by_name = {m["name"]: m for m in ms}
        lines += [f"## {mod['module']}", "",
                  "| measurement | median | unit | range | runs | vs | ratio | target | result | settings |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for m in ms:
            r = ratio_of(m, by_name)
            target = (f"≥ {m['target_ratio']}×" if m.get("target_ratio") is not None else
                      f"≤ {m['target_max']}" if m.get("target_max") is not None else
                      f"≥ {m['target_min']}" if m.get("target_min") is not None else "")
            settings = {k: v for k, v in m.items() if k not in
                        ("name", "unit", "better", "runs", "value", "n", "compare_to",
                         "target_ratio", "target_max", "target_min", "note")}
            lines.append("| " + " | ".join([
                m["name"], fmt(m.get("value")), m["unit"], spread(m), str(m.get("n", "")),
                m.get("compare_to", "") or "", f"{r:.2f}×" if r else "", target, verdict(m, r),
                ", ".join(f"{k}={v}" for k, v in settings.items())]) + " |")
        notes = [f"- **{m['name']}**: {m['note']}" for m in ms if m.get("note")]
        if notes:
            lines += [""] + notes
        png = os.path.join(a.out, f"{base}-{mod['module']}.png")
        if plot(mod["module"], ms, png):
            lines += ["", f"![{mod['module']}](bench/results/{os.path.basename(png)})"]
        lines.append("")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(a.out, base + ".md"), "w") as f:
        f.write(text.replace("](bench/results/", "]("))
    with open(a.summary, "w") as f:
        f.write(text)
    print(f"wrote {a.out}/{base}.json, .md and plots; {a.summary}")


if __name__ == "__main__":
    sys.exit(main())
