"""The real command configured from the environment and massaudit.toml: `MASSAUDIT_DB=...
massaudit run --json` uses that database, prints only its summary as JSON on standard output,
and its password reaches no process's command line or environment, no output and no log;
`massaudit check` reads its gate from massaudit.toml in the working folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from integration_helpers import REPO

from massaudit.pipeline.static_server import serve_directory
from massaudit.store.db import Store

pytestmark = pytest.mark.browser
SECRET = f"pw-{uuid.uuid4().hex}"
MISSING_ALT = REPO / "tests" / "fixtures" / "check" / "site" / "missing-alt.html"


def write_site(root: Path) -> None:
    root.mkdir()
    (root / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>Home</title></head><body><main>'
        '<h1>Home</h1><a href="/fees.html">Fees</a></main></body></html>'
    )
    (root / "fees.html").write_text(
        '<!doctype html><html lang="en"><head><title>Fees</title></head><body><main>'
        '<h1>Fees</h1><img src="/seal.png"></main></body></html>'
    )


def write_sites_file(path: Path, base: str) -> Path:
    path.write_text(
        '[[agency]]\nid = "test"\nname = "Test Agency"\n\n'
        f'[[site]]\nid = "local"\nagency = "test"\nname = "Local"\n'
        f'start_urls = ["{base}/"]\nallowed_hosts = ["{base.split("//", 1)[1]}"]\n'
        "download_delay = 0\n"
    )
    return path


class ProcessWatch:
    """The command lines (and, but for the command's own, the environments) of a process and
    every process under it, read from /proc for as long as it runs."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.root = process.pid
        self.process = process
        self.seen: dict[int, tuple[bytes, bytes]] = {}
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while self.process.poll() is None:
            family = {self.root}
            for pid, parent in sorted(_parents().items()):
                if parent in family:
                    family.add(pid)
            for pid in family:
                self.seen[pid] = (
                    _read(pid, "cmdline"),
                    b"" if pid == self.root else _read(pid, "environ"),
                )

    def children(self) -> set[int]:
        self.thread.join()
        return set(self.seen) - {self.root}


def _parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _read(int(entry.name), "stat")
            if stat:
                parents[int(entry.name)] = int(stat.rsplit(b")", 1)[1].split()[1])
    return parents


def _read(pid: int, name: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes()
    except OSError:  # gone, or not ours to read (a sandboxed renderer)
        return b""


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """(URL for MASSAUDIT_DB, URL to read it back); PostgreSQL's carries a password (the test
    server trusts 127.0.0.1 and ignores it)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'from-env.sqlite'}"
        return url, url
    from sqlalchemy.engine import make_url

    plain = request.getfixturevalue("postgres_url")
    with_password = make_url(plain).set(password=SECRET).render_as_string(hide_password=False)
    return with_password, plain


def test_massaudit_db_from_the_environment_is_used_never_shown(tmp_path, database):
    url, plain = database
    write_site(tmp_path / "site")
    out = tmp_path / "report"
    with serve_directory(tmp_path / "site") as base:
        sites = write_sites_file(tmp_path / "sites.toml", base)
        process = subprocess.Popen(
            [sys.executable, "-m", "massaudit.cli", "run", "--sites", str(sites), "--json", "-v"],
            cwd=tmp_path,
            env={**os.environ, "MASSAUDIT_DB": url, "MASSAUDIT_OUT": str(out)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        watch = ProcessWatch(process)
        stdout, stderr = process.communicate(timeout=900)
    assert process.returncode == 0, stderr.decode()
    summary = json.loads(stdout)  # standard output is the summary and nothing else
    assert summary["status"] == "complete" and summary["states"]["audited"] == 2
    assert summary["scorecard"] == str(out / "index.html")
    store = Store(plain)
    assert [run.id for run in store.runs()] == [summary["run_id"]]
    store.close()
    assert b"--db = " in stderr and b"(env MASSAUDIT_DB)" in stderr  # -v names the source
    assert watch.children(), "the run started no process (no browser?)"
    secret = SECRET.encode()
    for pid, (cmdline, environ) in watch.seen.items():  # compared, never printed
        on_command_line, inherited = secret in cmdline, secret in environ
        assert not on_command_line, f"process {pid} has the password on its command line"
        assert not inherited, f"process {pid} inherited MASSAUDIT_DB"
    written = [stdout, stderr] + [p.read_bytes() for p in out.rglob("*") if p.is_file()]
    assert not any(secret in text for text in written)


def test_check_reads_its_gate_and_suppressions_from_massaudit_toml(tmp_path):
    def check() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "massaudit.cli", "check", str(MISSING_ALT)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )

    (tmp_path / "massaudit.toml").write_text(
        '[check]\nfail_on = "critical"\nreport = ["json:found.json", "text"]\n\n'
        '[[check.suppress]]\nrule = "image-alt"\nreason = "decorative fish, fixed in the CMS"\n'
    )
    done = check()
    assert done.returncode == 0, done.stdout + done.stderr  # image-alt (critical) suppressed
    [page] = json.loads((tmp_path / "found.json").read_text())["pages"]
    [image_alt] = [f for f in page["findings"] if f["rule_id"] == "image-alt"]
    assert image_alt["status"] == "suppressed"
    (tmp_path / "massaudit.toml").write_text('[check]\nfail_on = "critical"\n')
    assert check().returncode == 1  # the gate counts it again
