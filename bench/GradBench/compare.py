#!/usr/bin/env python3
"""Side-by-side GradBench timings: Backprop.Gen against the C++ tools and PyTorch, in one run, on one machine.

For each eval (in the order below) every tool runs the same inputs one after the other, the tool order rotating from
eval to eval, through an offline GradBench harness's run.py (which validates each output against the golden tool).
Writes OUT/<tool>/<eval>.json (the harness's summary rows) and OUT/table.md (the table docs/performance.md shows).

usage: compare.py --harness DIR --ours "dotnet path/GradBench.dll" [--out DIR] [--min-seconds S] [--evals e1,e2]
       compare.py --table-only --out DIR
"""
import argparse, json, os, subprocess, sys, time

# Per eval: the harness's size flags (one run each, rows merged) and the tools that have the module.
CPP = ["manual", "codipack", "adol-c", "cppad"]
EVALS = {
    "llsq": (["-n 16 1024 16392"], CPP),
    "lse": (["-n 2500 80000 1280000"], CPP + ["pytorch"]),
    "ode": (["-n 1000 100000 -s 1 100"], CPP),
    "det": (["-l 5 7 9 10"], CPP),
    "kmeans": (["-k 10 1000 -n 10000 -d 16"], ["manual", "codipack", "adol-c", "pytorch"]),
    "gmm": (["-d 2 64 -k 5 100"], CPP + ["pytorch"]),
    "ba": (["--min 1 --max 1", "--min 14 --max 14"], CPP),
    "ht": (["--min 1 --max 1", "--min 11 --max 11"], ["manual", "codipack", "adol-c"]),
    "lstm": (["-l 2 6 -c 1024 8192"], CPP + ["pytorch"]),
    "particle": ([""], ["finite"]),
    "saddle": ([""], ["finite"]),
}
ORDER = ["backprop-gen", "manual", "codipack", "adol-c", "cppad", "pytorch", "finite"]
PRIMAL = {"objective", "primal", "cost"}


def run(harness, out, tool, command, name, sizes, min_seconds):
    rows = []
    for flags in sizes:
        summary = os.path.join(out, tool, f"{name}.part.json")
        eval_command = f"{harness}/eval.sh {name} {flags} --min-seconds {min_seconds}"
        start = time.time()
        subprocess.run(["/usr/bin/python3", f"{harness}/run.py", "--eval", eval_command, "--tool", command,
                        "--timeout", "900", "--quiet", "--summary-json", summary],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=harness)
        if os.path.exists(summary):
            with open(summary) as f:
                rows += json.load(f)["rows"]
            os.remove(summary)
        print(f"  {tool:<13} {name} {flags}: {time.time() - start:.0f}s", flush=True)
    with open(os.path.join(out, tool, f"{name}.json"), "w") as f:
        json.dump({"eval": name, "tool": tool, "rows": rows}, f, indent=1)


def fmt(ns):
    if ns is None:
        return "–"
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    if ns < 1e9:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e9:.2f} s"


def table(out):
    data = {}
    for tool in ORDER:
        for name in EVALS:
            path = os.path.join(out, tool, f"{name}.json")
            if os.path.exists(path):
                with open(path) as f:
                    data[(name, tool)] = json.load(f)["rows"]
    tools = [t for t in ORDER if any(k[1] == t for k in data)]
    lines = ["| eval | input | function | " + " | ".join(tools) + " |", "|---|---|---|" + "---|" * len(tools)]
    for name in EVALS:
        keys = []
        for tool in tools:
            for r in data.get((name, tool), []):
                key = (str(r["description"]), r["function"])
                if key not in keys:
                    keys.append(key)
        for description, function in keys:
            cells = []
            for tool in tools:
                match = [r for r in data.get((name, tool), []) if str(r["description"]) == description and r["function"] == function]
                if not match:
                    cells.append("–")
                    continue
                r = match[0]
                if r.get("success") is False:
                    cells.append("failed")
                elif r.get("valid") is False:
                    cells.append("INVALID " + fmt(r.get("median_ns")))
                else:
                    cells.append(fmt(r.get("median_ns")))
            lines.append(f"| {name} | {description} | {function} | " + " | ".join(cells) + " |")
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harness", default=os.environ.get("GRADBENCH_HARNESS", ""))
    ap.add_argument("--ours", default="")
    ap.add_argument("--out", default="/tmp/gbcompare")
    ap.add_argument("--min-seconds", default="0.5")
    ap.add_argument("--evals", default=",".join(EVALS))
    ap.add_argument("--table-only", action="store_true")
    args = ap.parse_args()
    if not args.table_only:
        if not args.harness or not args.ours:
            sys.exit("--harness and --ours are required")
        for i, name in enumerate(args.evals.split(",")):
            sizes, peers = EVALS[name]
            tools = ["backprop-gen"] + peers
            tools = tools[i % len(tools):] + tools[:i % len(tools)]  # rotate who goes first
            print(f"== {name}", flush=True)
            for tool in tools:
                os.makedirs(os.path.join(args.out, tool), exist_ok=True)
                command = args.ours if tool == "backprop-gen" else f"{args.harness}/tool.sh {tool}"
                run(args.harness, args.out, tool, command, name, sizes, args.min_seconds)
    table(args.out)


if __name__ == "__main__":
    main()
