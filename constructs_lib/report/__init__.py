"""REVIEW.md beside each synthesized stack, read from the synthesized JSON only (``make report``).

Layer: imports ``facts`` and ``policies`` (the document and the rules), never cdktf.
Usage: ``python -m constructs_lib.report [OUTDIR]``.
"""

from .review import REPORT_NAME, main, render, write_reports

__all__ = ["REPORT_NAME", "main", "render", "write_reports"]
