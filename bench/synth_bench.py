"""Time and weigh a synth through the stock provider import and through the app, alternately.

    make bench                                  # 7 measured runs of each
    .venv/bin/python bench/synth_bench.py --runs 9 --config examples/shared-vpc.toml

Each run is a fresh process tree synthesizing one environment file:
``bench/stock_synth.py`` (main.py with the provider imported as shipped),
``main.py`` (the app, which loads the provider lazily), or ``make synth``
(what a user types: make's own start and its set-up checks, then the app).
One unmeasured run of each comes first, so that all find jsii's package cache
and runtime index warm; then they alternate, the order turning every round,
so that load from other processes on the machine falls on all alike.

- wall time: from the start of the process to its exit;
- peak memory: the sum, over the whole tree (Python, the jsii-runtime node
  wrapper, the kernel node process), of each process's own peak resident set
  (VmHWM in /proc, sampled every 10 ms). A sum of per-process peaks is at least
  the peak of the sum, so it never understates; the sampled peak of the sum is
  shown too.

It prints medians, the stock/app ratios and the targets of issue #10 (the app
at least 12x faster than stock and at most 200 MB; ``make synth`` at least 8x
faster than stock), and exits 1 when one is missed.
Every run's output must be byte-identical to the first stock run's, or it stops.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from counts import count  # bench/, this script's folder, is first on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from constructs_lib._provider.engine import current_engine  # noqa: E402  (reads metadata, imports no engine)

ENGINE = current_engine().name  # cdktf, or cdktn when run by .venv-cdktn's interpreter (make bench ENGINE=cdktn)
OUT = ROOT / "bench" / "out"
RUNNERS = {"stock": ROOT / "bench" / "stock_synth.py", "app": ROOT / "main.py"}
KINDS = ("stock", "app", "make")
SAMPLE_S = 0.01
TARGET_SPEEDUP = 12.0
TARGET_PEAK_MB = 200.0
TARGET_MAKE_SPEEDUP = 8.0


@dataclass(frozen=True)
class Run:
    """One measured synth."""

    kind: str
    wall_s: float
    summed_peak_mb: float
    sampled_peak_mb: float
    processes: int


def children(pid: int) -> list[int]:
    """Direct children of a process, from every one of its threads."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as stream:
                found.extend(int(child) for child in stream.read().split())
    except OSError:  # the process has exited meanwhile
        pass
    return found


def process_tree(root: int) -> list[int]:
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children(pid))
    return tree


def memory_kb(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of a process in kB, or None once it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/status") as stream:
            fields = dict(line.split(":", 1) for line in stream if line.startswith(("VmRSS", "VmHWM")))
    except OSError:
        return None
    if "VmRSS" not in fields:
        return None
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def measure(kind: str, config: str, outdir: Path, log: Path) -> Run:
    """Run one synth and sample its process tree until it exits.

    Raises:
        SystemExit: the synth failed (its stderr is in ``log``).
    """
    shutil.rmtree(outdir, ignore_errors=True)
    env = dict(os.environ, EGRESS_CONFIG=config, CDKTF_OUTDIR=str(outdir))
    if kind == "make":
        stem = Path(config).resolve().relative_to(ROOT / "environments").with_suffix("")
        command = ["make", "-s", "synth", f"ENV={stem}", f"ENGINE={ENGINE}"]  # this interpreter's engine
        env.pop("EGRESS_CONFIG")
        env.pop("MAKEFLAGS", None)  # `make bench` runs this; the inner make is a user's, not a sub-make
        env.pop("MAKELEVEL", None)
    else:
        command = [sys.executable, str(RUNNERS[kind])]
    peaks: dict[int, int] = {}
    sampled_peak = 0
    with log.open("w") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        while proc.poll() is None:
            total = 0
            for pid in process_tree(proc.pid):
                memory = memory_kb(pid)
                if memory is not None:
                    total += memory[0]
                    peaks[pid] = max(peaks.get(pid, 0), memory[1])
            sampled_peak = max(sampled_peak, total)
            time.sleep(SAMPLE_S)
        wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"error: the {kind} synth failed with exit code {proc.returncode}; see {log}")
    return Run(kind, wall, sum(peaks.values()) / 1024, sampled_peak / 1024, len(peaks))


def stack_files(outdir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(outdir)): p.read_bytes() for p in sorted(outdir.rglob("*")) if p.is_file()}


def machine() -> str:
    model = "unknown CPU"
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip() or "node ?"
    return (f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, node {node.lstrip('v')}")


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=count("BENCH_RUNS=N for make bench"), default=7, help="measured runs of each (default 7)")
    parser.add_argument("--config", default="environments/example.toml", help="the environment file to synthesize")
    args = parser.parse_args(argv)

    OUT.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    print(f"engine: {ENGINE} ({current_engine().core} {current_engine().core_version}, "
          f"{current_engine().provider_dist} {current_engine().provider_version})")
    print(f"synth of {args.config} (stock, app, make synth): 1 warm-up + {args.runs} measured runs of each, "
          "taking turns; "
          f"load average before: {load()}", flush=True)

    reference: dict[str, bytes] | None = None
    runs: list[Run] = []
    for round_ in range(args.runs + 1):
        for kind in KINDS[round_ % 3:] + KINDS[:round_ % 3]:
            outdir = OUT / kind
            run = measure(kind, args.config, outdir, OUT / f"{kind}.stderr.log")
            files = stack_files(outdir)
            reference = reference or files
            if files != reference:
                sys.exit(f"error: the {kind} synth wrote different files from the first stock synth ({outdir})")
            label = "warm-up" if round_ == 0 else f"run {round_}"
            print(f"  {label:8} {kind:5} {run.wall_s:6.2f} s  {run.summed_peak_mb:6.0f} MB summed peak "
                  f"({run.sampled_peak_mb:.0f} MB sampled, {run.processes} processes)", flush=True)
            if round_ > 0:
                runs.append(run)

    def median(kind: str, field: str) -> float:
        return statistics.median(getattr(run, field) for run in runs if run.kind == kind)

    stock_s, app_s = median("stock", "wall_s"), median("app", "wall_s")
    make_s, make_mb = median("make", "wall_s"), median("make", "summed_peak_mb")
    stock_mb, app_mb = median("stock", "summed_peak_mb"), median("app", "summed_peak_mb")
    print(f"load average after: {load()}")
    print(f"{'median':11} {'wall':>8} {'peak (Python + node)':>22}")
    print(f"{'stock':11} {stock_s:7.2f}s {stock_mb:19.0f} MB")
    print(f"{'app':11} {app_s:7.2f}s {app_mb:19.0f} MB")
    print(f"{'make synth':11} {make_s:7.2f}s {make_mb:19.0f} MB")
    print(f"{'ratio':11} {stock_s / app_s:7.1f}x {stock_mb / app_mb:19.1f}x  (stock / app)")
    print(f"{'ratio':11} {stock_s / make_s:7.1f}x {'':>22}  (stock / make synth)")

    missed = []
    if stock_s / app_s < TARGET_SPEEDUP:
        missed.append(f"app is {stock_s / app_s:.1f}x faster than stock, target {TARGET_SPEEDUP:.0f}x")
    if app_mb > TARGET_PEAK_MB:
        missed.append(f"app peaks at {app_mb:.0f} MB, target {TARGET_PEAK_MB:.0f} MB")
    if stock_s / make_s < TARGET_MAKE_SPEEDUP:
        missed.append(f"make synth is {stock_s / make_s:.1f}x faster than stock, target {TARGET_MAKE_SPEEDUP:.0f}x")
    for problem in missed:
        print(f"target missed: {problem}")
    if not missed:
        print(f"targets met: the app at least {TARGET_SPEEDUP:.0f}x faster and at most {TARGET_PEAK_MB:.0f} MB, "
              f"make synth at least {TARGET_MAKE_SPEEDUP:.0f}x faster")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
