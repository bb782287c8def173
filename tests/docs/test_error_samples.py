"""The error lines the docs show are the app's real output: each sample is made again from the file (or the
escape hatch) it describes, and compared line by line with what the docs print."""

from __future__ import annotations

import io

from constructs_lib.app import run, synth_checked
from constructs_lib._provider.cdk import App
from constructs_lib.config import ConfigError, parse_environment
from constructs_lib.stacks.egress_stack import EgressStack
from tests.support.environments import config, environment
from tests.support.paths import ROOT
from rehearsal.tomlfile import dumps as to_toml


def sample(doc: str, first: str) -> list[str]:
    """The lines of the code block of ``docs/<doc>`` whose first line starts with ``first`` (indented blocks of a
    list included, their indent removed)."""
    lines = (ROOT / "docs" / doc).read_text(encoding="utf-8").splitlines()
    fences = [i for i, line in enumerate(lines) if line.lstrip().startswith("```")]
    for start, end in zip(fences[::2], fences[1::2]):
        indent = len(lines[start]) - len(lines[start].lstrip())
        body = [line[indent:] for line in lines[start + 1:end]]
        if body and body[0].startswith(first):
            return body
    raise AssertionError(f"docs/{doc} has no sample starting with {first!r}")


def problem_lines(data: dict, stack: str = "staging") -> list[str]:
    try:
        parse_environment(data, stack=stack, source=f"environments/{stack}.toml")
    except ConfigError as err:
        return f"error: {err}".splitlines()
    raise AssertionError("the file was accepted")


def test_the_configuration_pages_problem_list_is_the_apps_output():
    data = environment(network={"subnet_cidr": "10.124.0.0/24"}, connector={"min_instances": 5, "max_instances": 4})
    assert problem_lines(data) == sample("configuration.md", "error: 2 problems in the environment configuration:")


def test_the_configuration_pages_direct_subnet_line_is_the_apps_output():
    data = environment(egress={"mode": "direct"})
    assert [line.strip() for line in problem_lines(data)[1:]] == sample("configuration.md",
                                                                        "- environments/staging.toml: network.subnet_cidr")


def test_the_policy_pages_violation_is_the_apps_output(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = EgressStack(app, "production", config=config(services=[{"name": "api", "image": "nginx"}]))
    stack.chain.services[0].resource.add_override("template.vpc_access.egress", "PRIVATE_RANGES_ONLY")
    stderr = io.StringIO()
    assert synth_checked(app, stderr=stderr) == 1
    assert stderr.getvalue().splitlines() == sample("policies.md", "error: 1 chain policy violation")


def test_the_configuration_pages_unchecked_neighbour_line_is_the_apps_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    envs = tmp_path / "environments"
    envs.mkdir()
    (envs / "production.toml").write_text(to_toml(environment(state={"backend": "local"})), encoding="utf-8")
    (envs / "staging.toml").write_text(to_toml(environment(name="staging", tier="gold")), encoding="utf-8")
    stderr = io.StringIO()
    assert run("environments/production.toml", stderr=stderr, outdir=str(tmp_path / "out")) == 0
    assert stderr.getvalue().splitlines()[:1] == sample("configuration.md", "warning: environments/staging.toml")
