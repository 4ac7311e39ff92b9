"""Bad input is refused before any work starts, with one line naming the problem: numbers out of
range or not finite, credentials in URLs, files nested too deep, and command-line flags and
paths that cannot work."""

from __future__ import annotations

import copy
import math
import subprocess

import pytest
from integration_helpers import massaudit
from test_sites import VALID

from massaudit.cli import main
from massaudit.crawler.sites import SitesConfigError, load_sites, parse_sites
from massaudit.pipeline.check.suppressions import CheckConfigError, load_check_config

EXIT_USAGE = 2


def site_with(**values) -> dict:
    data = copy.deepcopy(VALID)
    data["site"][0].update(values)
    return data


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("download_delay", math.inf, "at least 0 and at most 60"),
        ("download_delay", 1e300, "at least 0 and at most 60"),
        ("download_delay", math.nan, "at least 0 and at most 60"),
        ("download_delay", -1.0, "at least 0 and at most 60"),
        ("fetch_timeout", math.nan, "at least 1 and at most 300"),
        ("fetch_timeout", 0.0, "at least 1 and at most 300"),
        ("fetch_timeout", math.inf, "at least 1 and at most 300"),
        ("concurrency_per_host", 10_000, "at least 1 and at most 64"),
        ("max_pages", 2**62, "at most 1,000,000"),
        ("max_depth", 10**9, "at most 1,000"),
    ],
)
def test_site_numbers_must_be_finite_and_in_range(key, value, allowed):
    with pytest.raises(SitesConfigError) as excinfo:
        parse_sites(site_with(**{key: value}), "conf/sites.toml")
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith(f"conf/sites.toml: site[0] (eotss-mass-gov).{key}: ")
    assert allowed in message


def test_check_options_must_be_finite():
    data = site_with(checks={"lcp_ms": math.nan})
    with pytest.raises(SitesConfigError, match=r"checks\.lcp_ms: must be at least 0"):
        parse_sites(data, "sites.toml")


def test_toml_inf_and_nan_are_refused_when_loading(tmp_path):
    path = tmp_path / "sites.toml"
    text = (
        '[[agency]]\nid = "a"\nname = "A"\n\n[[site]]\nid = "s"\nagency = "a"\nname = "S"\n'
        'start_urls = ["https://www.mass.gov/"]\nallowed_hosts = ["www.mass.gov"]\n'
    )
    path.write_text(text + "download_delay = inf\n")
    with pytest.raises(SitesConfigError, match=r"download_delay: .*got inf"):
        load_sites(path)
    path.write_text(text + "fetch_timeout = nan\n")
    with pytest.raises(SitesConfigError, match=r"fetch_timeout: .*got nan"):
        load_sites(path)


@pytest.mark.parametrize(
    ("change", "key_path"),
    [
        (
            lambda d: d["site"][0].update(start_urls=["https://user:secret@www.mass.gov/orgs/x"]),
            "start_urls[0]",
        ),
        (
            lambda d: d["site"][0].update(sitemaps=["https://user@www.mass.gov/sitemap.xml"]),
            "sitemaps[0]",
        ),
        (
            lambda d: d["site"][0].update(allowed_hosts=["user:secret@www.mass.gov"]),
            "allowed_hosts[0]",
        ),
        (lambda d: d["agency"][0].update(url="https://a:b@www.mass.gov/"), "agency[0].url"),
    ],
)
def test_credentials_in_urls_are_refused(change, key_path):
    data = copy.deepcopy(VALID)
    change(data)
    with pytest.raises(SitesConfigError) as excinfo:
        parse_sites(data, "sites.toml")
    message = str(excinfo.value)
    assert key_path in message and "password in a URL is not supported" in message
    assert "secret" not in message and "\n" not in message


def test_deeply_nested_sites_file_is_one_line(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(SitesConfigError) as excinfo:
        load_sites(path)
    assert str(excinfo.value) == (
        f"{path}: nesting too deep (arrays or tables inside each other); flatten the file"
    )


def test_deeply_nested_check_config_is_one_line(tmp_path):
    path = tmp_path / "check.toml"
    path.write_text("suppress = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
    with pytest.raises(CheckConfigError, match="nesting too deep"):
        load_check_config(path, [])


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
