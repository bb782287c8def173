"""How a rehearsal paces Terraform and the google provider: the batch pause it shortens, the collector it turns off.

The provider batches the Service Usage calls of ``google_project_service`` (the enables, and the lists every
refresh makes) and sends each batch ``send_after`` after its first request: 3 s unless the provider block says
otherwise (``transport/config.go``, ``DefaultBatchSendIntervalSec``; the ``batching`` block, ``provider/provider.go``).
Against Google Cloud that pause saves quota; against the local API it is the longest wait there is: 3 s of every
plan and 9 s of a first apply (a list, the enables, a list again), with no core busy. Measured on 2026-12-02:
a plan of the example 4.4 s, of which 3.0 s waited on the batch; an apply 16.5 s, 9.0 s of it (TF_LOG=DEBUG,
"Added batch request" → "Sending batch").

A rehearsal keeps batching on, as the product's stacks have it, so the requests Terraform makes at once still go
as one batch; it only sends the batch sooner. It does so with a Terraform override file beside the synthesized
``cdk.tf.json`` in the rehearsal's own folder (never ``cdktf.out``), so the synthesized stack, the one a user
deploys, is the same byte for byte. The provider's other fixed pause, 5 s after a connector is created
(``resource_vpc_access_connector.go``, ``time.Sleep``), is in its code and stays.

Terraform and the provider are Go programs that live for one command, and spend a share of it collecting garbage
they would free by exiting: the provider's schema (about 1,400 resource types) is built, sent and decoded at every
start. A rehearsal runs them with the collector off up to a memory limit (``GO_RUNTIME``), which changes when memory
is freed, never what either program does. Measured on 2026-12-03 on the 2-core machine, the ``pool`` scenario
(6 steps, 38 Terraform commands, 60 provider starts): 38.1 s of CPU with Go's defaults, 34.2 s with ``GOGC=400``,
30.0 s with the collector off; the largest process grew from 176 MB to 269 MB, far below the limit. A user's own
``GOGC`` or ``GOMEMLIMIT`` is kept.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from pathlib import Path

# Long enough for the calls one graph walk makes at once to share a batch, short enough not to be waited on.
SEND_AFTER = "100ms"
OVERRIDE_FILE = "rehearsal_override.tf.json"

# The Go runtime's collector off until a process holds 1 GiB: Terraform's and the provider's commands end long before.
GO_RUNTIME = {"GOGC": "off", "GOMEMLIMIT": "1GiB"}


def go_runtime(env: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """``env`` with ``GO_RUNTIME`` added where it does not set the variable itself; returns it."""
    for name, value in GO_RUNTIME.items():
        env.setdefault(name, value)
    return env


def prepare(stack_dir: Path) -> Path:
    """The stack's folder, created if need be, with the override that shortens the batch pause; returns it.

    Every stack the product synthesizes has exactly one google provider block, without an alias."""
    stack_dir.mkdir(parents=True, exist_ok=True)
    override = {"provider": {"google": {"batching": {"send_after": SEND_AFTER}}}}
    (stack_dir / OVERRIDE_FILE).write_text(json.dumps(override, indent=2) + "\n", encoding="utf-8")
    return stack_dir
