"""``python -m constructs_lib.report.allowlist_command``: the partner's list, and a plan's change of it.

    terraform show -json | python -m constructs_lib.report.allowlist_command write --stack NAME --out DIR
    terraform show -json PLAN | python -m constructs_lib.report.allowlist_command change

``write`` reads a stack's state and writes ``allowlist.json`` and ``allowlist.csv`` into DIR (``make allowlist``
and ``make rehearse`` do it beside the stack); ``change`` prints the Markdown "Allowlist change" section of a
saved plan. Either reads the JSON from a file named last, else from standard input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from ..facts.text import one_line
from .allowlist import allowlist_entries, write_allowlist
from .plan_allowlist import allowlist_change

__all__ = ["main"]


def _read(source: str | None) -> dict:
    text = Path(source).read_text(encoding="utf-8") if source else sys.stdin.read()
    if not text.strip():
        raise ValueError("no JSON given (expected the output of `terraform show -json`)")
    return json.loads(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m constructs_lib.report.allowlist_command")
    commands = parser.add_subparsers(dest="command", required=True)
    write = commands.add_parser("write", help="allowlist.json and allowlist.csv from a stack's state")
    write.add_argument("--stack", required=True)
    write.add_argument("--out", required=True, type=Path)
    write.add_argument("json", nargs="?")
    change = commands.add_parser("change", help="the Allowlist change section of a saved plan")
    change.add_argument("json", nargs="?")
    args = parser.parse_args(argv)
    try:
        document = _read(args.json)
    except (OSError, ValueError) as err:
        print(one_line(f"error: {err}"), file=sys.stderr)
        return 1
    if args.command == "change":
        print("\n".join(allowlist_change(document)))
        return 0
    entries = allowlist_entries(document, stack=args.stack)
    if not document.get("values"):
        print(one_line(f"error: stack {args.stack} has no state yet (deploy it first): nothing to allowlist"),
              file=sys.stderr)
        return 1
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        paths = write_allowlist(entries, args.out)
    except OSError as err:
        print(one_line(f"error: {err}"), file=sys.stderr)
        return 1
    for path in paths:
        print(one_line(f"wrote {path}"))
    for e in entries:
        partner = f", for {e.partner}" if e.partner else ""
        # A rule's description comes back from the state: edited in the console, it is anyone's text.
        print(one_line(f"  {e.ip:<15}  {e.role:<8}  {e.name}  ({e.project}, {e.region}{partner})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
