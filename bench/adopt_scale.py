"""Synth time of a file with many services, with and without all of them in ``[adopt]``.

    make bench                                     # runs this after synth_bench.py
    .venv/bin/python bench/adopt_scale.py --services 500 --runs 3

Each run is a fresh ``main.py`` process on a generated file (``bench/out/scale-plain/plain.toml`` and
``bench/out/scale-adopted/adopted.toml``, each alone in its folder so that neither is the other's neighbour).
It prints the medians and the cost of the import blocks per service, and exits 1 when the adopted file takes
more than TARGET_S (issue 21: 500 adopted services synthesized within 10 s; 52 s before, about 85 ms per import
block, from cdktf's importFrom running ``terraform version`` once per block).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from counts import count  # bench/, this script's folder, is first on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from rehearsal.tomlfile import dumps  # noqa: E402

OUT = ROOT / "bench" / "out"
TARGET_S = 10.0


def scale_file(kind: str, services: int) -> Path:
    """The generated file: ``services`` Cloud Run services, all adopted when ``kind`` is ``adopted``."""
    names = [f"svc-{i}" for i in range(services)]
    data = {"project": "my-gcp-project", "region": "asia-northeast3", "state": {"backend": "local"},
            "network": {"subnet_cidr": "10.124.0.0/28"}, "nat": {"min_ports_per_vm": 64},
            "services": [{"name": n, "image": "asia.gcr.io/my-gcp-project/app:1.0.0", "max_instances": 1}
                         for n in names]}
    if kind == "adopted":
        data["adopt"] = {"services": names}
    folder = OUT / f"scale-{kind}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = folder / f"{kind}.toml"
    path.write_text(dumps(data), encoding="utf-8")
    return path


def synth_seconds(path: Path) -> float:
    env = dict(os.environ, EGRESS_CONFIG=str(path), CDKTF_OUTDIR=str(path.parent / "out"))
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=count(), default=500)
    parser.add_argument("--runs", type=count(), default=3)
    args = parser.parse_args()
    files = {kind: scale_file(kind, args.services) for kind in ("plain", "adopted")}
    times: dict[str, list[float]] = {kind: [] for kind in files}
    for _ in range(args.runs):
        for kind, path in files.items():
            times[kind].append(synth_seconds(path))
    plain, adopted = (statistics.median(times[k]) for k in ("plain", "adopted"))
    per_block = (adopted - plain) / args.services * 1000
    print(f"{args.services} services, {args.runs} runs, medians: {plain:.1f} s without [adopt], {adopted:.1f} s with "
          f"all in [adopt] ({per_block:+.1f} ms per import block); target {TARGET_S:.0f} s")
    return 0 if adopted <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
