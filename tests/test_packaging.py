"""The installed distribution: one import name, `massaudit`, with the layers as its subpackages,
and a demo that works from a wheel in an empty folder."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from repo_paths import REPO

pytestmark = pytest.mark.long

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def test_every_package_folder_is_listed_and_mapped():
    folders = {}
    for name, folder in SETUPTOOLS["package-dir"].items():
        for init in (REPO / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO / folder)
            if "vendor" in relative.parts:
                continue
            folders[".".join((name, *relative.parts))] = init.parent
    assert sorted(SETUPTOOLS["packages"]) == sorted(folders)
    assert all(name.split(".")[0] == "massaudit" for name in SETUPTOOLS["packages"])


@pytest.mark.browser
def test_a_wheel_installs_only_massaudit_and_its_demo_runs_in_an_empty_folder(tmp_path):
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(dist), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("massaudit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top_level = {
        name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")
    }
    assert top_level == {"massaudit"}
    assert "massaudit/demo/sites.toml" in names
    assert "massaudit/audits/vendor/axe-core/axe.min.js" in names

    # A clean virtualenv that borrows this one's dependencies (not massaudit itself: only the
    # site-packages folder is added, so the editable install of the checkout stays out).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site_packages = Path(
        sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)})
    )
    ours = Path(sysconfig.get_path("purelib"))
    (site_packages / "massaudit-test-dependencies.pth").write_text(f"{ours}\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install"]
        + ["--quiet", "--no-deps", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import massaudit.rules; print(massaudit.rules.__file__)",
        ],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.strip().startswith(str(site_packages)), where.stdout + where.stderr
    demo = subprocess.run(
        [str(venv / "bin" / "massaudit"), "demo", "--quiet"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stderr
    assert (empty / "out" / "demo" / "index.html").is_file()
    assert "Run 1 complete" in demo.stdout
