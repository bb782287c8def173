"""make synth prints a warning for a credential written as a plain env value, never the value, and still
synthesizes."""

from __future__ import annotations

import io

from constructs_lib.app import run
from rehearsal.tomlfile import dumps as to_toml
from tests.support.environments import environment


def test_a_plain_credential_is_a_warning_on_stderr_without_its_value(tmp_path):
    source = tmp_path / "staging.toml"
    source.write_text(to_toml(environment(services=[{"name": "api", "image": "nginx",
                                                     "env": {"PARTNER_API_KEY": "s3cr3t-value"}}])))
    stderr = io.StringIO()
    assert run(str(source), stderr=stderr, outdir=str(tmp_path / "out")) == 0
    (line,) = stderr.getvalue().splitlines()
    assert line.startswith(f"warning: {source}: services[api].env.PARTNER_API_KEY: expected a credential in secrets")
    assert "s3cr3t-value" not in stderr.getvalue()
    assert (tmp_path / "out" / "stacks" / "staging" / "cdk.tf.json").is_file()
