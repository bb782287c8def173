"""The ``[state]`` table: where Terraform keeps the stack's state (GCS, a local file or Terraform Cloud)."""

from __future__ import annotations

from typing import Any, Mapping

from ..facts.gcp import MAX_STATE_PREFIX
from .model import StateConfig
from .names import (
    GCS_BUCKET,
    HOSTNAME_EXPECTED,
    STATE_BACKENDS,
    STATE_PREFIX,
    STATE_PREFIX_EXPECTED,
    TFC_HOSTNAME,
    TFC_ORGANIZATION,
    TFC_TAG,
    TFC_WORKSPACE,
    check_bucket_name,
    is_hostname,
)
from .reader import Reader

__all__ = ["parse_state"]

_STATE_KEYS = ("bucket", "prefix", "backend", "organization", "workspace", "workspace_tags", "hostname")
_CLOUD_STATE_KEYS = ("organization", "workspace", "workspace_tags", "hostname")


def parse_state(r: Reader, data: Mapping[str, Any], *, stack: str) -> StateConfig:
    """The ``[state]`` table; the gcs prefix defaults to ``cloud-run-egress/<stack>``."""
    state_data = r.sub_table(data, "state")
    r.table(state_data, "state", _STATE_KEYS)
    backend = r.get(state_data, "state", "backend", str, default="gcs", check=lambda v: v in STATE_BACKENDS,
                    expected=f"one of {', '.join(repr(b) for b in STATE_BACKENDS)}")
    if "backend" in state_data and state_data["backend"] not in STATE_BACKENDS:
        # A backend refused above: which keys it takes is unknown, so none is reported missing or out of place
        # (a stand-in "gcs" would ask for a bucket the file never meant to give).
        return StateConfig(backend="gcs", bucket=None, prefix="")
    bucket = None
    if backend == "gcs":
        bucket = r.get(state_data, "state", "bucket", str, check=lambda v: bool(GCS_BUCKET.fullmatch(v)),
                       expected="a GCS bucket name (required with the gcs backend)")
        check_bucket_name(r, "state.bucket", bucket)
    elif "bucket" in state_data:
        r.problem("state.bucket", f'no bucket with backend = "{backend}"', state_data["bucket"])
    prefix = None
    if backend == "gcs":
        prefix = r.get(state_data, "state", "prefix", str, default=f"cloud-run-egress/{stack}",
                       check=lambda v: len(v) <= MAX_STATE_PREFIX and bool(STATE_PREFIX.fullmatch(v)),
                       expected=STATE_PREFIX_EXPECTED)
    elif backend == "local" and "prefix" in state_data:
        r.problem("state.prefix", 'no prefix with backend = "local" (the state is a file next to the '
                  "synthesized stack)", state_data["prefix"])
    state = StateConfig(backend=backend or "gcs", bucket=bucket, prefix=(prefix or "").rstrip("/"))
    if backend == "cloud":
        state = _parse_cloud_state(r, state_data)
    else:
        for key in _CLOUD_STATE_KEYS:
            if key in state_data:
                r.problem(f"state.{key}", f'no {key} with backend = "{backend}" (only with backend = "cloud")',
                          state_data[key])
    return state


def _parse_cloud_state(r: Reader, state_data: Mapping[str, Any]) -> StateConfig:
    """The ``[state]`` table with ``backend = "cloud"``: organization, one workspace or tags, host."""
    if "prefix" in state_data:
        r.problem("state.prefix", 'no prefix with backend = "cloud" (the state lives in the Terraform Cloud '
                  "workspace)", state_data["prefix"])
    organization = r.get(state_data, "state", "organization", str, check=lambda v: bool(TFC_ORGANIZATION.fullmatch(v)),
                         expected="a Terraform Cloud organization name (letters, digits, - and _), required with "
                                  'backend = "cloud"')
    workspace = r.get(state_data, "state", "workspace", str, default=None, check=lambda v: bool(TFC_WORKSPACE.fullmatch(v)),
                      expected="a Terraform Cloud workspace name (letters, digits, - and _, at most 90 characters)")
    tags = r.get(state_data, "state", "workspace_tags", list, default=None, check=bool,
                 expected="a non-empty list of workspace tags")
    seen: dict[str, int] = {}
    for i, tag in enumerate(tags or ()):
        if not isinstance(tag, str) or not TFC_TAG.fullmatch(tag):
            r.problem(f"state.workspace_tags[{i}]",
                      "a workspace tag (letters, digits, :, - and _, at most 255 characters)", tag)
        elif tag in seen:
            # ["a", "a", "b"] selects what ["a", "b"] does: the state compared across files must be one set.
            r.problem(f"state.workspace_tags[{i}]", f"a tag not already at state.workspace_tags[{seen[tag]}]", tag)
        else:
            seen[tag] = i
    given = [key for key in ("workspace", "workspace_tags") if key in state_data]
    if len(given) != 1:
        r.shown("state.workspace", 'exactly one of state.workspace (one workspace by name) or state.workspace_tags '
                '(workspaces by tag) with backend = "cloud"',
                "both" if len(given) == 2 else "neither (both keys are missing)")
    hostname = r.get(state_data, "state", "hostname", str, default=TFC_HOSTNAME,
                     check=is_hostname,
                     expected=f'the host name of Terraform Cloud ("{TFC_HOSTNAME}") or of your Terraform Enterprise '
                              f"({HOSTNAME_EXPECTED})")
    return StateConfig(backend="cloud", organization=organization, workspace=workspace,
                       workspace_tags=tuple(tags or ()), hostname=hostname)

