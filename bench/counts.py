"""The bench scripts' counts (runs, services): whole numbers from 1, else argparse's usage error with the value given.

``make bench BENCH_RUNS=0`` (or ``-1``) measured nothing and ended in a traceback ("no median for empty data");
``BENCH_RUNS=abc`` was argparse's "invalid int value". Each script's counts go through ``count`` instead.
"""

from __future__ import annotations

import argparse
from typing import Callable

__all__ = ["count"]


def count(hint: str = "") -> Callable[[str], int]:
    """An argparse ``type`` for a count; ``hint`` says where the value came from (``BENCH_RUNS=N for make bench``)."""
    where = f" ({hint})" if hint else ""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise argparse.ArgumentTypeError(f"expected a whole number from 1{where}, got {text!r}")
        return value

    return parse
