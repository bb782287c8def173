"""How the rules show values and services in their details."""

from __future__ import annotations

import json

from ..document import Resource


def quoted(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else "nothing"


def service_label(service: Resource) -> str:
    return f'service "{service.get("name")}"'
