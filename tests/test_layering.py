"""Dependencies run one way: rules <- audits, crawler, store <- reports <- pipeline <- massaudit
(the command line and the demo). Each layer is a folder of the repository installed as a
subpackage of `massaudit` (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from repo_paths import REPO

LAYERS = ("rules", "audits", "crawler", "store", "reports", "pipeline")
ALLOWED = {
    "rules": set(),
    "audits": {"rules"},
    "crawler": {"rules"},
    "store": {"rules"},
    "reports": {"rules", "store"},
    "pipeline": {"rules", "audits", "crawler", "store", "reports"},
    "massaudit": {"rules", "audits", "crawler", "store", "reports", "pipeline"},
}


def imported_layers(path: Path) -> set[str]:
    """Our layers a module imports: `massaudit.<layer>...`, else `massaudit` itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    found = set()
    for module in modules:
        parts = module.split(".")
        if parts[0] in LAYERS:
            found.add(f"top-level {parts[0]}")  # never: only `massaudit` is installed
        elif parts[0] == "massaudit":
            found.add(parts[1] if len(parts) > 1 and parts[1] in LAYERS else "massaudit")
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_lower_layers(package):
    offenders = {}
    for path in sorted((REPO / package).rglob("*.py")):
        bad = imported_layers(path) - ALLOWED[package] - {package}
        if bad:
            offenders[str(path.relative_to(REPO))] = sorted(bad)
    assert offenders == {}


def test_rules_do_no_io():
    forbidden = {"socket", "urllib", "http", "requests", "playwright", "sqlalchemy", "subprocess"}
    # urllib.parse only splits strings; urllib.request and the rest do I/O.
    pure = {"urllib.parse"}
    for path in (REPO / "rules").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names if a.name not in pure}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module not in pure:
                names.add(node.module)
        names = {name.split(".")[0] for name in names}
        assert not names & forbidden, f"{path} imports {names & forbidden}"
