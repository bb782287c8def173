"""The bootstrap file model: the one stack that creates the GCS bucket holding every other stack's state.

A bootstrap file is a TOML file whose only table is ``[bootstrap]``; like an
environment file, its stem is the stack name. It lives in
``environments/bootstrap/`` so that main.py, which synthesizes every
``environments/*.toml`` as an egress stack, picks it up deliberately and
separately. Validation reports every problem at once in the same format as
the environment files (file, key, expected, given).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..facts.gcp import (BUCKET_MULTI_REGIONS, STATE_BUCKET_NONCURRENT_VERSIONS, closest_bucket_locations,
                          is_bucket_location)
from .model import ENVIRONMENT_KEYS
from .names import GCS_BUCKET, PROJECT_EXPECTED, check_bucket_name, is_project
from .reader import ConfigError, Reader, read_toml

__all__ = ["BootstrapConfig", "is_bootstrap_document", "load_bootstrap", "parse_bootstrap"]

BUCKET_LOCATION_EXPECTED = (f'a bucket location: a region such as "ASIA-NORTHEAST3", a multi-region '
                            f"({', '.join(BUCKET_MULTI_REGIONS)}) or a dual-region such as \"NAM4\" (Cloud "
                            'Storage, "Bucket locations")')
MAX_NONCURRENT_VERSIONS = 1000
_BOOTSTRAP_KEYS = ("project", "bucket", "location", "noncurrent_versions")


@dataclass(frozen=True, kw_only=True)
class BootstrapConfig:
    """One bootstrap file, validated.

    Attributes:
        stack: the stack name (the file stem).
        source: the file, for messages.
        project: the project that owns the state bucket.
        bucket: the state bucket's name (what environments put in ``state.bucket``).
        location: the bucket's location, upper case (``ASIA-NORTHEAST3``, ``EU``).
        noncurrent_versions: older versions of each state object kept besides the
            live one; 10 when left out. Older ones are deleted by a lifecycle rule.
    """

    stack: str
    source: str
    project: str
    bucket: str
    location: str
    noncurrent_versions: int = STATE_BUCKET_NONCURRENT_VERSIONS


def is_bootstrap_document(data: Mapping[str, Any]) -> bool:
    """Whether parsed TOML is a bootstrap file (it has a ``[bootstrap]`` table) rather than an environment."""
    return "bootstrap" in data


def parse_bootstrap(data: Mapping[str, Any], *, stack: str, source: str) -> BootstrapConfig:
    """Validate a parsed bootstrap file.

    Raises:
        ConfigError: listing every problem found.
    """
    r = Reader(source)
    r.stack_name(stack)
    r.token_markers(data)
    mixed = [key for key in data if key in ENVIRONMENT_KEYS]
    if mixed:
        # A whole environment beside a stray [bootstrap] table: one problem that says so, not one per key.
        shown = ", ".join(mixed[:3]) + (f" and {len(mixed) - 3} more" if len(mixed) > 3 else "")
        r.shown("bootstrap", "a file of its own: a file with a [bootstrap] table is a bootstrap file, which holds "
                "nothing else (environments/bootstrap/); an environment file has no [bootstrap] table",
                f"[bootstrap] beside an environment's keys ({shown})")
    r.table({k: v for k, v in data.items() if k not in mixed}, "", ("bootstrap",))
    table = r.sub_table(data, "bootstrap")
    r.table(table, "bootstrap", _BOOTSTRAP_KEYS)
    project = r.get(table, "bootstrap", "project", str, check=is_project, expected=PROJECT_EXPECTED)
    bucket = r.get(table, "bootstrap", "bucket", str, check=lambda v: bool(GCS_BUCKET.fullmatch(v)),
                   expected="a GCS bucket name (3-222 characters: lowercase letters, digits, -, _ and .)")
    check_bucket_name(r, "bootstrap.bucket", bucket)
    location = r.get(table, "bootstrap", "location", str, expected=BUCKET_LOCATION_EXPECTED)
    if location is not None and not is_bucket_location(location):
        closest = closest_bucket_locations(location)
        near = f"; the closest are {', '.join(closest)}" if closest else ""
        r.problem("bootstrap.location", f"{BUCKET_LOCATION_EXPECTED}{near}", location)
        location = None
    kept = r.get(table, "bootstrap", "noncurrent_versions", int, default=STATE_BUCKET_NONCURRENT_VERSIONS,
                 check=lambda v: 1 <= v <= MAX_NONCURRENT_VERSIONS,
                 expected=f"an integer from 1 to {MAX_NONCURRENT_VERSIONS}")
    if r.problems:
        raise ConfigError(r.problems)
    return BootstrapConfig(stack=stack, source=source, project=project, bucket=bucket, location=location.upper(),
                           noncurrent_versions=kept)


def load_bootstrap(path: str | Path) -> BootstrapConfig:
    """Read and validate one bootstrap file.

    Raises:
        ConfigError: the file cannot be read, is not valid TOML, or breaks any rule.
    """
    path = Path(path)
    return parse_bootstrap(read_toml(path), stack=path.stem, source=str(path))
