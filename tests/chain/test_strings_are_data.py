"""Every string a user writes reaches Terraform as exactly that string.

Terraform evaluates ``${…}`` and ``%{…}`` in every string of a ``.tf.json``
file, and cdktf resolves its own token markers (``${TfToken[TOKEN.1]}``) in
any string it is given: the JSON escapes the first and the validation refuses
the second. Real Terraform reading arbitrary Unicode back unchanged:
tests/integration/test_strings_are_data.py.
"""

from __future__ import annotations

import io

from constructs_lib.app import run
from constructs_lib.facts.literal import terraform_literal
from tests.support.environments import environment, load_environment_from, one_problem
from tests.support.synth import RUN, only, synth
from rehearsal.tomlfile import dumps as to_toml


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
        "test.toml: services[api].env.X: expected a string without cdktf's token markers (${TfToken[…]}, "
        '#{TfToken[…]}, &{TfToken[…]}), got "a${TfToken[TOKEN.1]}b"')


def test_fails_when_a_list_or_map_token_marker_is_in_any_key_or_value():
    found = [p.split(": expected")[0] for p in problems_of(
        name="#{TfToken[TOKEN.7]}",
        services=[{"name": "api", "image": "nginx", "labels": {"&{TfToken[TOKEN.2]}": "x"}}])]
    # A key TOML would quote is shown quoted (constructs_lib/config/keys.py dotted).
    assert sorted(found) == ["test.toml: name", 'test.toml: services[api].labels."&{TfToken[TOKEN.2]}"']


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
        f"  - {path}: services[api].env.X: expected a string without cdktf's token markers (${{TfToken[…]}}, "
        '#{TfToken[…]}, &{TfToken[…]}), got "${TfToken[TOKEN.1]}"']
    assert not (tmp_path / "out").exists()


def problems_of(**changes):
    import pytest

    from tests.support.environments import config
    from constructs_lib.config import ConfigError

    with pytest.raises(ConfigError) as err:
        config(**changes)
    return [str(p) for p in err.value.problems]
