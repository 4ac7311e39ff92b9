"""URL states: counts by state, and what a resumed run starts from, with unchanged pages that
carry a reason (reused on their sitemap lastmod) as well as those that do not."""

from __future__ import annotations

from massaudit.store.db import RunVersions, Store

VERSIONS = RunVersions(tool="0.1.0", axe="4.14.1", catalogue="1+axe4.14.1+abc", scoring="1")


def test_unchanged_pages_with_and_without_a_reason(tmp_path):
    store = Store(str(tmp_path / "audit.sqlite"))
    run_id = store.begin_run({"sites": []}, {"audit": {}}, VERSIONS)
    states = [
        {"site_id": "s", "url": "http://x/a", "state": "unchanged", "reason": "sitemap_lastmod"},
        {"site_id": "s", "url": "http://x/b", "state": "unchanged", "reason": None},
        {"site_id": "s", "url": "http://x/c", "state": "skipped", "reason": "http_error"},
        {"site_id": "s", "url": "http://x/d", "state": "queued", "reason": None},
    ]
    store.record_url_states(run_id, states)
    assert store.state_counts(run_id) == {"unchanged": 2, "skipped:http_error": 1, "queued": 1}
    seen, queued = store.resume_state(run_id)
    assert seen == {
        "s": {
            "http://x/a": "unchanged",
            "http://x/b": "unchanged",
            "http://x/c": "skipped:http_error",
            "http://x/d": "queued",
        }
    }
    assert queued == [("s", "http://x/d", 0, None, None)]
    store.close()


def test_many_states_in_one_write_and_final_states_never_move_back(tmp_path):
    store = Store(str(tmp_path / "audit.sqlite"))
    run_id = store.begin_run({"sites": []}, {"audit": {}}, VERSIONS)
    urls = [f"http://x/{n}" for n in range(450)]  # more than one statement's rows
    store.record_url_states(
        run_id, [{"site_id": "s", "url": u, "state": "queued", "depth": 1} for u in urls]
    )
    finals = [{"site_id": "s", "url": u, "state": "audited", "status": 200} for u in urls[:300]]
    auditing = [{"site_id": "s", "url": u, "state": "auditing"} for u in urls[300:]]
    store.record_url_states(run_id, finals + auditing)
    store.record_url_states(
        run_id, [{"site_id": "s", "url": u, "state": "queued", "depth": 1} for u in urls]
    )
    assert store.state_counts(run_id) == {"audited": 300, "auditing": 150}
    assert {r.status for r in store.url_states(run_id) if r.state == "audited"} == {200}
    store.close()
