"""The built wheel carries rules/ and schemas/ inside the package and runs from any folder."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)], check=True,
                   capture_output=True, timeout=600)
    return next(out.glob("kml_lint-*.whl"))


def test_wheel_layout(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "kml_lint/rules/KML201.yaml" in names
    assert "kml_lint/schemas/README.md" in names
    assert "kml_lint/workloads.yaml" in names and "kml_lint/meta/rule.schema.json" in names
    top_level = {name.split("/")[0] for name in names}
    assert "rules" not in top_level and "schemas" not in top_level
    assert any(name.startswith("kml_lint/schemas/kubernetes/v1.") and name.endswith(".zip") for name in names)
    assert "kml_lint/schemas/crds/kubeflow.org/pytorchjob_v1.json.gz" in names
    assert "kml_lint/apiversions.yaml" in names


def test_wheel_stays_small(wheel: Path) -> None:
    """Four Kubernetes versions and the ML operators' CRD schemas must keep the wheel under 10 MB."""
    assert wheel.stat().st_size < 10 * 1000 * 1000, f"{wheel.name}: {wheel.stat().st_size:,} bytes"


@pytest.mark.network
def test_installed_wheel_runs_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True,
                   timeout=600)
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "job.yaml").write_text((ROOT / "examples" / "train-job.yaml").read_text())
    proc = subprocess.run([str(env_dir / "bin" / "kml-lint"), "job.yaml", "--format", "json"], cwd=work,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "KML201" in proc.stdout and "Traceback" not in proc.stderr
    listed = subprocess.run([str(env_dir / "bin" / "kml-lint"), "--list-rules"], cwd=work, capture_output=True,
                            text=True, timeout=120)
    assert "KML501" in listed.stdout
    # The C parser must be the one in use (ruamel.yaml.clib is a declared dependency), building C-level events.
    probe = ("import kml_lint.yamlevents as e, kml_lint.yamlfold as y; y.parse_yaml('a: 1'); "
             "print(e.CParser.__module__, e.EventStream.fast)")
    check = subprocess.run([str(python), "-c", probe], cwd=work, capture_output=True, text=True, timeout=60)
    assert "_ruamel_yaml" in check.stdout and "True" in check.stdout, check.stdout + check.stderr
