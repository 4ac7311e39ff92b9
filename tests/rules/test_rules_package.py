"""The rules package boundary: pure rules import only the standard library, two pure text
libraries and themselves (so they do no I/O of their own)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from massaudit.rules import catalogue as cat

RULES_DIR = Path(cat.__file__).parent


# Pure text libraries the checks use (readability, offline language detection); no I/O.


TEXT_LIBRARIES = {"textstat", "py3langid"}


def test_rules_package_imports_only_stdlib_and_itself():
    allowed = set(sys.stdlib_module_names) | TEXT_LIBRARIES
    for path in sorted(RULES_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [] if node.level else [node.module or ""]
            else:
                continue
            for name in names:
                ours = name == "massaudit.rules" or name.startswith("massaudit.rules.")
                assert ours or name.split(".")[0] in allowed, f"{path.name} imports {name}"
