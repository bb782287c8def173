"""A rehearsal's pace (rehearsal/pace.py): the Go collector of Terraform and the provider off, a user's setting kept."""

from __future__ import annotations

import subprocess

from rehearsal.driver import VENV_BIN, Rehearsal
from rehearsal.pace import GO_RUNTIME


def collections(env: dict[str, str], folder) -> int:
    """How many times Terraform's Go runtime collected garbage during `terraform version` (its gctrace lines)."""
    result = subprocess.run([str(VENV_BIN / "terraform"), "version"], cwd=folder, env={**env, "GODEBUG": "gctrace=1"},
                            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120, check=True)
    return sum(line.startswith("gc ") for line in result.stderr.splitlines())


def test_terraform_in_a_rehearsal_runs_without_the_collector_and_with_it_otherwise(tmp_path, monkeypatch):
    for name in GO_RUNTIME:
        monkeypatch.delenv(name, raising=False)
    with Rehearsal(tmp_path) as rehearsal:
        env = rehearsal.env()
    assert {name: env[name] for name in GO_RUNTIME} == GO_RUNTIME
    assert collections(env, tmp_path) == 0
    # The same command with Go's default pace collects: the setting, not the command, is what made it 0.
    assert collections({**env, "GOGC": "100"}, tmp_path) > 0


def test_a_users_own_go_settings_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("GOGC", "150")
    monkeypatch.setenv("GOMEMLIMIT", "300MiB")
    with Rehearsal(tmp_path) as rehearsal:
        env = rehearsal.env()
    assert (env["GOGC"], env["GOMEMLIMIT"]) == ("150", "300MiB")
