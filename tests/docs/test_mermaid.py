"""Every Mermaid diagram a reader is shown is accepted by Mermaid itself, so GitHub draws it.

The ```mermaid blocks of README.md and docs/, and the diagram of the REVIEW.md that `make report`
writes, for several shapes of chain and for names full of Mermaid syntax, go to
tools/mermaid-check.mjs: the pinned `mermaid` package's own parser (package.json), run in Node
under jsdom, one process for all diagrams. The reports come from the real commands (main.py, then
`python -m constructs_lib.report`) run on files this test writes, so the test imports nothing
from constructs_lib.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.support.documents import document_blocks, fenced_blocks
from tests.support.paths import ROOT

PYTHON = ROOT / ".venv" / "bin" / "python"
CHECKER = ROOT / "tools" / "mermaid-check.mjs"
FLOWCHART = "flowchart-v2"  # what Mermaid calls a parsed `flowchart`/`graph` diagram

# Chains other than the example's, written here (environments/ holds the project's own files).
DIRECT = """
project = "my-gcp-project"
region  = "asia-northeast3"
name    = "direct"

[state]
bucket = "my-gcp-project-tfstate"

[network]
vpc         = "default"
subnet_cidr = "10.124.16.0/24"

[egress]
mode            = "direct"
static_ip_count = 2

[nat]
dynamic_port_allocation = true
max_ports_per_vm        = 4096

[[services]]
name          = "payments-api"
image         = "asia.gcr.io/my-gcp-project/payments-api:1.4.0"
max_instances = 40

[[services]]
name          = "webhooks"
image         = "asia.gcr.io/my-gcp-project/webhooks:2.0.1"
max_instances = 20
"""

# An IP pool in rotation: an adopted address, one draining (a dotted edge), one on standby.
POOL = """
project = "my-gcp-project"
region  = "asia-northeast3"
name    = "pool"

[state]
bucket = "my-gcp-project-tfstate"

[network]
vpc         = "default"
subnet_cidr = "10.124.48.0/28"

[egress]
static_ip_names = ["pool-ip-1", "pool-ip-2"]
draining_ips    = ["pool-ip-1"]
existing_ips    = ["partner-allowlisted-ip"]
standby_ips     = ["pool-ip-next"]

[[services]]
name  = "billing"
image = "asia.gcr.io/my-gcp-project/billing:5.1.0"
"""

# Names a hand-written override may put in the JSON (the file's own names are GCP names): Mermaid's quotes,
# pipes, entity codes, brackets, arrows, keywords, a line break and directives: Mermaid reads "%%{...}%%" anywhere,
# and an unclosed one swallows the diagram up to the next "}%%" or its end.
HOSTILE = ('a"b|c#35;d<br/>e>f`g&h[i](j){k}l;m :::n --> o end\\p\n%%{init: {"theme": "dark"}}%% '
           "@{ shape: circle } ``` %%{wrap")
HOSTILE_FIELDS = {
    "google_cloud_run_v2_service": ("name",),
    "google_vpc_access_connector": ("name",),
    "google_compute_subnetwork": ("name", "ip_cidr_range"),
    "google_compute_router_nat": ("name", "nat_ip_allocate_option"),
    "google_compute_address": ("name",),
}


def hostile_names(doc: dict[str, Any]) -> None:
    """Every name and setting the diagram shows, and the services' egress, set to HOSTILE."""
    for rtype, fields in HOSTILE_FIELDS.items():
        for resource in doc["resource"].get(rtype, {}).values():
            resource.update(dict.fromkeys(fields, HOSTILE))
            if rtype == "google_cloud_run_v2_service":
                resource["template"]["vpc_access"]["egress"] = HOSTILE


def hostile_rules(doc: dict[str, Any]) -> None:
    """Every name the diagram shows set to HOSTILE, and each NAT rule's description (the edge to its partner)."""
    hostile_names(doc)
    for nat in doc["resource"]["google_compute_router_nat"].values():
        for rule in nat.get("rules", []):
            rule["description"] = HOSTILE


# shape: (environment file, a change to the synthesized JSON before the report reads it)
SHAPES: dict[str, tuple[Callable[[], str], Callable[[dict[str, Any]], None] | None]] = {
    "example": (lambda: (ROOT / "environments" / "example.toml").read_text(encoding="utf-8"), None),
    "direct": (lambda: DIRECT, None),
    "pool": (lambda: POOL, None),
    "example-hostile-names": (lambda: (ROOT / "environments" / "example.toml").read_text(encoding="utf-8"),
                              hostile_names),
    "direct-hostile-names": (lambda: DIRECT, hostile_names),
    "partners": (lambda: (ROOT / "examples" / "partners.toml").read_text(encoding="utf-8"), None),
    "partners-hostile-names": (lambda: (ROOT / "examples" / "partners.toml").read_text(encoding="utf-8"),
                               hostile_rules),
}


def diagrams_in(text: str, name: str) -> list[dict[str, str]]:
    """The ```mermaid blocks of a Markdown text, each named ``name:line`` (the line of its fence)."""
    return [{"name": b.where, "text": b.body} for b in fenced_blocks(text, name) if b.lang == "mermaid"]


def run(*args: str, **env: str) -> None:
    result = subprocess.run(args, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}{result.stderr}"


def review(folder: Path, toml: str, change: Callable[[dict[str, Any]], None] | None) -> str:
    """The REVIEW.md that main.py and the report command write for one environment file."""
    if not PYTHON.is_file():
        pytest.fail(f"{PYTHON} does not exist: run `make setup`")
    folder.mkdir()
    (folder / "env.toml").write_text(toml, encoding="utf-8")
    out = folder / "cdktf.out"
    run(str(PYTHON), "main.py", EGRESS_CONFIG=str(folder / "env.toml"), CDKTF_OUTDIR=str(out))
    (stack,) = (out / "stacks").iterdir()
    if change is not None:
        doc = json.loads((stack / "cdk.tf.json").read_text(encoding="utf-8"))
        change(doc)
        (stack / "cdk.tf.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    run(str(PYTHON), "-m", "constructs_lib.report", str(out))
    return (stack / "REVIEW.md").read_text(encoding="utf-8")


def mermaid_check(diagrams: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """Mermaid's verdict on each diagram, by name: ``{"type": ...}`` when accepted, ``{"error": ...}`` when not.

    Fails (never skips) when the pinned Mermaid is not installed: the tests of a fresh clone run after `make setup`.
    """
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]
    for package in ("mermaid", "jsdom"):
        installed = ROOT / "node_modules" / package / "package.json"
        version = json.loads(installed.read_text(encoding="utf-8"))["version"] if installed.is_file() else None
        if version != pinned[package]:
            pytest.fail(f"node_modules/{package}: expected {pinned[package]} (package.json), got "
                        f"{version or 'nothing installed'}: run `make setup` (npm ci from package-lock.json)")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: Mermaid runs in Node (README, quick start)")
    result = subprocess.run([node, str(CHECKER)], input=json.dumps(diagrams), capture_output=True, text=True,
                            timeout=300)
    verdicts = json.loads(result.stdout) if result.returncode in (0, 1) else None
    assert verdicts is not None, f"{CHECKER.name} exited {result.returncode}:\n{result.stderr}"
    assert [v.pop("name") for v in verdicts] == [d["name"] for d in diagrams]
    assert result.returncode == int(any("error" in v for v in verdicts)), (result.returncode, verdicts)
    return {d["name"]: v for d, v in zip(diagrams, verdicts)}


@pytest.fixture(scope="module")
def reviews(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """REVIEW.md of each shape."""
    tmp = tmp_path_factory.mktemp("reviews")
    return {shape: review(tmp / shape, toml(), change) for shape, (toml, change) in SHAPES.items()}


@pytest.fixture(scope="module")
def verdicts(reviews: dict[str, str]) -> dict[str, dict[str, str]]:
    """Mermaid's verdict on every diagram of the documents and of the reviews, from one Node process."""
    diagrams = [{"name": b.where, "text": b.body} for b in document_blocks() if b.lang == "mermaid"]
    diagrams += [d for shape, text in reviews.items() for d in diagrams_in(text, f"REVIEW.md of {shape}")]
    return mermaid_check(diagrams)


def test_every_mermaid_block_of_readme_and_docs_is_accepted_by_mermaid(verdicts):
    documents = {name: v for name, v in verdicts.items() if not name.startswith("REVIEW.md")}
    assert {name: v for name, v in documents.items() if "error" in v} == {}
    # The chain's diagram in docs/architecture.md is one of them, read by Mermaid as a flowchart: a block the
    # scan missed (indented, fenced otherwise) would leave nothing checked.
    assert [v for name, v in documents.items() if name.startswith("docs/architecture.md:")] == [
        {"type": "flowchart-v2"}]


@pytest.mark.parametrize("shape", SHAPES)
def test_the_review_diagram_is_accepted_by_mermaid_as_a_flowchart(shape, reviews, verdicts):
    (diagram,) = diagrams_in(reviews[shape], f"REVIEW.md of {shape}")
    assert verdicts[diagram["name"]] == {"type": FLOWCHART}


def test_the_shapes_draw_what_they_stand_for(reviews):
    assert '-->|"egress ALL_TRAFFIC"| conn1' in reviews["example"]
    assert reviews["direct"].count('-->|"direct VPC egress, ALL_TRAFFIC"| subnet') == 2
    assert '-.->|"draining"|' in reviews["pool"] and '"IP partner-allowlisted-ip"' in reviews["pool"]
    assert '-->|"partner-a"| ip' in reviews["partners"] and '-->|"partner-b"| ip' in reviews["partners"]
    assert "%" not in diagrams_in(reviews["partners-hostile-names"], "hostile")[0]["text"]


def test_names_full_of_mermaid_syntax_stay_text_in_the_diagram(reviews):
    (diagram,) = diagrams_in(reviews["example-hostile-names"], "hostile")
    label = diagram["text"].splitlines()[1]
    assert label.startswith('  svc0["Cloud Run a#quot;b#124;c#35;35;d#lt;br/#gt;e#gt;f#96;g#amp;h[i](j){k}l;m '), label
    assert label.endswith('\\u000a#37;#37;{init: {#quot;theme#quot;: #quot;dark#quot;}}#37;#37; @{ shape: circle } '
                          '#96;#96;#96; #37;#37;{wrap"]'), label
    assert "%" not in diagram["text"] and "`" not in diagram["text"]


def test_a_broken_diagram_is_reported_with_mermaids_error(reviews):
    (example,) = diagrams_in(reviews["example"], "example")
    node = '  conn1["connector cloud-run-connector"]'
    broken = example["text"].replace(node, node.removesuffix("]"))
    assert broken != example["text"]
    document = f"# Notes\n\n```mermaid\n{broken}```\n\n```mermaid\nflowchart LR\n  a[\"%%{{wrap}}%%\"] --> b\n```\n"
    found = diagrams_in(document, "notes.md")
    assert [d["name"] for d in found] == ["notes.md:3", "notes.md:18"]
    verdicts = mermaid_check(found)
    assert verdicts["notes.md:3"]["error"].startswith("Parse error on line 4:\n"), verdicts
    assert "Expecting 'SQE'" in verdicts["notes.md:3"]["error"], verdicts
    # A directive inside quotes is still read as one (why the report writes "%" as "#37;").
    assert verdicts["notes.md:18"]["error"].startswith("Parse error on line 2:\n"), verdicts
