"""An executable Python script a test writes (a fake Terraform, a command that hangs), started as the project's
own wrapper is: a plain shebang, or /bin/sh starting the interpreter where its path has a space
(tools/shebang.sh), since a shebang ends at the first space."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT


def python_script(path: Path, body: str, python: str = sys.executable) -> Path:
    """``path``, holding ``body`` run by ``python`` (in isolated mode, -I), executable."""
    header = subprocess.run([str(ROOT / "tools" / "shebang.sh"), python], capture_output=True, text=True,
                            check=True).stdout
    path.write_text(header + body, encoding="utf-8")
    path.chmod(0o755)
    return path
