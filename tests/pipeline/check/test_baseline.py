"""The `massaudit check` baseline file (pipeline/check/baseline.py): it names its fingerprints'
version, and a baseline of another version is refused in one line, never silently mismatched."""

from __future__ import annotations

import json

import pytest
from checked_pages import SERIOUS, checked_page

from massaudit.pipeline.check.baseline import load_baseline, write_baseline
from massaudit.pipeline.check.exit_codes import CheckUsageError
from massaudit.rules.fingerprint import FINGERPRINT_VERSION


def test_written_baseline_reads_back_with_its_fingerprint_version(tmp_path):
    page = checked_page("a.html", SERIOUS, SERIOUS)
    path = tmp_path / "baseline.json"
    write_baseline(str(path), [page], "v", "0.1.0")
    assert json.loads(path.read_text())["fingerprint_version"] == FINGERPRINT_VERSION
    assert load_baseline(str(path)) == {
        ("a.html", "color-contrast", page.findings[0].fingerprint): 2
    }


@pytest.mark.parametrize("version", [None, 1, "2"])
def test_baseline_of_another_fingerprint_version_is_refused_in_one_line(tmp_path, version):
    data = {"format": 1, "findings": [{"page": "a.html", "rule": "r", "fingerprint": "0" * 16}]}
    if version is not None:
        data["fingerprint_version"] = version
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CheckUsageError) as error:
        load_baseline(str(path))
    message = str(error.value)
    assert "\n" not in message and "--write-baseline" in message
    assert f"version {FINGERPRINT_VERSION}" in message
