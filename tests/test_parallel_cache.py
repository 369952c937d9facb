"""--jobs gives the same output as one process (order included); --cache reuses only what is unchanged."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, kml_process, requires_corpus


def kml(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return kml_process(*args, cwd=cwd)


@requires_corpus()
@pytest.mark.parametrize("fmt", ["json", "sarif", "text"])
def test_jobs_output_is_identical_to_one_process(fmt: str, tmp_path: Path) -> None:
    subset = tmp_path / "subset"
    for repo in sorted(CORPUS.iterdir())[:6]:
        shutil.copytree(repo, subset / repo.name)
    (subset / "broken.yaml").write_text("apiVersion: v1\nkind: [\n")
    one = kml(str(subset), "--format", fmt, "--jobs", "1", cwd=tmp_path)
    two = kml(str(subset), "--format", fmt, "--jobs", "2", cwd=tmp_path)
    auto = kml(str(subset), "--format", fmt, cwd=tmp_path)
    assert one.returncode == two.returncode == auto.returncode
    assert one.stdout == two.stdout == auto.stdout
    assert "Traceback" not in one.stderr + two.stderr


def test_cache_reuses_unchanged_files_and_notices_changes(tmp_path: Path) -> None:
    work, folder = tmp_path / "repo", str(tmp_path / "cache")
    work.mkdir()
    for name in ("train-job.yaml", "nightly-cronjob.yaml"):
        shutil.copy(ROOT / "examples" / name, work / name)

    def cached_run() -> subprocess.CompletedProcess[str]:
        return kml(".", "--format", "json", "--cache-dir", folder, "-v", cwd=work)

    first = cached_run()
    assert "cache: 0 of 2 files reused" in first.stderr
    assert (Path(folder) / ".gitignore").read_text().strip().endswith("*")
    second = cached_run()
    assert "cache: 2 of 2 files reused" in second.stderr and second.stdout == first.stdout
    # a changed file is linted again
    (work / "nightly-cronjob.yaml").write_text((ROOT / "examples" / "nightly-cronjob.yaml").read_text()
                                               .replace(":nightly", ":2024.06.01"))
    third = cached_run()
    assert "cache: 1 of 2 files reused" in third.stderr
    assert len(json.loads(third.stdout)["findings"]) == len(json.loads(first.stdout)["findings"]) - 1
    # a changed option (rule parameters through a configuration file) invalidates everything
    (work / ".kml-lint.yaml").write_text("rules:\n  KML301:\n    params: {floating_tags: [edge]}\n")
    fourth = cached_run()
    assert "cache: 0 of 2 files reused" in fourth.stderr


def test_default_cache_is_the_users_cache_folder(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "train-job.yaml", tmp_path / "job.yaml")
    home = tmp_path / "xdg"
    env = {"XDG_CACHE_HOME": str(home)}
    first = kml_process("job.yaml", "--cache", "-v", cwd=tmp_path, env=env)
    second = kml_process("job.yaml", "--cache", "-v", cwd=tmp_path, env=env)
    assert "cache: 1 of 1 files reused" in second.stderr and first.stdout == second.stdout
    assert not (tmp_path / ".kml-lint-cache").exists()
    assert list((home / "kml-lint").rglob("*.json")) and (home / "kml-lint" / "key").stat().st_mode & 0o777 == 0o600


def test_cache_never_holds_a_secret(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "train-job.yaml", tmp_path / "job.yaml")
    kml("job.yaml", "--cache-dir", str(tmp_path / "cache"), "--format", "full", cwd=tmp_path)
    token = "hf_ThisIsNotARealTokenButItLooksLikeOne42"
    entries = list((tmp_path / "cache").rglob("*.json"))
    assert entries
    for path in entries:
        assert token not in path.read_text()
