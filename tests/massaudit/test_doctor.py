"""`massaudit doctor`: one line per check, ok or FAIL with what to do; exit 0 when all pass, 1
otherwise; nothing is created or upgraded on the way."""

from __future__ import annotations

import shutil
import socket

import pytest
from integration_helpers import massaudit
from notify_receivers import free_port
from sqlalchemy import create_engine, text

from massaudit import doctor
from massaudit.audits import axe
from massaudit.store.db import Store
from massaudit.store.schema import SCHEMA_VERSION

SITES = (
    '[[agency]]\nid = "a"\nname = "A"\n[[site]]\nid = "s"\nagency = "a"\nname = "S"\n'
    'start_urls = ["https://www.mass.gov/"]\nallowed_hosts = ["www.mass.gov"]\n'
)
CHECKS = [
    "python",
    "chromium",
    "axe-core",
    "database",
    "sites file",
    "notifications",
    "broker",
    "redis",
    "output folder",
]


@pytest.fixture()
def ready(tmp_path):
    """A sites file, a store and an output folder that a run could use."""
    sites = tmp_path / "sites.toml"
    sites.write_text(SITES)
    db = tmp_path / "audit.sqlite"
    Store(str(db)).close()
    out = tmp_path / "report"
    out.mkdir()
    return ["--sites", str(sites), "--db", str(db), "--out", str(out)]


def services_unset(monkeypatch) -> None:
    for _name, variable, _port in doctor.SERVICES:
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.browser
def test_doctor_passes_on_this_machine(ready):
    result = massaudit(
        "doctor", *ready, env={"MASSAUDIT_BROKER_URL": "", "MASSAUDIT_REDIS_URL": ""}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":", 1)[0].split(None, 1)[1] for line in lines] == CHECKS
    assert all(line.startswith("ok    ") for line in lines), result.stdout
    assert "launches headless" in lines[1] and "version" in lines[1]
    assert lines[3].endswith(f"store schema {SCHEMA_VERSION}, no migration pending")
    assert lines[6] == "ok    broker: not configured (set MASSAUDIT_BROKER_URL to check one)"


def test_doctor_fails_naming_a_browser_that_is_not_there(ready):
    db = ready[3]
    without_db = ready[:2] + ready[4:]
    environment = {"MASSAUDIT_CHROMIUM": "/nonexistent", "MASSAUDIT_DB": db}
    result = massaudit("doctor", *without_db, env=environment)
    assert result.returncode == 1
    [failed] = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert failed == (
        "FAIL  chromium: MASSAUDIT_CHROMIUM=/nonexistent is not an executable file; point it at "
        "a Chromium or Chrome binary, or unset it"
    )
    schema_line = f"ok    database: sqlite:///{db}: store schema {SCHEMA_VERSION}"
    assert schema_line in result.stdout  # MASSAUDIT_DB's


def test_a_database_is_read_and_never_made_or_upgraded(tmp_path):
    new = tmp_path / "new" / "audit.sqlite"
    assert doctor.check_database(str(new)) == (f"{new}: no store yet; `massaudit run` creates it")
    assert not new.parent.exists()
    db = tmp_path / "audit.sqlite"
    Store(str(db)).close()
    url = f"sqlite:///{db}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0003'"))
        conn.execute(text("UPDATE massaudit_meta SET value = '3'"))
    assert doctor.check_database(str(db)) == (
        f"{url}: store schema 3, {SCHEMA_VERSION - 3} migration(s) pending (to {SCHEMA_VERSION}); "
        "the next run applies them, or `massaudit db upgrade`"
    )
    with engine.connect() as conn:  # still at 3
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0003"
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        conn.execute(text("UPDATE massaudit_meta SET value = '99'"))
    with pytest.raises(doctor.Problem, match="store schema 99, which this massaudit"):
        doctor.check_database(str(db))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE massaudit_meta"))
    with pytest.raises(doctor.Problem, match="not a massaudit store"):
        doctor.check_database(str(db))
    engine.dispose()


def test_a_database_that_does_not_answer_is_named_without_its_password():
    url = f"postgresql+psycopg://audit:s3cret@127.0.0.1:{free_port()}/massaudit"
    with pytest.raises(doctor.Problem) as caught:
        doctor.check_database(url)
    assert str(caught.value).startswith("postgresql+psycopg://audit:***@127.0.0.1:")
    assert "cannot connect" in str(caught.value) and "s3cret" not in str(caught.value)


def test_a_changed_axe_file_fails_its_hash(tmp_path, monkeypatch):
    vendor = tmp_path / "axe-core"
    shutil.copytree(axe.VENDOR_DIR, vendor)
    with (vendor / "axe.min.js").open("a") as script:
        script.write("\n// changed\n")
    monkeypatch.setattr(axe, "VENDOR_DIR", vendor)
    axe.axe_source.cache_clear()
    try:
        with pytest.raises(doctor.Problem, match="does not match axe-core 4.14.1"):
            doctor.check_axe()
    finally:
        axe.axe_source.cache_clear()
    monkeypatch.undo()
    assert doctor.check_axe() == "4.14.1, axe.min.js matches its recorded SRI hash"


def test_optional_services_are_checked_only_when_configured(monkeypatch):
    services_unset(monkeypatch)
    [broker, redis] = [doctor._service_check(v, p) for _n, v, p in doctor.SERVICES]
    assert redis() == "not configured (set MASSAUDIT_REDIS_URL to check one)"
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        monkeypatch.setenv("MASSAUDIT_BROKER_URL", f"amqp://guest:pw@127.0.0.1:{port}/vhost")
        assert broker() == f"amqp://127.0.0.1:{port} answers"
    closed = free_port()
    monkeypatch.setenv("MASSAUDIT_REDIS_URL", f"redis://:pw@127.0.0.1:{closed}/0")
    with pytest.raises(doctor.Problem) as caught:
        redis()
    assert str(caught.value).startswith(
        f"redis://127.0.0.1:{closed} (MASSAUDIT_REDIS_URL) does not answer"
    )
    assert "pw" not in str(caught.value)


def test_sites_file_notifications_and_output_folder(tmp_path, monkeypatch):
    sites = tmp_path / "sites.toml"
    sites.write_text("[[site]]\n" + SITES)
    with pytest.raises(doctor.Problem, match=r"sites.toml: site\[0\].id: missing required key"):
        doctor.check_sites(str(sites))
    assert doctor.check_notifications(str(sites)) == "not checked (the sites file is not valid)"
    sites.write_text(
        '[notify]\nwebhook_url_env = "TEAM_HOOK"\nemail_to = "a@example.gov"\n' + SITES
    )
    monkeypatch.delenv("TEAM_HOOK", raising=False)
    monkeypatch.delenv("MASSAUDIT_SMTP_HOST", raising=False)
    with pytest.raises(doctor.Problem, match=r"^\$TEAM_HOOK, \$MASSAUDIT_SMTP_HOST not set"):
        doctor.check_notifications(str(sites))
    monkeypatch.setenv("TEAM_HOOK", "https://hooks.example/x")
    monkeypatch.setenv("MASSAUDIT_SMTP_HOST", "smtp.example.gov")
    assert doctor.check_notifications(str(sites)) == (
        "1 target(s), 1 webhook variable(s) set, e-mail through smtp.example.gov"
    )
    with pytest.raises(doctor.Problem, match="is a file; give a folder"):
        doctor.check_output(str(sites))
    later = tmp_path / "not" / "yet"
    assert doctor.check_output(str(later)) == (
        f"{later}: not there yet; {tmp_path} is writable, so the run creates it"
    )
    assert not later.parent.exists()


def test_one_check_that_breaks_does_not_stop_the_others(tmp_path, monkeypatch):
    def broken() -> str:
        raise RuntimeError("unexpected\nsecond line")

    monkeypatch.setattr(doctor, "check_python", broken)
    monkeypatch.setattr(doctor, "check_browser", lambda: "skipped in this test")
    services_unset(monkeypatch)
    findings = doctor.diagnose(
        str(tmp_path / "none.toml"), str(tmp_path / "a.sqlite"), str(tmp_path)
    )
    assert [f.name for f in findings] == CHECKS
    assert findings[0].line() == "FAIL  python: RuntimeError: unexpected"
    assert findings[4].line().startswith("FAIL  sites file: ")
    assert "file not found" in findings[4].said
