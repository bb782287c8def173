"""With the real Terraform and the project's mirror: a stack whose ``.terraform/providers`` link no longer resolves
(what Terraform's scan reported twice in whole-suite runs, rehearsal/provider_scan.py) is mended by the rehearsal's
one more run after init, and the rehearsal says what the folder held."""

from __future__ import annotations

import json
import os

import pytest

from rehearsal.driver import Rehearsal
from rehearsal.provider_scan import PROVIDERS

pytestmark = pytest.mark.integration

STACK = {
    "terraform": {"required_providers": {"google": {"source": "hashicorp/google", "version": "6.50.0"}}},
    "output": {"kept": {"value": "yes"}},
}


def test_a_command_whose_provider_link_broke_is_run_again_after_init(tmp_path):
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "main.tf.json").write_text(json.dumps(STACK), encoding="utf-8")
    said: list[str] = []
    with Rehearsal(tmp_path / "rehearsal", say=said.append) as rehearsal:
        rehearsal.init(stack)
        rehearsal.apply(stack)
        (package,) = (stack / PROVIDERS).glob("*/*/*/*/*")
        cached = os.readlink(package)  # the rehearsal's plugin cache, itself a link to the mirror
        os.unlink(cached)

        assert rehearsal.outputs(stack) == {"kept": "yes"}

    assert len(said) == 1, said
    assert said[0].startswith(f"`terraform output` found no google provider in {stack / PROVIDERS} (")
    assert f"-> {cached}: does not resolve (No such file or directory)" in said[0]
    assert os.path.exists(package)  # init linked it again
