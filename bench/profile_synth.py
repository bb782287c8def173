"""Where the app's second goes: each part of a synth of one file, as main.py runs it.

    make profile                      # 5 runs, medians
    .venv/bin/python bench/profile_synth.py --runs 9 --config examples/shared-vpc.toml

Each run is a fresh process doing main.py's steps one by one, with a clock
read between them; node's own timing of each assembly load comes from jsii
(``JSII_DEBUG_TIMING=1``). Interpreter start is ``python -c pass`` timed from
outside; exit (stopping the kernel, Python's teardown) is the rest of the
process's wall time. The parts add up to the wall time of the run.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from counts import count  # bench/, this script's folder, is first on sys.path

ROOT = Path(__file__).resolve().parents[1]
TIMING = re.compile(r"\[@jsii/kernel:timing\] require\(.*/node_modules/(.+?)/lib/[\w-]+\.js\): ([\d.]+)ms")

CHILD = """
import os, sys, time
clock = [("start", time.perf_counter())]
def mark(name):
    clock.append((name, time.perf_counter()))
sys.path.insert(0, os.getcwd())
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
from pathlib import Path
from constructs_lib.app import build_app, environment_files, load_stacks, output_folder
mark("imports of the app (validation only)")
files = environment_files(os.environ["EGRESS_CONFIG"])
configs = load_stacks(files, neighbours=[p for p in sorted(files[0].parent.glob("*.toml"))
                                         if p.resolve() != files[0].resolve()])
mark("reading and validating the file")
from constructs_lib._provider import jsii_kernel
jsii_kernel.use_direct_kernel()
from jsii._kernel import Kernel
Kernel().provider._process
mark("kernel start (node, jsii's program)")
import constructs_lib._provider.cdk
mark("cdktf and constructs: Python modules, assembly loads")
import constructs_lib._provider.google
mark("google provider: overlay, assembly load, namespaces")
import constructs_lib.stacks.egress_stack, constructs_lib.stacks.bootstrap_stack, constructs_lib.policies.pack
mark("the rest of constructs_lib")
app = build_app(configs)
mark("building the stacks")
from constructs_lib.policies.pack import check_app
assert check_app(app, final=True) == []
mark("policy check (each stack resolved once)")
app.synth()
mark("app.synth() (resolved, written)")
print("\\n".join(f"{name}\\t{t - clock[i][1]:.4f}" for i, (name, t) in enumerate(clock[1:])), flush=True)
"""


def one_run(config: str, outdir: Path) -> tuple[dict[str, float], dict[str, float], float]:
    env = dict(os.environ, EGRESS_CONFIG=config, CDKTF_OUTDIR=str(outdir), JSII_DEBUG_TIMING="1")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"error: the profiled synth failed:\n{result.stderr}")
    parts = {name: float(value) for name, value in (line.split("\t") for line in result.stdout.splitlines()
                                                     if line.count("\t") == 1)}
    requires = {m.group(1): float(m.group(2)) / 1000 for m in TIMING.finditer(result.stdout + result.stderr)}
    return parts, requires, wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=count(), default=5)
    parser.add_argument("--config", default="environments/example.toml")
    args = parser.parse_args(argv)
    outdir = ROOT / "bench" / "out" / "profile"

    starts, runs = [], []
    one_run(args.config, outdir)  # warm-up: jsii's package cache, the page cache
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        starts.append(time.perf_counter() - started)
        runs.append(one_run(args.config, outdir))

    def med(values: list[float]) -> float:
        return statistics.median(values)

    print(f"synth of {args.config}, {args.runs} runs, medians; load average {os.getloadavg()[0]:.2f}")
    interpreter = med(starts)
    print(f"  {'Python interpreter start':55} {interpreter:6.3f} s")
    total = interpreter
    for name in runs[0][0]:
        value = med([parts[name] for parts, _, _ in runs])
        total += value
        print(f"  {name:55} {value:6.3f} s")
        if name.startswith("cdktf") or name.startswith("google"):
            for module in sorted(runs[0][1]):
                if (module == "@cdktf/provider-google") == name.startswith("google"):
                    print(f"    {'node: require(' + module + ')':53} {med([r[module] for _, r, _ in runs]):6.3f} s")
    wall = med([wall for _, _, wall in runs])
    print(f"  {'exit (kernel stop, teardown)':55} {max(wall - total + interpreter, 0):6.3f} s")
    print(f"  {'wall time of the run':55} {wall:6.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
