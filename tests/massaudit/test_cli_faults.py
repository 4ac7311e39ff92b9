"""Faults the operator sees as one line, never a traceback: unexpected errors, a full disk under
--out or --log, a render that dies half-way; and what --resume does after them."""

from __future__ import annotations

import errno
import os
import subprocess

import pytest
import scorecard_runs
from integration_helpers import massaudit

from massaudit import cli
from massaudit.pipeline.static_server import serve_directory
from massaudit.reports import site as report_site
from massaudit.reports.site import render_scorecard, scorecard_run
from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import load_catalogue
from massaudit.store.db import Store

pytestmark = pytest.mark.long

EXIT_FAILED, EXIT_USAGE, EXIT_CANNOT_RUN = 1, 2, 3


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture()
def two_runs(tmp_path, catalogue):
    return scorecard_runs.two_runs(tmp_path, catalogue)


def test_unexpected_error_is_one_line_and_debug_shows_the_traceback(monkeypatch, capsys):
    def boom(_args):
        raise RuntimeError("state machine broke\n  deep detail line\n  another")

    monkeypatch.setattr(cli, "cmd_validate", boom)
    assert cli.main(["validate"]) == EXIT_CANNOT_RUN
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("massaudit: validate failed: RuntimeError: state machine broke; ")
    assert "--debug" in err
    assert cli.main(["validate", "--debug"]) == EXIT_CANNOT_RUN
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setenv("MASSAUDIT_DEBUG", "1")
    assert cli.main(["validate"]) == EXIT_CANNOT_RUN
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.ENOSPC, "cannot write /x/y: disk full; free some space"),
        (errno.EROFS, "cannot write /x/y: read-only file system; choose a writable place"),
        (errno.EACCES, "cannot write /x/y: permission denied"),
    ],
)
def test_os_errors_get_their_own_message(monkeypatch, capsys, code, expected):
    def fail(_args):
        raise OSError(code, os.strerror(code), "/x/y")

    monkeypatch.setattr(cli, "cmd_validate", fail)
    assert cli.main(["validate"]) == EXIT_CANNOT_RUN
    err = capsys.readouterr().err
    assert err == f"massaudit: validate: {expected}" + err.split(expected, 1)[1]
    assert err.count("\n") == 1


def test_a_render_that_dies_leaves_the_old_scorecard(two_runs, catalogue, tmp_path, monkeypatch):
    store, run1, run2 = two_runs
    out = tmp_path / "report"
    render_scorecard(build_scorecard(store, store.get_run(run1), catalogue), catalogue, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert scorecard_run(out) == run1

    real = report_site.write_documents_csv

    def dies(*args):  # the last step of rendering: every page is written by now
        raise KeyboardInterrupt

    monkeypatch.setattr(report_site, "write_documents_csv", dies)
    with pytest.raises(KeyboardInterrupt):
        render_scorecard(build_scorecard(store, store.get_run(run2), catalogue), catalogue, out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before, "the old scorecard is untouched, nothing half-written is left"
    assert scorecard_run(out) == run1

    monkeypatch.setattr(report_site, "write_documents_csv", real)
    render_scorecard(build_scorecard(store, store.get_run(run2), catalogue), catalogue, out)
    assert scorecard_run(out) == run2
    assert not (out / report_site.STAGING_DIR).exists()


def test_resume_renders_a_complete_runs_missing_scorecard(two_runs, tmp_path, capsys):
    store, run1, run2 = two_runs
    db = str(store.engine.url.database)
    out = tmp_path / "report"
    assert cli.main(["report", "--db", db, "--run", str(run1), "--out", str(out)]) == 0
    capsys.readouterr()
    # The newest run is complete but the folder shows run 1 (its render was killed, say).
    assert cli.main(["run", "--resume", "--db", db, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"Run {run2} is complete; its scorecard was not in {out}" in printed
    assert scorecard_run(out) == run2
    # Nothing is missing now: nothing to resume.
    assert cli.main(["run", "--resume", "--db", db, "--out", str(out)]) == EXIT_USAGE
    assert "nothing to resume" in capsys.readouterr().err
    # A named complete run whose scorecard is elsewhere is rendered into --out too.
    other = tmp_path / "other"
    assert cli.main(["run", "--resume", str(run1), "--db", db, "--out", str(other)]) == 0
    assert scorecard_run(other) == run1


@pytest.fixture()
def small_disk(tmp_path):
    """A 1 MiB tmpfs, for filling up; skipped where the test may not mount one."""
    place = tmp_path / "disk"
    place.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(place)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    yield place
    subprocess.run(["umount", "-l", str(place)], check=False)


def fill(disk, leave: int = 0) -> None:
    """Fill `disk` until `leave` bytes are free."""
    stats = os.statvfs(disk)
    free = stats.f_bavail * stats.f_frsize
    with open(disk / "filler", "wb") as out:
        try:
            out.write(b"\0" * max(0, free - leave))
            out.flush()
        except OSError:
            pass


def assert_one_line(err: str, *fragments: str) -> None:
    lines = [line for line in err.splitlines() if line.startswith("massaudit:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], err


def test_full_disk_under_out_is_one_line_and_the_store_keeps_the_run(two_runs, small_disk):
    store, _run1, run2 = two_runs
    db = str(store.engine.url.database)
    fill(small_disk)
    out = small_disk / "report"
    done = massaudit("report", "--db", db, "--out", str(out), timeout=120)
    assert done.returncode == EXIT_CANNOT_RUN
    assert_one_line(done.stderr, "disk full", "free some space")
    assert Store(db).get_run(run2).status == "complete"
    assert not (out / report_site.STAGING_DIR).exists(), "the half-written render is removed"


def write_site(root, fan_out: int = 5) -> int:
    """A home page, `fan_out` sections and `fan_out` pages under each: found only by links."""

    def page(title: str, links: list[str]) -> str:
        anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
        return (
            f'<!doctype html><html lang="en"><head><title>{title}</title></head><body><main>'
            f"<h1>{title}</h1><ul>{anchors}</ul></main></body></html>"
        )

    sections = [f"/s{i}/" for i in range(fan_out)]
    (root / "index.html").write_text(page("Home", sections))
    count = 1
    for i, section in enumerate(sections):
        leaves = [f"{section}p{j}.html" for j in range(fan_out)]
        (root / f"s{i}").mkdir()
        (root / f"s{i}" / "index.html").write_text(page(f"Section {i}", leaves))
        for j in range(fan_out):
            (root / f"s{i}" / f"p{j}.html").write_text(page(f"Page {i}.{j}", []))
        count += 1 + fan_out
    return count


def sites_file(tmp_path, base: str):
    netloc = base.split("//", 1)[1]
    path = tmp_path / "sites.toml"
    path.write_text(
        '[[agency]]\nid = "test"\nname = "Test"\n\n'
        '[[site]]\nid = "local"\nagency = "test"\nname = "Local"\n'
        f'start_urls = ["{base}/"]\nallowed_hosts = ["{netloc}"]\ndownload_delay = 0\n'
        "use_sitemaps = false\n"
    )
    return path


def audited_pages(db) -> int:
    store = Store(str(db))
    return store.state_counts(store.runs()[-1].id).get("audited", 0)


@pytest.mark.browser
def test_run_log_filling_the_disk_stops_the_run_incomplete_and_resume_finishes(
    tmp_path, small_disk
):
    root = tmp_path / "site"
    root.mkdir()
    total = write_site(root, fan_out=6)
    db = tmp_path / "audit.sqlite"
    fill(small_disk, leave=4096)  # one memory page: room for the first few log lines only
    with serve_directory(root) as base:
        sites = sites_file(tmp_path, base)
        common = ["--sites", str(sites), "--db", str(db), "--out", str(tmp_path / "out")]
        first = massaudit(
            "run", *common, "--log", str(small_disk / "run.jsonl"), "--quiet", "--concurrency", "2"
        )
        assert first.returncode == EXIT_FAILED, first.stdout + first.stderr
        assert "incomplete" in first.stdout
        assert "stopped: cannot write the run log" in first.stdout
        assert "No space left on device" in first.stdout
        assert "Traceback" not in first.stderr
        run = Store(str(db)).runs()[-1]
        assert run.status == "incomplete" and "run log" in run.error
        assert audited_pages(db) < total, "the run stopped when the log could not be written"

        resumed = massaudit("run", "--resume", *common, "--log", str(tmp_path / "r.jsonl"))
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert audited_pages(db) == total, "no page was lost"


@pytest.mark.browser
def test_log_that_cannot_take_a_line_stops_the_run_before_it_crawls(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    root = tmp_path / "site"
    root.mkdir()
    write_site(root, fan_out=1)
    db = tmp_path / "audit.sqlite"
    with serve_directory(root) as base:
        sites = sites_file(tmp_path, base)
        done = massaudit(
            "run", "--sites", str(sites), "--db", str(db), "--out", str(tmp_path / "out"),
            "--log", "/dev/full", "--quiet",
        )  # fmt: skip
    assert done.returncode == EXIT_FAILED, done.stdout + done.stderr
    assert "stopped: cannot write the run log /dev/full: No space left on device" in done.stdout
    assert Store(str(db)).runs()[-1].status == "incomplete"


@pytest.mark.browser
def test_full_disk_under_out_after_a_run_keeps_the_run_and_resume_renders_it(tmp_path, small_disk):
    root = tmp_path / "site"
    root.mkdir()
    total = write_site(root, fan_out=2)
    db = tmp_path / "audit.sqlite"
    fill(small_disk)
    with serve_directory(root) as base:
        sites = sites_file(tmp_path, base)
        done = massaudit(
            "run", "--sites", str(sites), "--db", str(db), "--out", str(small_disk / "report"),
            "--log", str(tmp_path / "run.jsonl"), "--quiet",
        )  # fmt: skip
    assert done.returncode == EXIT_CANNOT_RUN
    assert_one_line(done.stderr, "disk full")
    assert Store(str(db)).runs()[-1].status == "complete"
    assert audited_pages(db) == total
    out = tmp_path / "report"
    again = massaudit("run", "--resume", "--db", str(db), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert "its scorecard was not in" in again.stdout
    assert (out / "index.html").is_file()
