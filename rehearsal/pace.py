"""The one pause of the google provider a rehearsal shortens: how long it holds a batch before sending it.

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
"""

from __future__ import annotations

import json
from pathlib import Path

# Long enough for the calls one graph walk makes at once to share a batch, short enough not to be waited on.
SEND_AFTER = "100ms"
OVERRIDE_FILE = "rehearsal_override.tf.json"


def prepare(stack_dir: Path) -> Path:
    """The stack's folder, created if need be, with the override that shortens the batch pause; returns it.

    Every stack the product synthesizes has exactly one google provider block, without an alias."""
    stack_dir.mkdir(parents=True, exist_ok=True)
    override = {"provider": {"google": {"batching": {"send_after": SEND_AFTER}}}}
    (stack_dir / OVERRIDE_FILE).write_text(json.dumps(override, indent=2) + "\n", encoding="utf-8")
    return stack_dir
