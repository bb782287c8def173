"""Every string a user writes reaches Terraform as exactly that string, shown by real Terraform.

Arbitrary Unicode written in a TOML file, validated, synthesized, and read back from real Terraform
(``terraform_data`` is built in: ``init`` downloads nothing). The escaping itself, without Terraform:
tests/chain/test_strings_are_data.py.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tests.support.environments import load_environment_from
from tests.support.real_terraform import Terraform, terraform_env
from tests.support.synth import RUN, only, synth

pytestmark = pytest.mark.integration


TRAPS = ['${file("/etc/passwd")}', "%{http_code}", "${HOME}/app", "$${x}", "%%{x}", "$$${x}", "%{ if true }x%{ endif }",
         "${", "%{", "$", "%", "}", "a}b${c", "\\${x}", "\u0000", "\u2028\U0001F600", "'\"`", "\n", "\r\n", ""]



# Strings without a token marker (those are rejected, above): any Unicode scalar value (what TOML holds), and
# strings made of template syntax's own pieces, so that escapes next to escapes are generated too.
free_text = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=24),
    st.lists(st.sampled_from(["$", "%", "{", "}", "${", "%{", "$${", "%%{", "\\", '"', "~", "x", " ", "\n"]),
             max_size=12).map("".join),
).filter(lambda s: "TfToken[" not in s)



# No shrinking: each example runs Terraform (seconds); a failure here is first caught, in milliseconds, by the
# model of Terraform's unescaping in tests/facts/test_literal.py, whose shrinking is cheap.
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
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
