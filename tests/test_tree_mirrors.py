"""tests/ mirrors the source folders: every package folder of ours has a tests folder of the same
path (tests/rules/checks/ for rules/checks/), every tests folder names a package folder, and only
repository-wide tests sit at the top of tests/. Rule tests import nothing from the pipeline or the
command line, not even through a helper of tests/support/."""

from __future__ import annotations

import ast
from pathlib import Path

from repo_paths import REPO

TESTS = REPO / "tests"
SOURCE_FOLDERS = ("rules", "audits", "crawler", "store", "reports", "pipeline", "massaudit")
NOT_MIRRORS = {"support", "fixtures", "__pycache__"}  # shared helpers and data files
REPOSITORY_WIDE = {"test_layering.py", "test_packaging.py", "test_tree_mirrors.py"}
LOWER_LAYERS = {"rules", "audits", "crawler", "store", "reports"}


def package_folders() -> set[Path]:
    """Our package folders, relative to the repository (folders with an __init__.py)."""
    return {
        init.parent.relative_to(REPO)
        for folder in SOURCE_FOLDERS
        for init in (REPO / folder).rglob("__init__.py")
    }


def mirror_folders() -> set[Path]:
    return {
        path.relative_to(TESTS)
        for path in TESTS.rglob("*")
        if path.is_dir() and not NOT_MIRRORS & set(path.relative_to(TESTS).parts)
    }


def test_every_package_folder_has_its_tests_folder():
    missing = sorted(
        str(folder) for folder in package_folders() if not any((TESTS / folder).glob("test_*.py"))
    )
    assert missing == [], f"package folders without tests/<folder>/test_*.py: {missing}"


def test_every_tests_folder_names_a_package_folder():
    strays = sorted(str(folder) for folder in mirror_folders() - package_folders())
    assert strays == [], f"tests folders that name no package folder: {strays}"


def test_only_repository_wide_tests_sit_at_the_top():
    assert {path.name for path in TESTS.glob("test_*.py")} == REPOSITORY_WIDE


def test_test_file_names_are_unique():
    names = [path.name for path in TESTS.rglob("test_*.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def imported_modules(path: Path) -> set[str]:
    """Absolute module names `path` imports (`from massaudit import cli` gives massaudit.cli)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            modules.add(node.module)
            if node.module == "massaudit":
                modules |= {f"massaudit.{alias.name}" for alias in node.names}
    return modules


def above_the_lower_layers(module: str) -> bool:
    """The pipeline, or the command line and demo (massaudit/ itself)."""
    parts = module.split(".")
    return parts[0] == "massaudit" and len(parts) > 1 and parts[1] not in LOWER_LAYERS


def test_rule_tests_import_nothing_from_the_pipeline_or_the_command_line():
    support = {path.stem: path for path in (TESTS / "support").glob("*.py")}
    offenders = {}
    for test in sorted((TESTS / "rules").rglob("*.py")):
        seen, queue, bad = set(), [test], set()
        while queue:
            for module in imported_modules(queue.pop()):
                if above_the_lower_layers(module):
                    bad.add(module)
                elif module in support and module not in seen:
                    seen.add(module)
                    queue.append(support[module])
        if bad:
            offenders[str(test.relative_to(REPO))] = sorted(bad)
    assert offenders == {}
