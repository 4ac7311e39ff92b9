"""The screenshots table: a page's images stored with the run, listed without their bytes, read
one at a time, counted for a resumed run's budget, and gone with their page; on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest

from massaudit.rules.judge import PageJudgement
from massaudit.rules.model import PageArtifacts
from massaudit.store.db import RunVersions, Store

VERSIONS = RunVersions(tool="0.1.0", axe="4.14.1", catalogue="1+axe4.14.1+abc", scoring="1")
IMAGE = bytes(range(256)) * 4  # binary, NULs included


def save_page(store: Store, run_id: int, url: str) -> int:
    artifacts = PageArtifacts(url, url, 200, "Page", {"violations": []}, {})
    return store.save_page(
        run_id,
        site_id="s",
        agency_id="a",
        depth=0,
        artifacts=artifacts,
        judgement=PageJudgement([], {}, {}),
    )


def shot(kind: str = "element", image: bytes = IMAGE, alt: str = "The button outlined") -> dict:
    return {
        "kind": kind,
        "rule_id": "button-name" if kind == "element" else "",
        "fingerprint": "0123456789abcdef" if kind == "element" else "",
        "selector": "main > button\x00" if kind == "element" else "",
        "alt": alt,
        "mime": "image/webp",
        "width": 360,
        "height": 200,
        "image": image,
    }


def exercise(store: Store) -> None:
    run_id = store.begin_run({"sites": []}, {"audit": {}}, VERSIONS)
    page_id = save_page(store, run_id, "http://x/")
    other = save_page(store, run_id, "http://x/other")
    store.save_screenshots(run_id, page_id, [shot("thumbnail", b"t" * 10), shot()])
    store.save_screenshots(run_id, other, [shot(alt="<script>alert(1)</script>")])
    store.save_screenshots(run_id, other, [])

    rows = store.screenshots([page_id])
    assert [(r.kind, r.size, r.width, r.height) for r in rows] == [
        ("thumbnail", 10, 360, 200),
        ("element", len(IMAGE), 360, 200),
    ]
    assert rows[1].selector == "main > button"  # cleaned like every text of the store
    assert "image" not in rows[1].__dict__  # listed without their bytes
    assert store.screenshot_image(rows[1].id) == IMAGE
    assert store.screenshot_image(10**6) is None
    assert store.screenshot_bytes(run_id) == 10 + 2 * len(IMAGE)
    assert len(store.screenshots(range(1, 2000))) == 3  # more page ids than one query takes

    # A page stored again (a write tried again) takes its old images with it.
    save_page(store, run_id, "http://x/other")
    assert store.screenshots([other]) == []
    assert store.screenshot_bytes(run_id) == 10 + len(IMAGE)


def test_screenshots_on_sqlite(tmp_path):
    store = Store(str(tmp_path / "audit.sqlite"))
    exercise(store)
    store.close()


@pytest.mark.postgres
def test_screenshots_on_postgres(postgres_url):
    store = Store(postgres_url)
    exercise(store)
    store.close()
