# SPDX-License-Identifier: MIT
"""Turns the CSV of leaky-bench-peers (or leaky bench) into the Markdown tables of
docs/PERFORMANCE.md: one table per case and thread count, median ns per element, with
leaky's GB/s and its ratio to the fastest peer.

    /usr/bin/python3 bench/table.py build/bench.csv
"""
import csv
import sys

ORDER = ["leaky", "memcpy", "nt-copy", "xnnpack", "onednn", "torch", "numpy"]
CASES = ["forward", "forward-inplace", "backward", "backward-inplace"]


def label(n):
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return "%dM" % (n >> 20)
    if n >= 1024 and n % 1024 == 0:
        return "%dK" % (n >> 10)
    return str(n)


def main(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    impls = [i for i in ORDER if any(r["impl"] == i for r in rows)]
    impls += sorted({r["impl"] for r in rows} - set(impls))
    for case in CASES:
        for threads in sorted({int(r["threads"]) for r in rows}):
            sel = [r for r in rows if r["case"] == case and int(r["threads"]) == threads]
            if not sel:
                continue
            cols = [i for i in impls if any(r["impl"] == i for r in sel)]
            print("\n**%s, %d thread%s** (median ns per element; lower is better)\n"
                  % (case, threads, "" if threads == 1 else "s"))
            print("| n | " + " | ".join(cols) + " | leaky GB/s | leaky / best peer |")
            print("|---" * (len(cols) + 3) + "|")
            for n in sorted({int(r["n"]) for r in sel}):
                at = {r["impl"]: r for r in sel if int(r["n"]) == n}
                cells = []
                for i in cols:
                    v = at.get(i)
                    cells.append("%.4g" % float(v["median_ns_per_element"]) if v else "-")
                lk = at.get("leaky")
                gbs = "%.1f" % float(lk["median_gb_per_s"]) if lk else "-"
                ratio = lk["ratio_to_best_peer"] if lk and lk["ratio_to_best_peer"] else "-"
                print("| %s | %s | %s | %s |" % (label(n), " | ".join(cells), gbs, ratio))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    main(sys.argv[1])
