"""What `make scan` gives checkov: each synthesized stack's JSON without its ``import`` blocks.

checkov's Terraform JSON parser (tools/checkov.txt's version) reads every top-level block as named objects
and fails on ``import`` (``[{"to": …, "id": …}]``: "this method receives only dicts"); it then logs the
error and scans nothing of that file, so a stack that imports ([adopt], or the NAT's IPs while addresses
drain) would pass unscanned. An import block changes no setting a check looks at, so the copies leave
them out and keep everything else as synthesized.

Usage: ``python -m constructs_lib.app.scan_input OUTDIR DEST`` writes the copies and prints checkov's ``-d DEST``
(one folder: checkov prints one JSON document per ``-d``).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

from ..facts.text import one_line
from ..report.output_file import OutputFileError, manifest_stacks, own_folder, synthesized_json

__all__ = ["scan_copies"]

_COPY = "cdk.tf.json"


def scan_copies(outdir: Path, dest: Path) -> list[Path]:
    """Copy each stack of the last synth into ``outdir`` to ``dest/<stack>/cdk.tf.json`` without ``import`` blocks.

    Returns:
        The stacks' folders in ``dest``, in stack order (none when ``outdir`` holds no synth).

    Raises:
        OutputFileError: ``dest`` is something else than a folder (a file, a link, a pipe), or a file of the synth
            is not as synth wrote it (``manifest_stacks``, ``synthesized_json``): nothing is deleted.
    """
    try:
        stacks = manifest_stacks(outdir)
    except FileNotFoundError:
        stacks = {}  # no synth: nothing to scan (make scan says so)
    # Every stack read before the old copies are deleted: one that synth did not write as it is stops the scan.
    docs = {stack: synthesized_json(path) for stack, path in stacks.items()}
    if own_folder(dest).exists():
        _only_copies(dest)
        shutil.rmtree(dest)
    folders = []
    for stack, doc in docs.items():
        doc.pop("import", None)
        folder = dest / stack
        folder.mkdir(parents=True)
        (folder / _COPY).write_text(json.dumps(doc, indent=2), encoding="utf-8")
        folders.append(folder)
    return folders


def _only_copies(dest: Path) -> None:
    """That ``dest`` holds only what ``scan_copies`` writes (a folder per stack holding its cdk.tf.json), so
    that deleting it deletes nothing else: the output folder may be a user's own (``CDKTF_OUTDIR=.``), and so may
    a ``scan/`` in it.

    Raises:
        OutputFileError: naming what else is there, or what cannot be listed; nothing is deleted.
    """
    try:
        for entry in sorted(dest.iterdir()):
            if not stat.S_ISDIR(os.lstat(entry).st_mode):
                _not_copies(dest, entry.name)
            for inner in sorted(entry.iterdir()):
                if inner.name != _COPY or not stat.S_ISREG(os.lstat(inner).st_mode):
                    _not_copies(dest, f"{entry.name}/{inner.name}")
    except OutputFileError:
        raise
    except OSError as err:
        raise OutputFileError(f"{dest}: expected a folder make scan may list and delete, got "
                              f"{err.strerror or err} ({err.filename})") from None


def _not_copies(dest: Path, what: str) -> None:
    raise OutputFileError(f"{dest}: expected the copies make scan wrote (a folder per stack holding its {_COPY}), "
                          f"or nothing, got {what}: choose another output folder (CDKTF_OUTDIR), or move {what}")


def main(argv: list[str]) -> int:
    outdir, dest = (Path(a) for a in argv)
    try:
        print(f"-d {dest}" if scan_copies(outdir, dest) else "")
    except OutputFileError as problem:
        print(one_line(f"error: make scan: {problem}"), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
