"""Dependencies run one way: rules <- audits, crawler, store <- reports <- massaudit (the CLI)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OURS = {"rules", "audits", "crawler", "store", "reports", "massaudit"}
ALLOWED = {
    "rules": set(),
    "audits": {"rules"},
    "crawler": {"rules"},
    "store": {"rules"},
    "reports": {"rules", "store"},
    "massaudit": OURS,
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_lower_layers(package):
    offenders = {}
    for path in sorted((REPO / package).rglob("*.py")):
        bad = imported_packages(path) - ALLOWED[package] - {package}
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
