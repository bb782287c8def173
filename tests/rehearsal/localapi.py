"""Calling the local GCP API over HTTP, as the provider does, from a test (no proxy of the machine's)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from rehearsal.localgcp import LocalGcp

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# The project the ``gcp`` fixture (conftest.py) seeds, with a network named "net".
PROJECT = "my-gcp-project"


def call(gcp: LocalGcp, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    """``method`` on ``path`` (below the server, ``/compute/v1/…``); the status and the JSON reply."""
    request = urllib.request.Request(gcp.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
    try:
        with _OPENER.open(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def ok(gcp: LocalGcp, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    status, reply = call(gcp, method, path, body)
    assert status == 200, (status, reply)
    return reply


def poll(gcp: LocalGcp, operation: dict[str, Any], api: str = "") -> dict[str, Any]:
    """GET of an operation, as each API's waiter polls it: Compute by its selfLink, the others by
    ``api`` (``/run/v2/``, ``/vpcaccess/v1/``, ``/serviceusage/v1/``) and the operation's name."""
    if operation.get("kind") == "compute#operation":
        return ok(gcp, "GET", "/compute/v1/" + operation["selfLink"].split("/compute/v1/", 1)[1])
    return ok(gcp, "GET", api + operation["name"])
