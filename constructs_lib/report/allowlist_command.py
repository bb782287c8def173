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
from typing import Any, Sequence

from ..facts.text import json_kind, one_line
from .allowlist import allowlist_entries, write_allowlist
from .plan_allowlist import allowlist_change

__all__ = ["main"]


# What either command reads, and what each kind of document is called in its messages.
SHOWN = "the JSON of `terraform show -json`"
READS = {"write": "a state's (`terraform show -json` in the stack's folder)",
         "change": "a saved plan's (`terraform show -json PLAN`)"}


class InputError(ValueError):
    """What was given is not what the command reads; the message names the source, what was expected and what was
    given."""


def _read(source: str | None, where: str, command: str) -> dict[str, Any]:
    """The JSON object of a file named (a pipe too: ``<(terraform show -json)``), else of standard input; ``where``
    names it in messages.

    Raises:
        InputError: it cannot be read, is not UTF-8 JSON, is not an object, or is the other command's document.
    """
    try:
        raw = Path(source).read_bytes() if source else sys.stdin.buffer.read()
    except OSError as err:
        raise InputError(f"{where}: expected a readable file, got {err.strerror or err}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{where}: expected {SHOWN}, got bytes that are not UTF-8 (at byte {err.start:,})") from None
    if not text.strip():
        raise InputError(f"{where}: expected {SHOWN}, got nothing")
    try:
        document = json.loads(text)
    except RecursionError:
        raise InputError(f"{where}: expected {SHOWN}, got JSON nested deeper than Python's parser reads") from None
    except ValueError as err:
        raise InputError(f"{where}: expected {SHOWN}, got invalid JSON ({err})") from None
    if not isinstance(document, dict):
        raise InputError(f"{where}: expected {SHOWN} (an object), got {json_kind(document)}")
    # A plan's JSON always has planned_values; a state's has neither it nor resource_changes.
    is_plan = "planned_values" in document or "resource_changes" in document
    if is_plan != (command == "change"):
        other = "change" if command == "write" else "write"
        raise InputError(f"{where}: expected {READS[command]} JSON, got {READS[other]} JSON, which `{other}` reads")
    return document


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
    where = one_line(args.json) if args.json else "standard input"
    try:
        document = _read(args.json, where, args.command)
        # Only the parts the reports read are checked, as they are read: anything else Terraform never writes.
        lines = allowlist_change(document) if args.command == "change" else []
        entries = allowlist_entries(document, stack=args.stack) if args.command == "write" else []
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as err:
        print(one_line(f"error: {where}: expected {READS[args.command]} JSON, got a JSON object of a shape Terraform "
                       f"never writes ({type(err).__name__}: {err})"), file=sys.stderr)
        return 1
    if args.command == "change":
        print("\n".join(lines))
        return 0
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
