"""Bad command-line input is refused before any work starts, with one line naming the problem:
flags out of range or not finite, and paths that cannot work (bad sites.toml values:
tests/crawler/test_sites.py)."""

from __future__ import annotations

import subprocess

import pytest
from integration_helpers import massaudit

from massaudit.cli import main

EXIT_USAGE = 2


def run_main(capsys, *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = exc.code
    err = capsys.readouterr().err
    return code, err


def assert_one_line(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], err


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "301", "abc"])
@pytest.mark.parametrize("command", ["run", "demo", "check"])
def test_page_timeout_must_be_finite_from_1_to_300(capsys, command, value):
    inputs = ["page.html"] if command == "check" else []
    code, err = run_main(capsys, command, *inputs, "--page-timeout", value)
    assert code == EXIT_USAGE
    assert_one_line(err, "--page-timeout")


@pytest.mark.parametrize("value", ["0", "-3", "1000"])
@pytest.mark.parametrize("command", ["run", "check"])
def test_concurrency_is_bounded(capsys, command, value):
    inputs = ["page.html"] if command == "check" else []
    code, err = run_main(capsys, command, *inputs, "--concurrency", value)
    assert code == EXIT_USAGE
    assert_one_line(err, "--concurrency", "from 1 to 32")


def test_regression_threshold_must_be_finite(capsys):
    code, err = run_main(
        capsys, "report", "--db", "x", "--out", "y", "--regression-threshold", "nan"
    )
    assert code == EXIT_USAGE
    assert_one_line(err, "--regression-threshold")


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_serve_demo_port_out_of_range_is_one_line(port):
    done = massaudit("serve-demo", "--port", port, timeout=60)
    assert done.returncode == EXIT_USAGE
    assert_one_line(done.stderr, "--port")


def test_out_pointing_at_a_file_is_refused_before_the_run(capsys, tmp_path):
    a_file = tmp_path / "report"
    a_file.write_text("not a folder")
    db = tmp_path / "audit.sqlite"
    code, err = run_main(
        capsys, "run", "--sites", "sites.toml", "--db", str(db), "--out", str(a_file)
    )
    assert code == EXIT_USAGE
    assert_one_line(err, f"--out {a_file}: is a file")
    assert not db.exists(), "nothing was started"


def test_log_pointing_at_a_folder_is_refused_before_the_run(capsys, tmp_path):
    db = tmp_path / "audit.sqlite"
    code, err = run_main(
        capsys, "run", "--db", str(db), "--out", str(tmp_path / "out"), "--log", str(tmp_path)
    )
    assert code == EXIT_USAGE
    assert_one_line(err, f"--log {tmp_path}: is a folder")
    assert not db.exists()


def test_db_under_a_file_is_refused(capsys, tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    code, err = run_main(
        capsys, "run", "--db", str(a_file / "audit.sqlite"), "--out", str(tmp_path / "out")
    )
    assert code == EXIT_USAGE
    assert_one_line(err, "--db", "cannot create its folder")


def test_missing_traffic_file_is_refused_before_the_run(capsys, tmp_path):
    db = tmp_path / "audit.sqlite"
    code, err = run_main(
        capsys,
        "run",
        "--db",
        str(db),
        "--out",
        str(tmp_path / "out"),
        "--traffic",
        str(tmp_path / "views.csv"),
    )
    assert code == EXIT_USAGE
    assert_one_line(err, "--traffic", "no such file")
    assert not db.exists()


def test_report_and_export_need_an_existing_database(capsys, tmp_path):
    missing = tmp_path / "nothing.sqlite"
    code, err = run_main(capsys, "report", "--db", str(missing), "--out", str(tmp_path / "o"))
    assert code == EXIT_USAGE
    assert_one_line(err, "no such database file")
    assert not missing.exists(), "no empty database was created by a typo"


def test_check_report_path_that_is_a_folder_is_refused_before_checking(capsys, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><title>x</title>")
    code, err = run_main(capsys, "check", str(page), "--report", f"junit:{tmp_path}")
    assert code == EXIT_USAGE
    assert_one_line(err, f"--report {tmp_path}: is a folder")


@pytest.fixture()
def read_only_dir(tmp_path):
    """A read-only file system (a tmpfs mounted read-only): refused even for root."""
    place = tmp_path / "ro"
    place.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(place)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {done.stderr.strip()}")
    yield place
    subprocess.run(["umount", str(place)], check=False)


@pytest.mark.parametrize("flag", ["--out", "--log", "--db"])
def test_read_only_places_are_refused_before_the_run(capsys, tmp_path, read_only_dir, flag):
    paths = {
        "--out": str(tmp_path / "out"),
        "--db": str(tmp_path / "audit.sqlite"),
        "--log": str(tmp_path / "run.jsonl"),
    }
    paths[flag] = str(read_only_dir / ("sub" if flag == "--out" else "file"))
    args = [item for pair in paths.items() for item in pair]
    code, err = run_main(capsys, "run", *args)
    assert code == EXIT_USAGE
    assert_one_line(err, flag, "Read-only file system")
