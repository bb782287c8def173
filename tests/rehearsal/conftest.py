"""Fixtures only: a local GCP API with one project and its network, for the tests of the API itself."""

from __future__ import annotations

import pytest

from rehearsal.localgcp import LocalGcp
from rehearsal.localgcp.apis import GATED_APIS
from tests.rehearsal.localapi import PROJECT


@pytest.fixture
def gcp():
    """The local GCP API, started on 127.0.0.1 and stopped after the test, with ``PROJECT`` (every API enabled)
    and its network "net"."""
    with LocalGcp() as local:
        local.add_project(PROJECT, enabled=GATED_APIS)
        local.compute.add_network(PROJECT, "net")
        yield local
