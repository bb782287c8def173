"""The report's "Adoption" section: what the first deploy imports instead of creating (``[adopt]``).

An ``[adopt]`` stack carries Terraform ``import`` blocks (``{"to": "<type>.<name>", "id": "<import ID>"}``): the
first deploy takes those resources, which exist already, into the state, and creates nothing in their place; an
import of a resource already in the state does nothing. Read from the JSON's ``import`` list, like every section.
"""

from __future__ import annotations

from ..facts.resources import ADDRESS
from ..policies.document import StackDocument
from .markdown import code, table

__all__ = ["adoption_section", "imported"]


def imported(doc: StackDocument) -> dict[str, str]:
    """Terraform address (``type.name``) → import ID, of every import block of the stack."""
    found = {}
    for block in doc.doc.get("import", []) or []:
        if isinstance(block, dict) and isinstance(block.get("to"), str):
            found[block["to"]] = str(block.get("id", ""))
    return found


def _described(doc: StackDocument, address: str) -> str:
    """What an import block's target is: its type and its GCP name (``google_compute_address`` ``egress-ip``)."""
    rtype, _, name = address.partition(".")
    body = doc.doc.get("resource", {}).get(rtype, {}).get(name, {})
    shown = body.get("name") or body.get("service")
    return f"{code(rtype)} {code(shown)}" if shown else code(rtype)


def adoption_section(doc: StackDocument) -> list[str]:
    """The resources the first deploy imports, by type, name and import ID; nothing for a stack without any."""
    imports = imported(doc)
    if not imports:
        return []
    addresses = [a for a in imports if a.startswith(f"{ADDRESS}.")]
    lines = ["## Adoption", "",
             f"The first deploy imports {len(imports)} existing resource{'s' if len(imports) != 1 else ''} "
             "(`[adopt]`) instead of creating them: Terraform takes each into the state as it is, then applies "
             "the file's settings to it. Once imported, an import block does nothing.", ""]
    if addresses:
        lines += [f"{len(addresses)} of them {'are' if len(addresses) != 1 else 'is an'} IP "
                  f"address{'es' if len(addresses) != 1 else ''} that exist{'s' if len(addresses) == 1 else ''} "
                  "already: the IPs partners allowlist today, kept, not new ones.", ""]
    lines += [*table(("resource", "import ID"), [(_described(doc, a), code(i)) for a, i in sorted(imports.items())]),
              ""]
    return lines


def source_of(doc: StackDocument, address: str) -> str:
    """Where an address of the stack comes from, for the IP pool: imported, or reserved by this stack."""
    if address in imported(doc):
        return "existing, imported by the first deploy"
    return "reserved by this stack"
