"""The package's shape, as docs/architecture.md draws it: layers that import one way, no cycle, small modules,
facts written once, and validation that never loads cdktf or the provider."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "constructs_lib"
MAX_LINES = 300

# What each layer may import besides itself (docs/architecture.md, "What each layer may import").
ALLOWED = {
    "facts": set(),
    "_provider": set(),
    "config": {"facts"},
    "chain": {"facts", "_provider"},
    "policies": {"facts", "_provider"},
    "report": {"facts", "policies"},
    "stacks": {"facts", "config", "chain", "policies", "_provider"},
    "app": {"facts", "config", "stacks", "policies", "report", "_provider"},
    "guard": {"facts"},
    "deploy": {"facts", "guard", "report"},
}
# Within policies, only the pack (the Aspect) touches cdktf.
PROVIDER_IN_POLICIES = {"constructs_lib.policies.pack"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every constructs_lib module ``path`` imports, at any level (TYPE_CHECKING and function bodies too)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("constructs_lib"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("constructs_lib"))
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    return {m for m in found if m in modules and m != name}


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_module_belongs_to_a_layer():
    assert {_layer(m) for m in MODULES} - {None} == set(ALLOWED)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m)))
def test_a_layer_imports_only_the_layers_below_it(module):
    layer = _layer(module)
    allowed = ALLOWED[layer] | {layer}
    if layer == "policies" and module not in PROVIDER_IN_POLICIES:
        allowed = allowed - {"_provider"}
    wrong = sorted(m for m in GRAPH[module] if _layer(m) not in allowed)
    assert not wrong, f"{module} ({layer}) may import {sorted(allowed)}, imports {wrong}"


def test_no_import_cycle():
    # A cycle through a package's __init__ counts too: the graph holds every constructs_lib import.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH.get(node, ())):
            if nxt == _parent(node):
                continue  # a module's own package, loaded before it by Python itself
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for module in sorted(GRAPH):
        if module not in state and (cycle := visit(module)):
            pytest.fail("import cycle: " + " -> ".join(cycle))


def _parent(module: str) -> str:
    return module.rsplit(".", 1)[0]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_over_300_lines(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(ROOT)}: {lines} lines, at most {MAX_LINES}"


# The modules of both engines (constructs_lib/_provider/engine.py) and of their providers.
ENGINE_MODULES = ("cdktf", "cdktn", "constructs", "cdktf_cdktf_provider_google", "cdktn_provider_google")


def test_the_cdktf_and_provider_imports_live_in_provider_alone():
    outside = []
    for module, path in MODULES.items():
        if _layer(module) == "_provider":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            outside += [f"{module}: {n}" for n in names if n.split(".")[0] in ENGINE_MODULES]
    assert outside == []


FACTS = {
    # A resource type: written once in facts/resources.py (and in the provider's own classes).
    "resource type": re.compile(r"""["']google_[a-z0-9_]+["']"""),
    # The connector's default machine type.
    "connector default": re.compile(r"""["']e2-micro["']"""),
}


@pytest.mark.parametrize("fact", sorted(FACTS))
def test_a_fact_is_written_once_in_facts(fact):
    where = [f"{m}:{i}" for m, path in MODULES.items() if _layer(m) not in ("facts", "_provider")
             for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if FACTS[fact].search(line)]
    assert where == []


def test_validation_loads_neither_cdktf_nor_the_constructs():
    code = ("import sys, constructs_lib; constructs_lib.load_environment('environments/example.toml'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cdktf', 'cdktn', 'jsii', 'constructs') "
            "or m.startswith(('constructs_lib._provider', 'constructs_lib.chain', 'constructs_lib.stacks'))))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _top_level_imports(path: Path) -> set[str]:
    """The top-level package of every absolute import in ``path`` (TYPE_CHECKING and function bodies too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


PRODUCT = {"constructs_lib": sorted(PACKAGE.rglob("*.py")), "rehearsal": sorted((ROOT / "rehearsal").rglob("*.py")),
           "main": [ROOT / "main.py"]}
# What a user runs imports one way: the rehearsal uses the app, the app never the rehearsal; nothing the product
# ships imports the tests.
FORBIDDEN = {"constructs_lib": {"rehearsal", "tests"}, "rehearsal": {"tests"}, "main": {"rehearsal", "tests"}}


@pytest.mark.parametrize("part", sorted(PRODUCT))
def test_the_product_never_imports_the_tests_and_the_app_never_the_rehearsal(part):
    wrong = [f"{path.relative_to(ROOT)}: {name}" for path in PRODUCT[part]
             for name in sorted(_top_level_imports(path) & FORBIDDEN[part])]
    assert PRODUCT[part] and wrong == []
