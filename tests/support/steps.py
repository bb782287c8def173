"""One stack taken through several versions of its file in one rehearsal, against the same state and local GCP API:
each version synthesized, planned, applied and planned again, every plan recorded by step name."""

from __future__ import annotations

import copy
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constructs_lib.config import EnvironmentConfig
from rehearsal.driver import Plan, Rehearsal, load_one
from rehearsal.tomlfile import dumps as toml_dumps
from tests.support.paths import ROOT


@dataclass
class Recorded:
    """What one scenario saw: the plan of each step, by step name, and anything else worth asserting on."""

    plans: dict[str, Plan] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


class Steps:
    """The file's versions, in turn, as one stack (``files/<stem>.toml`` in the rehearsal's folder)."""

    def __init__(self, rehearsal: Rehearsal, stem: str) -> None:
        self.rehearsal = rehearsal
        self.file = rehearsal.workdir / "files" / f"{stem}.toml"
        self.file.parent.mkdir(parents=True, exist_ok=True)
        self.stack_dir: Path | None = None
        self.recorded = Recorded()
        self._seeded: EnvironmentConfig | None = None  # the version seeded first: its project and region

    def _seed(self, config_file: Path, stack_dir: Path) -> None:
        """What the file says exists, and init: once, before the first version."""
        config = load_one(config_file)
        self.rehearsal.seed(config)
        self._seeded = config if isinstance(config, EnvironmentConfig) else None
        self.rehearsal.init(stack_dir)

    def write(self, doc: dict[str, Any]) -> None:
        self.file.write_text(toml_dumps(doc), encoding="utf-8")

    def plan(self, name: str, doc: dict[str, Any]) -> Plan:
        """Synthesize this version of the file and plan it against the current state; the first one seeds what the
        file says exists and runs init."""
        self.write(doc)
        stack_dir = self.rehearsal.synth(self.file)
        if self.stack_dir is None:
            self._seed(self.file, stack_dir)
        self.stack_dir = stack_dir
        plan = self.rehearsal.plan(stack_dir)
        self.recorded.plans[name] = plan
        return plan

    def apply(self, name: str, doc: dict[str, Any], *, show_after: bool = False) -> None:
        """Plan, apply that plan, then plan again: the step is recorded, the plan after it too (``name:after``).

        The plan after is shown only when it changes something (``Rehearsal.converged``), unless ``show_after``:
        a plan that changes nothing has nothing for the guard to refuse, and its JSON is read by no test that does
        not ask for it."""
        self.plan(name, doc)
        assert self.stack_dir is not None
        self.rehearsal.terraform(self.stack_dir, "apply", "-no-color", "-input=false", "rehearsal.tfplan")
        self.recorded.plans[f"{name}:after"] = (self.rehearsal.plan if show_after else
                                                self.rehearsal.converged)(self.stack_dir)

    def deploy_json(self, stack_json: dict[str, Any], config: Path) -> None:
        """Apply a saved synthesized stack (an earlier version of the code's output) as this stack."""
        stack_dir = self.rehearsal.stack_dir(self.file.stem)
        (stack_dir / "cdk.tf.json").write_text(json.dumps(stack_json, indent=2), encoding="utf-8")
        if self.stack_dir is None:
            self._seed(config, stack_dir)
        self.stack_dir = stack_dir
        self.rehearsal.apply(stack_dir)

    def deploy_command(self, command: str, doc: dict[str, Any], *extra: str,
                       env: dict[str, str] | None = None) -> tuple[int, str]:
        """``python -m constructs_lib.deploy <command>`` (what make diff and make deploy run after the synth) of this
        version of the file: its exit code and what it printed."""
        self.write(doc)
        self.rehearsal.synth(self.file)
        result = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "constructs_lib.deploy", command,
                                 str(self.file), *extra], cwd=ROOT, env=env or self.rehearsal.env(),
                                capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=1200)
        return result.returncode, result.stdout + result.stderr

    def nat(self, router: str) -> dict[str, Any]:
        """The named router's one NAT, in the file's network project and region, as the local API holds it now."""
        config = self._seeded
        assert config is not None, "nat() reads an environment's world after a step: plan or apply one first"
        key = f"projects/{config.network_project}/regions/{config.region}/routers/{router}"
        (nat,) = self.rehearsal.gcp.store[key]["nats"]
        return copy.deepcopy(nat)
