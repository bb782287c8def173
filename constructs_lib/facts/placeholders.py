"""The placeholders of the shipped example (environments/example.toml, environments/bootstrap/state-bucket.toml).

A file copied from the example and not yet edited holds them; ``make diff`` and ``make deploy`` refuse such a
file (``app/preflight.py``), ``make synth`` does not (the example must synthesize as shipped). A test holds the
shipped files to these values.
"""

from __future__ import annotations

import re

__all__ = ["PLACEHOLDER_BUCKET", "PLACEHOLDER_PROJECT", "holds_placeholder"]

PLACEHOLDER_PROJECT = "my-gcp-project"
PLACEHOLDER_BUCKET = "my-gcp-project-tfstate"
# The project id as a whole word of a value: "asia.gcr.io/my-gcp-project/app:1.0.0", "projects/my-gcp-project/...".
_PROJECT_WORD = re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(PLACEHOLDER_PROJECT)}(?![A-Za-z0-9_-])")


def holds_placeholder(value: str) -> str | None:
    """The placeholder a string value holds (the bucket, or the project id as a whole word), else None."""
    if value == PLACEHOLDER_BUCKET:
        return PLACEHOLDER_BUCKET
    if _PROJECT_WORD.search(value):
        return PLACEHOLDER_PROJECT
    return None
