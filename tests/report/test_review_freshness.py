"""REVIEW.md records the digest of the JSON it describes; a synth that changes the JSON marks it out of date;
the review names the addresses a change of the file would rename."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pytest

from constructs_lib.app import run
from constructs_lib.report import write_reports
from constructs_lib.report.freshness import mark_stale, review_state
from tests.support.paths import FIXTURE_EXAMPLE
from tests.report.test_report import rows


@pytest.fixture
def reported(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the example synthesized and reported: (its file, its stack folder)."""
    source = tmp_path / "production.toml"
    shutil.copy(FIXTURE_EXAMPLE, source)
    out = tmp_path / "out"
    assert run(str(source), outdir=str(out)) == 0
    write_reports(out)
    return source, out / "stacks" / "production"


def synth(source: Path, stack_dir: Path) -> str:
    """Synthesize ``source`` again into the same folder; what the app said on stderr."""
    stderr = io.StringIO()
    assert run(str(source), outdir=str(stack_dir.parent.parent), stderr=stderr) == 0
    return stderr.getvalue()


def test_the_review_records_and_links_the_digest_of_its_json(reported):
    _, stack_dir = reported
    digest = hashlib.sha256((stack_dir / "cdk.tf.json").read_bytes()).hexdigest()
    lines = (stack_dir / "REVIEW.md").read_text().splitlines()
    assert lines[0] == f"<!-- review of cdk.tf.json sha256:{digest} -->"
    assert f"[cdk.tf.json](cdk.tf.json) (sha256 `{digest}`)" in lines[3]
    assert review_state(stack_dir).state == "current"


def test_a_synth_that_does_not_change_the_json_keeps_the_review(reported):
    source, stack_dir = reported
    kept = (stack_dir / "REVIEW.md").read_bytes()
    assert synth(source, stack_dir) == ""
    assert (stack_dir / "REVIEW.md").read_bytes() == kept


def test_a_synth_that_changes_the_json_marks_the_review_out_of_date(reported):
    source, stack_dir = reported
    old = review_state(stack_dir).current
    source.write_text(source.read_text().replace("static_ip_count = 1", "static_ip_count = 2"))

    said = synth(source, stack_dir)

    found = review_state(stack_dir)
    assert found.state == "stale" and found.reviewed == old and found.current != old
    text = (stack_dir / "REVIEW.md").read_text()
    assert "out of date" in text.splitlines()[1] and "cloud-run-origin-ip" not in text
    assert f"Run `EGRESS_CONFIG={source} make report`" in text
    assert said == (f"note: {stack_dir / 'REVIEW.md'} described another cdk.tf.json: now marked out of date "
                    f"(EGRESS_CONFIG={source} make report writes it again)\n")
    # Synthesized again, still changed: still out of date, still naming the digest that was reviewed.
    synth(source, stack_dir)
    assert review_state(stack_dir).reviewed == old
    write_reports(stack_dir.parent.parent)
    assert review_state(stack_dir).state == "current"


def test_a_review_without_a_digest_is_out_of_date_and_none_is_missing(tmp_path):
    stack_dir = tmp_path / "stacks" / "x"
    stack_dir.mkdir(parents=True)
    (stack_dir / "cdk.tf.json").write_text("{}")
    assert review_state(stack_dir).state == "missing"
    assert mark_stale(stack_dir, stack="x", command="make report ENV=x") is None
    (stack_dir / "REVIEW.md").write_text("# Review of stack `x`\n")  # written by an earlier version
    assert review_state(stack_dir).state == "stale"
    assert mark_stale(stack_dir, stack="x", command="make report ENV=x") == stack_dir / "REVIEW.md"
    assert "no recorded digest" in (stack_dir / "REVIEW.md").read_text()


def renames(stack_dir: Path) -> dict[str, str]:
    return {r[0]: r[2] for r in rows((stack_dir / "REVIEW.md").read_text(), "Addresses a change would rename")}


def test_the_review_names_what_renames_each_address(reported):
    source, stack_dir = reported
    assert list(renames(stack_dir)) == ["cloud-run-origin-ip"]
    assert "raising `egress.static_ip_count` from 1" in renames(stack_dir)["cloud-run-origin-ip"]
    assert "a new `name` (now `cloud-run`)" in renames(stack_dir)["cloud-run-origin-ip"]

    source.write_text(source.read_text().replace("static_ip_count = 1", "static_ip_count = 2"))
    synth(source, stack_dir)
    write_reports(stack_dir.parent.parent)
    found = renames(stack_dir)
    assert list(found) == ["cloud-run-origin-ip-1", "cloud-run-origin-ip-2"]
    assert "or to less than 2" in found["cloud-run-origin-ip-2"]

    source.write_text(source.read_text().replace("static_ip_count = 2", 'static_ip_names = ["partner-ip"]'))
    synth(source, stack_dir)
    write_reports(stack_dir.parent.parent)
    assert renames(stack_dir) == {"partner-ip": "removing or renaming it in its list (`egress.static_ip_names` or "
                                                "`egress.standby_ips`); a new `name` or count leaves it as it is"}


def test_the_review_says_the_plan_guard_not_prevent_destroy_stops_a_rename(reported):
    # A renamed address leaves the configuration, where prevent_destroy no longer holds: the review must not
    # promise it, and must name the keys that let the change through.
    _, stack_dir = reported
    (row,) = rows((stack_dir / "REVIEW.md").read_text(), "Addresses a change would rename")
    assert row[3].startswith("refused by the plan guard")
    assert "`egress.release_ips`" in row[3] and "`egress.forget_ips`" in row[3]
    assert "prevent_destroy" not in row[3]


def test_the_review_names_no_module_of_the_code(reported):
    _, stack_dir = reported
    assert "constructs_lib" not in (stack_dir / "REVIEW.md").read_text()
