#!/usr/bin/env python3
"""Alternating A/B of benchmark commands: `benches/ab.py N 'cmd A' 'cmd B' [...]`.

Runs the commands N rounds, alternating (odd rounds in reverse order, so neither always runs
first), and prints for each the median (and quartiles) of its per-operation wall time and the
median CPU per operation. Each command must print, as its last line, the JSON line of the
`benches/harness` clients (`boltc`, `bench-c`, `raw`): `per_op_us` (or `seconds`), `cpu_s`,
`ops`. For example, the replay server's W4 of two builds:

    benches/ab.py 41 'old/boltc bolt://127.0.0.1:PORT w4 1000' \\
                     'target/release/boltc bolt://127.0.0.1:PORT w4 1000'

Use it to decide whether a change is faster; `benches/run.sh` measures every client side by side.
"""
import json
import statistics as st
import subprocess
import sys


def measure(cmd):
    """(wall per op, cpu per op) of one run of `cmd`, from its last output line."""
    out = subprocess.run(cmd, shell=True, capture_output=True, text=True, check=True)
    d = json.loads(out.stdout.strip().splitlines()[-1])
    if "per_op_us" in d:
        return d["per_op_us"], d["cpu_s"] / d.get("ops", 1) * 1e6
    return d["seconds"], d["cpu_s"]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds, cmds = int(sys.argv[1]), sys.argv[2:]
    results = {c: [] for c in cmds}
    for i in range(rounds):
        for c in cmds if i % 2 == 0 else cmds[::-1]:
            results[c].append(measure(c))
    for c in cmds:
        wall = [w for w, _ in results[c]]
        cpu = [u for _, u in results[c]]
        q = st.quantiles(wall, n=4) if len(wall) > 1 else [wall[0]] * 3
        print(f"{st.median(wall):10.4g} (q1 {q[0]:.4g} q3 {q[2]:.4g})  cpu {st.median(cpu):8.4g}   {c}")


if __name__ == "__main__":
    main()
