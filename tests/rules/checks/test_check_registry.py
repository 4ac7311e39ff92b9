"""The registry of massaudit's own checks (rules/checks/__init__.py): every rule of the catalogue
has a check named after it with passing and failing fixtures, and declares the facts it reads."""

from __future__ import annotations

import pytest
from check_fixtures import PAGE_FIXTURES, SITE_FIXTURES
from document_fixtures import DOCUMENT_FIXTURES

from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.checks import registry


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


REVIEW_ONLY = {"focus-order"}


def test_every_massaudit_rule_has_pass_and_fail_fixtures(catalogue):
    ours = {r.id for r in catalogue.rules.values() if r.source == "massaudit"}
    assert ours == registry().rule_ids  # every rule has a check, every check has metadata
    covered = {}
    for rule_id, cases in PAGE_FIXTURES.items():
        covered[rule_id] = {outcome for outcome, _, _ in cases}
    for rule_id, cases in SITE_FIXTURES.items():
        covered[rule_id] = {o for expected, _ in cases for o in expected.values()}
    for rule_id, cases in DOCUMENT_FIXTURES.items():  # document rules: test_document_rules.py
        covered[rule_id] = {outcome for outcome, _ in cases}
    # A rule that never fails (a person decides) shows a review instead of a failure.
    wanted = {r: {"pass", "needs-review" if r in REVIEW_ONLY else "fail"} for r in ours}
    missing = {r: wanted[r] - covered.get(r, set()) for r in ours}
    assert {r: m for r, m in missing.items() if m} == {}


def test_check_functions_are_named_after_their_rule_ids():
    for rule_id, function in {**registry().page, **registry().site}.items():
        assert function.__name__ == rule_id.replace("-", "_")


def test_every_check_declares_the_facts_it_reads():
    """A check that reads facts["key"] lists "key" in reads=, so missing facts never reach it."""
    import ast
    import inspect
    import textwrap

    checks = {**registry().page, **registry().document}
    for rule_id, check in checks.items():
        tree = ast.parse(textwrap.dedent(inspect.getsource(check.function)))
        read = {
            node.slice.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute | ast.Name)
            and (getattr(node.value, "attr", None) or getattr(node.value, "id", None)) == "facts"
            and isinstance(node.slice, ast.Constant)
        }
        # Facts the check tests itself: `"title" not in facts` (doc-title and doc-language tell
        # an absent fact from a null one, "no title") or facts.get("scan_limit") (optional).
        guarded = {
            node.left.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.ops[0], ast.NotIn)
        } | {
            node.args[0].value
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        }
        unread = read - guarded - set(check.reads)
        assert not unread, f"{rule_id} reads {sorted(unread)} without declaring it"
