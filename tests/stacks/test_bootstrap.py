"""The bootstrap stack: the state bucket, its file format, and how main.py finds it."""

from __future__ import annotations

import io
import json
import tomllib
from typing import Any

import pytest

from constructs_lib.app import bootstrap_files, build_app, load_stacks, run
from constructs_lib.config.bootstrap import BootstrapConfig, parse_bootstrap
from constructs_lib.config import ConfigError
from constructs_lib.facts.resources import BUCKET
from tests.support.paths import EXAMPLE, FIXTURE_BOOTSTRAP, ROOT, SHIPPED_BOOTSTRAP

# The tests' own bootstrap file; the shipped one is read only by the tests about the shipped files.
BOOTSTRAP = FIXTURE_BOOTSTRAP


def bootstrap(**fields: Any) -> BootstrapConfig:
    table = {"project": "my-gcp-project", "bucket": "my-tfstate", "location": "asia-northeast3", **fields}
    return parse_bootstrap({"bootstrap": {k: v for k, v in table.items() if v is not None}}, stack="state",
                           source="state.toml")


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse_bootstrap(data, stack="state", source="state.toml")
    return [str(p) for p in err.value.problems]


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    from constructs_lib.stacks.bootstrap_stack import BootstrapStack
    from constructs_lib._provider.cdk import Testing

    return json.loads(Testing.synth(BootstrapStack(Testing.app(), "state", config=bootstrap(),
                                                   state_path="../../../environments/bootstrap/state.tfstate")))


def test_defaults_keep_ten_noncurrent_versions_and_upper_case_the_location():
    cfg = bootstrap()
    assert (cfg.stack, cfg.location, cfg.noncurrent_versions) == ("state", "ASIA-NORTHEAST3", 10)


def test_fails_with_every_problem_in_the_documented_format():
    assert problems({"bootstrap": {"project": "X", "location": "asia northeast3", "noncurrent_versions": 0}}) == [
        "state.toml: bootstrap.project: expected a GCP project id (6-30 characters: lowercase letters, digits and "
        'hyphens, starting with a letter), got "X"',
        "state.toml: bootstrap.bucket: expected a GCS bucket name (3-222 characters: lowercase letters, digits, -, _ "
        "and .), got nothing (the key is missing)",
        'state.toml: bootstrap.location: expected a bucket location: a region such as "ASIA-NORTHEAST3", a '
        'multi-region (ASIA, EU, US) or a dual-region such as "NAM4" (Cloud Storage, "Bucket locations"); the '
        'closest are ASIA-NORTHEAST3, ASIA-NORTHEAST2, ASIA-NORTHEAST1, got "asia northeast3"',
        "state.toml: bootstrap.noncurrent_versions: expected an integer from 1 to 1000, got 0",
    ]


@pytest.mark.parametrize("location", ["ASIA-NORTHEAST3", "us-central1", "EU", "us", "ASIA", "NAM4", "eur4", "ASIA1",
                                      "EUR8"])
def test_a_region_a_multi_region_or_a_dual_region_is_a_bucket_location(location):
    assert bootstrap(location=location).location == location.upper()


@pytest.mark.parametrize("location, closest", [
    ("nowhere", ""),
    ("EUROPE-WEST", "; the closest are EUROPE-WEST9, EUROPE-WEST8, EUROPE-WEST6"),
    ("us-central1-a", "; the closest are US-CENTRAL1, ME-CENTRAL1, ME-CENTRAL2"),  # a zone: Rapid buckets only
    ("europe-west5", "; the closest are EUROPE-WEST9, EUROPE-WEST8, EUROPE-WEST6"),  # no such region
    ("EUROPE", "; the closest are EUROPE-WEST9, EUROPE-WEST8, EUROPE-WEST6"),
    ("", ""),
    ("NAM9", "; the closest are NAM4"),  # shaped like a dual-region, but none Google has
    ("EUR6", "; the closest are EUR8, EUR7, EUR5"),
])
def test_a_location_cloud_storage_does_not_have_is_refused_before_the_deploy(location, closest):
    assert problems({"bootstrap": {"project": "my-gcp-project", "bucket": "b-1", "location": location}}) == [
        'state.toml: bootstrap.location: expected a bucket location: a region such as "ASIA-NORTHEAST3", a '
        'multi-region (ASIA, EU, US) or a dual-region such as "NAM4" (Cloud Storage, "Bucket locations")'
        f'{closest}, got "{location}"']


def test_fails_on_keys_outside_the_bootstrap_table():
    assert problems({"bootstrap": {"project": "my-gcp-project", "bucket": "b-1", "location": "EU"},
                     "colour": "x"}) == [
        "state.toml: colour: expected one of the known keys (bootstrap), got an unknown key"]


MIXED = ("state.toml: bootstrap: expected a file of its own: a file with a [bootstrap] table is a bootstrap file, "
         "which holds nothing else (environments/bootstrap/); an environment file has no [bootstrap] table, got "
         "[bootstrap] beside an environment's keys ")


def test_an_environment_with_a_stray_bootstrap_table_is_one_problem_that_says_so():
    table = {"project": "my-gcp-project", "bucket": "b-1", "location": "EU"}
    assert problems({"bootstrap": table, "region": "x"}) == [MIXED + "(region)"]
    environment = {"project": "p", "region": "r", "name": "n", "state": {}, "services": [], "colour": 1}
    assert problems({**environment, "bootstrap": {**table, "bucket": "goog-x"}}) == [
        MIXED + "(project, region, name and 2 more)",
        "state.toml: colour: expected one of the known keys (bootstrap), got an unknown key",
        'state.toml: bootstrap.bucket: expected a GCS bucket name not starting with "goog" and not holding "google" or '
        'a close misspelling of it such as "g00gle" (Cloud Storage bucket naming), got "goog-x"']


def test_bucket_keeps_history_and_is_never_public(doc):
    (bucket,) = doc["resource"][BUCKET].values()
    assert {k: v for k, v in bucket.items() if k != "depends_on"} == {
        "name": "my-tfstate",
        "project": "my-gcp-project",
        "location": "ASIA-NORTHEAST3",
        "versioning": {"enabled": True},
        "uniform_bucket_level_access": True,
        "public_access_prevention": "enforced",
        "force_destroy": False,
        "lifecycle_rule": [{"action": {"type": "Delete"},
                            "condition": {"num_newer_versions": 11, "with_state": "ARCHIVED"}}],
        "lifecycle": {"prevent_destroy": True},
    }


def test_bootstrap_keeps_its_own_state_in_the_local_file_it_is_given(doc):
    assert doc["terraform"]["backend"] == {"local": {"path": "../../../environments/bootstrap/state.tfstate"}}


def test_the_app_keeps_the_bootstrap_state_beside_the_bootstrap_file_outside_the_output_folder(tmp_path):
    out = tmp_path / "out"
    assert run(str(BOOTSTRAP), stderr=io.StringIO(), outdir=str(out)) == 0
    folder = out / "stacks" / "state-bucket"
    path = json.loads((folder / "cdk.tf.json").read_text())["terraform"]["backend"]["local"]["path"]
    assert (folder / path).resolve() == BOOTSTRAP.with_suffix(".tfstate").resolve()


def test_state_left_in_the_output_folder_by_earlier_versions_is_moved_beside_the_file(tmp_path):
    folder = tmp_path / "env"
    folder.mkdir()
    source = folder / "state-bucket.toml"
    source.write_text(BOOTSTRAP.read_text())
    legacy = tmp_path / "out" / "stacks" / "state-bucket" / "terraform.state-bucket.tfstate"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b'{"serial": 7}')
    stderr = io.StringIO()
    assert run(str(source), stderr=stderr, outdir=str(tmp_path / "out")) == 0
    assert (folder / "state-bucket.tfstate").read_bytes() == b'{"serial": 7}'
    assert not legacy.exists()
    assert stderr.getvalue().startswith(f"note: moved {legacy} to {folder / 'state-bucket.tfstate'}")


def test_state_in_both_places_stops_the_synth_and_moves_nothing(tmp_path):
    folder = tmp_path / "env"
    folder.mkdir()
    source = folder / "state-bucket.toml"
    source.write_text(BOOTSTRAP.read_text())
    (folder / "state-bucket.tfstate").write_bytes(b"new")
    legacy = tmp_path / "out" / "stacks" / "state-bucket" / "terraform.state-bucket.tfstate"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"old")
    stderr = io.StringIO()
    assert run(str(source), stderr=stderr, outdir=str(tmp_path / "out")) == 1
    assert "(state): expected one local state file for stack state-bucket" in stderr.getvalue()
    assert legacy.read_bytes() == b"old" and (folder / "state-bucket.tfstate").read_bytes() == b"new"


def test_bootstrap_outputs_the_bucket_name(doc):
    (bucket,) = doc["resource"][BUCKET]
    assert doc["output"]["state_bucket"]["value"] == f"${{{BUCKET}.{bucket}.name}}"


def test_storage_api_is_enabled_first_and_never_disabled(doc):
    (bucket,) = doc["resource"][BUCKET].values()
    assert doc["resource"]["google_project_service"]["Api-storage"] == {
        "project": "my-gcp-project", "service": "storage.googleapis.com", "disable_on_destroy": False,
        "disable_dependent_services": False}
    assert bucket["depends_on"] == ["google_project_service.Api-storage"]


def test_the_bootstrap_file_creates_the_example_environments_state_bucket(tmp_path):
    # What each file says, read from the files themselves, and the bucket the bootstrap stack creates.
    stated = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["state"]["bucket"]
    assert tomllib.loads(SHIPPED_BOOTSTRAP.read_text(encoding="utf-8"))["bootstrap"]["bucket"] == stated
    build_app(load_stacks([SHIPPED_BOOTSTRAP]), outdir=str(tmp_path)).synth()
    created = json.loads((tmp_path / "stacks" / SHIPPED_BOOTSTRAP.stem / "cdk.tf.json").read_text())
    assert [r["name"] for r in created["resource"][BUCKET].values()] == [stated]


def test_bootstrap_files_live_apart_from_environments():
    assert SHIPPED_BOOTSTRAP in bootstrap_files(ROOT / "environments" / "bootstrap")
    assert SHIPPED_BOOTSTRAP not in sorted((ROOT / "environments").glob("*.toml"))


def test_a_file_with_a_bootstrap_table_is_loaded_as_a_bootstrap_file():
    (cfg,) = load_stacks([BOOTSTRAP])
    assert isinstance(cfg, BootstrapConfig)
    assert cfg.stack == "state-bucket"


def test_two_files_with_one_stack_name_are_rejected(tmp_path):
    other = tmp_path / "state-bucket.toml"
    other.write_text(BOOTSTRAP.read_text().replace("my-gcp-project-tfstate", "another-tfstate"))
    with pytest.raises(ConfigError) as err:
        load_stacks([BOOTSTRAP, other])
    # On both files, each naming the other: whichever is built alone is stopped.
    assert [str(p) for p in err.value.problems] == [
        f'{other}: (file name): expected a stack name not used by {BOOTSTRAP}, got "state-bucket"',
        f'{BOOTSTRAP}: (file name): expected a stack name not used by {other}, got "state-bucket"']


def test_two_bootstrap_files_may_not_create_one_bucket(tmp_path):
    other = tmp_path / "second-bucket.toml"
    other.write_text(BOOTSTRAP.read_text())
    with pytest.raises(ConfigError) as err:
        load_stacks([BOOTSTRAP, other])
    expected = ("a bucket not created by {} (two stacks would create, and destroy, the same bucket), "
                'got "my-gcp-project-tfstate"')
    assert [str(p) for p in err.value.problems] == [
        f"{other}: bootstrap.bucket: expected {expected.format(BOOTSTRAP)}",
        f"{BOOTSTRAP}: bootstrap.bucket: expected {expected.format(other)}"]


def test_run_synthesizes_the_bootstrap_file_alone(tmp_path):
    assert run(str(BOOTSTRAP), stderr=io.StringIO(), outdir=str(tmp_path)) == 0
    assert sorted(p.name for p in (tmp_path / "stacks").iterdir()) == ["state-bucket"]
