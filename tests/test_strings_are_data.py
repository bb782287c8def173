"""Every string a user writes reaches Terraform as exactly that string.

Terraform evaluates ``${…}`` and ``%{…}`` in every string of a ``.tf.json``
file, and cdktf resolves its own token markers (``${TfToken[TOKEN.1]}``) in
any string it is given. The proof that a value stays data is the real
thing: arbitrary Unicode written in a TOML file, validated, synthesized, and
read back from real Terraform (``terraform_data`` is built in: ``init``
downloads nothing).
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import RUN, environment, one_problem, only, synth
from constructs_lib.app import run
from constructs_lib.config import load_environment
from constructs_lib.facts.literal import terraform_literal
from real_terraform import Terraform, terraform_env
from tomlfile import dumps as to_toml

TRAPS = ['${file("/etc/passwd")}', "%{http_code}", "${HOME}/app", "$${x}", "%%{x}", "$$${x}", "%{ if true }x%{ endif }",
         "${", "%{", "$", "%", "}", "a}b${c", "\\${x}", "\u0000", "\u2028\U0001F600", "'\"`", "\n", "\r\n", ""]


def test_an_env_value_with_template_syntax_is_escaped_in_the_json():
    cfg = load_environment_from({"X": '${file("/etc/passwd")}', "Y": "%{http_code}", "Z": "${HOME}/app"})
    env = only(synth(cfg), RUN)["template"]["containers"][0]["env"]
    assert env == [{"name": "X", "value": '$${file("/etc/passwd")}'}, {"name": "Y", "value": "%%{http_code}"},
                   {"name": "Z", "value": "$${HOME}/app"}]


def test_an_env_value_without_template_syntax_is_written_unchanged():
    cfg = load_environment_from({"URL": "https://api.partner.example.com/$path?a=%7B"})
    env = only(synth(cfg), RUN)["template"]["containers"][0]["env"]
    assert env == [{"name": "URL", "value": "https://api.partner.example.com/$path?a=%7B"}]


def test_fails_when_an_env_value_holds_a_cdktf_token_marker():
    assert one_problem(services=[{"name": "api", "image": "nginx", "env": {"X": "a${TfToken[TOKEN.1]}b"}}]) == (
        "test.toml: services[0].env.X: expected a string without cdktf's token markers (${TfToken[…]}, "
        '#{TfToken[…]}, &{TfToken[…]}), got "a${TfToken[TOKEN.1]}b"')


def test_fails_when_a_list_or_map_token_marker_is_in_any_key_or_value():
    found = [p.split(": expected")[0] for p in problems_of(
        name="#{TfToken[TOKEN.7]}",
        services=[{"name": "api", "image": "nginx", "labels": {"&{TfToken[TOKEN.2]}": "x"}}])]
    assert sorted(found) == ["test.toml: name", "test.toml: services[0].labels.&{TfToken[TOKEN.2]}"]


def test_terraform_literal_refuses_a_token_marker():
    import pytest

    with pytest.raises(ValueError, match="token marker"):
        terraform_literal("${TfToken[TOKEN.1]}")


def test_a_token_marker_through_main_is_a_problem_line_not_a_traceback(tmp_path):
    path = tmp_path / "generated.toml"
    path.write_text(to_toml(environment(services=[{"name": "api", "image": "nginx",
                                                   "env": {"X": "${TfToken[TOKEN.1]}"}}])))
    stderr = io.StringIO()
    assert run(str(path), stderr=stderr, outdir=str(tmp_path / "out")) == 1
    assert stderr.getvalue().splitlines() == [
        "error: 1 problem in the environment configuration:",
        f"  - {path}: services[0].env.X: expected a string without cdktf's token markers (${{TfToken[…]}}, "
        '#{TfToken[…]}, &{TfToken[…]}), got "${TfToken[TOKEN.1]}"']
    assert not (tmp_path / "out").exists()


def problems_of(**changes):
    import pytest

    from conftest import config
    from constructs_lib.config import ConfigError

    with pytest.raises(ConfigError) as err:
        config(**changes)
    return [str(p) for p in err.value.problems]


def load_environment_from(env: dict[str, str]):
    """An environment whose one service has ``env``, written as TOML and read back by load_environment."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "strings.toml"
        path.write_text(to_toml(environment(services=[{"name": "api", "image": "nginx", "env": env}])),
                        encoding="utf-8")
        return load_environment(path)


# Strings without a token marker (those are rejected, above): any Unicode scalar value (what TOML holds), and
# strings made of template syntax's own pieces, so that escapes next to escapes are generated too.
free_text = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=24),
    st.lists(st.sampled_from(["$", "%", "{", "}", "${", "%{", "$${", "%%{", "\\", '"', "~", "x", " ", "\n"]),
             max_size=12).map("".join),
).filter(lambda s: "TfToken[" not in s)


@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@example(TRAPS)
@given(st.lists(free_text, min_size=1, max_size=40))
def test_any_env_value_comes_back_from_real_terraform_unchanged(values):
    """Many values per example, one Terraform run per example: TOML → validation → synth → Terraform."""
    env = {f"V{i}": value for i, value in enumerate(values)}
    cfg = load_environment_from(env)
    written = only(synth(cfg), RUN)["template"]["containers"][0]["env"]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        # The service's env list exactly as synthesized, as the input of a resource Terraform evaluates.
        (workdir / "main.tf.json").write_text(json.dumps({
            "resource": {"terraform_data": {"env": {"input": written}}},
            "output": {"env": {"value": "${terraform_data.env.output}"}},
        }), encoding="utf-8")
        terraform = Terraform(workdir, terraform_env(workdir / "home"))
        terraform.check("init", "-no-color", "-input=false")
        terraform.check("apply", "-no-color", "-input=false", "-auto-approve")
        read_back = json.loads(terraform.check("output", "-no-color", "-json", "env"))
    assert {item["name"]: item["value"] for item in read_back} == env
