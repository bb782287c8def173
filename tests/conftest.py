"""Shared fixtures: the repository on sys.path, cdktf temp folders under pytest's tmp."""

from __future__ import annotations

import copy
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parents[1]

# Property tests draw the same examples on every run, CI included (a failure is reproducible, a green run is
# not luck); HYPOTHESIS_PROFILE=explore draws fresh ones locally to look for new failures.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from constructs_lib.config import EnvironmentConfig, parse_environment  # noqa: E402

# The smallest valid environment; tests copy it and change what they test.
BASE: dict[str, Any] = {
    "project": "my-gcp-project",
    "region": "asia-northeast3",
    "state": {"bucket": "my-tfstate"},
    "network": {"subnet_cidr": "10.124.0.0/28"},
    "services": [{"name": "production", "image": "asia.gcr.io/my-gcp-project/app:1.0.0"}],
}


# Terraform resource types of the chain, as they appear in synthesized JSON.
SUBNET = "google_compute_subnetwork"
CONNECTOR = "google_vpc_access_connector"
ROUTER = "google_compute_router"
ADDRESS = "google_compute_address"
NAT = "google_compute_router_nat"
RUN = "google_cloud_run_v2_service"
API = "google_project_service"
IAM_MEMBER = "google_cloud_run_v2_service_iam_member"


def environment(stack: str = "test", **changes: Any) -> dict[str, Any]:
    """A copy of BASE with top-level keys replaced (a value of None removes the key)."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def config(stack: str = "test", **changes: Any) -> EnvironmentConfig:
    return parse_environment(environment(**changes), stack=stack, source=f"{stack}.toml")


def problems(**changes: Any) -> list[str]:
    """The problems, as printed, of an environment that must fail validation."""
    from constructs_lib.config import ConfigError

    with pytest.raises(ConfigError) as err:
        config(**changes)
    return [str(p) for p in err.value.problems]


def one_problem(**changes: Any) -> str:
    """The one problem of an environment that must fail validation for exactly one reason."""
    found = problems(**changes)
    assert len(found) == 1, found
    return found[0]


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child process running the app or the cdktf CLI: no outside calls, no banners."""
    env = dict(os.environ)
    env.update(CHECKPOINT_DISABLE="1", DISABLE_VERSION_CHECK="1", JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
               PIPENV_VENV_IN_PROJECT="1", PIPENV_VERBOSITY="-1")
    # A machine-wide TF_CLI_CONFIG_FILE pointing nowhere only adds warnings.
    if env.get("TF_CLI_CONFIG_FILE") and not Path(env["TF_CLI_CONFIG_FILE"]).exists():
        del env["TF_CLI_CONFIG_FILE"]
    env.update(extra)
    return env


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes, to show that nothing was written or removed."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def synth(cfg: EnvironmentConfig) -> dict[str, Any]:
    """Synthesize one EgressStack with cdktf's Testing API and parse the JSON."""
    from constructs_lib._provider.cdk import Testing
    from constructs_lib.stacks.egress_stack import EgressStack

    stack = EgressStack(Testing.app(), cfg.stack, config=cfg)
    return json.loads(Testing.synth(stack))


def resources(doc: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    """All resources of one type, by their logical name."""
    return doc.get("resource", {}).get(rtype, {})


def only(doc: dict[str, Any], rtype: str) -> dict[str, Any]:
    """The one resource of a type; fails when there are none or several."""
    found = resources(doc, rtype)
    assert len(found) == 1, f"expected one {rtype}, found {sorted(found)}"
    return next(iter(found.values()))


@pytest.fixture(autouse=True, scope="session")
def _cdktf_temp_under_pytest(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Testing.app() leaves folders under $TMPDIR: keep them in pytest's tmp."""
    path = tmp_path_factory.mktemp("cdktf")
    os.environ["TMPDIR"] = str(path)
    tempfile.tempdir = None


@pytest.fixture(autouse=True, scope="session")
def _rehearsals_start_with_the_session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                                        _cdktf_temp_under_pytest: None) -> None:
    """The rehearsal scenarios (test_rehearsal.py) mostly wait on the google provider's fixed pauses: when
    any of their tests is selected, start them at once, in background threads, beside the rest of the suite."""
    if any(item.module is not None and item.module.__name__ == "test_rehearsal" for item in request.session.items):
        import test_rehearsal

        test_rehearsal.start_scenarios(tmp_path_factory)


@dataclass(frozen=True)
class SynthesizedStack:
    """One environment file synthesized the way main.py does it.

    Attributes:
        config: the validated environment.
        directory: the stack's folder (``<outdir>/stacks/<stack>``), holding cdk.tf.json.
        doc: the parsed cdk.tf.json.
        resources: ``type.name`` of every resource construct in the stack's tree.
        data_sources: ``type.name`` of every data source construct.
        outputs: the name of every output construct.
    """

    config: EnvironmentConfig
    directory: Path
    doc: dict[str, Any]
    resources: frozenset[str]
    data_sources: frozenset[str]
    outputs: frozenset[str]


@pytest.fixture(scope="session")
def synthesized_environments(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthesizedStack]:
    """Every environments/*.toml synthesized once per test session, by stack name."""
    from constructs_lib.app import build_app, environment_files, load_stacks
    from constructs_lib._provider.cdk import TerraformDataSource, TerraformOutput, TerraformResource

    configs = load_stacks(environment_files(None, directory=ROOT / "environments"))
    outdir = tmp_path_factory.mktemp("environments-out")
    app = build_app(configs, outdir=str(outdir))
    app.synth()
    stacks = {}
    for cfg in configs:
        tree = app.node.find_child(cfg.stack).node.find_all()
        directory = outdir / "stacks" / cfg.stack
        stacks[cfg.stack] = SynthesizedStack(
            config=cfg,
            directory=directory,
            doc=json.loads((directory / "cdk.tf.json").read_text()),
            resources=frozenset(f"{c.terraform_resource_type}.{c.friendly_unique_id}" for c in tree
                                if isinstance(c, TerraformResource)),
            data_sources=frozenset(f"{c.terraform_resource_type}.{c.friendly_unique_id}" for c in tree
                                   if isinstance(c, TerraformDataSource)),
            outputs=frozenset(c.friendly_unique_id for c in tree if isinstance(c, TerraformOutput)),
        )
    return stacks


def environment_stacks() -> list[str]:
    """The stack names of environments/*.toml, for parametrizing (no synth, no validation)."""
    return [p.stem for p in sorted((ROOT / "environments").glob("*.toml"))]
