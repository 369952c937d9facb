"""Every file kml-lint reads besides manifests is a regular file of bounded size or a clear error (exit 2), the
report is replaced only when complete, usage and I/O problems say so plainly, and folder walks stay inside
the folder (issue 13, items 3, 5, 10 and 11)."""

from __future__ import annotations

import errno
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, cli, kml_process

JOB = (ROOT / "examples" / "train-job.yaml").read_text()


def kml(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return kml_process(*args, cwd=cwd, timeout=60)  # a hang guard, not a speed assertion


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / ".git").mkdir()  # the configuration search stops here
    (folder / "job.yaml").write_text(JOB)
    return folder


def special(path: Path, kind: str) -> None:
    """Make ``path`` a FIFO, a link to a device, or a sparse file above every size cap."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        os.symlink("/dev/zero", path)
    else:
        with open(path, "wb") as handle:
            handle.truncate(300 * 1024 * 1024)  # sparse: costs no disk


def assert_refused(proc: subprocess.CompletedProcess[str], name: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert name in proc.stderr and "kml-lint: error:" in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


KINDS = ["fifo", "device", "oversized"]


# -- item 3 ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_a_special_or_oversized_configuration_is_an_error(repo: Path, kind: str) -> None:
    special(repo / ".kml-lint.yaml", kind)
    assert_refused(kml("job.yaml", cwd=repo), ".kml-lint.yaml")


@pytest.mark.parametrize("kind", KINDS)
def test_a_special_or_oversized_pyproject_is_an_error(repo: Path, kind: str) -> None:
    special(repo / "pyproject.toml", kind)
    assert_refused(kml("job.yaml", "--config", "pyproject.toml", cwd=repo), "pyproject.toml")


@pytest.mark.parametrize("kind", KINDS)
def test_a_special_or_oversized_baseline_is_an_error(repo: Path, kind: str) -> None:
    special(repo / "baseline.json", kind)
    assert_refused(kml("job.yaml", "--baseline", "baseline.json", cwd=repo), "baseline.json")


@pytest.mark.parametrize("kind", KINDS)
def test_a_special_or_oversized_workload_table_is_an_error(repo: Path, kind: str) -> None:
    special(repo / "rows.yaml", kind)
    assert_refused(kml("job.yaml", "--workloads", "rows.yaml", cwd=repo), "rows.yaml")


@pytest.mark.parametrize("kind", KINDS)
def test_a_special_or_oversized_rule_file_is_an_error(repo: Path, kind: str) -> None:
    (repo / "rules").mkdir()
    special(repo / "rules" / "KML990.yaml", kind)
    assert_refused(kml("job.yaml", "--rules-dir", "rules", cwd=repo), "KML990.yaml")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["job_v1.json", "crd.yaml"])
def test_a_special_or_oversized_schema_file_is_an_error(repo: Path, kind: str, name: str) -> None:
    (repo / "schemas").mkdir()
    special(repo / "schemas" / name, kind)
    assert_refused(kml("job.yaml", "--schema-dir", "schemas", cwd=repo), name)


def test_a_gzip_bomb_among_schemas_is_an_error(repo: Path) -> None:
    (repo / "schemas").mkdir()
    (repo / "schemas" / "job_v1.json.gz").write_bytes(gzip.compress(b" " * (64 * 1024 * 1024)))
    assert_refused(kml("job.yaml", "--schema-dir", "schemas", cwd=repo), "job_v1.json.gz")


# -- item 5 ---------------------------------------------------------------------------------------------------

def test_a_failed_run_keeps_the_previous_report(repo: Path) -> None:
    good = kml("job.yaml", "--format", "sarif", "-o", "report.sarif", cwd=repo)
    assert good.returncode == 1
    previous = (repo / "report.sarif").read_text()
    json.loads(previous)
    failed = kml("job.yaml", "missing.yaml", "--format", "sarif", "-o", "report.sarif", cwd=repo)
    assert failed.returncode == 2 and "path does not exist" in failed.stderr
    assert (repo / "report.sarif").read_text() == previous
    assert sorted(p.name for p in repo.iterdir()) == [".git", "job.yaml", "report.sarif"]  # no temporary left


def test_a_killed_run_keeps_the_previous_report(repo: Path) -> None:
    (repo / "report.json").write_text('{"previous": true}\n')
    for number in range(300):
        (repo / f"job{number}.yaml").write_text(JOB)
    proc = subprocess.Popen([sys.executable, "-m", "kml_lint", ".", "--format", "json", "-o", "report.json",
                             "--jobs", "1"], cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    temporary: list[Path] = []
    try:
        while proc.poll() is None and not temporary:  # wait until the report is being written
            temporary = list(repo.glob(".report.json.*.tmp"))
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    assert temporary, "the run ended before it started writing"
    assert (repo / "report.json").read_text() == '{"previous": true}\n'


def test_the_report_replaces_a_symlink_instead_of_writing_through_it(repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "outside.txt"
    target.write_text("not yours\n")
    os.symlink(target, repo / "report.json")
    proc = kml("job.yaml", "--format", "json", "-o", "report.json", cwd=repo)
    assert proc.returncode == 1
    assert target.read_text() == "not yours\n"
    assert not (repo / "report.json").is_symlink() and json.loads((repo / "report.json").read_text())["findings"]


# -- item 10 --------------------------------------------------------------------------------------------------

def test_output_into_a_missing_folder_is_a_plain_error(repo: Path) -> None:
    proc = kml("job.yaml", "-o", "missing/report.txt", cwd=repo)
    assert_refused(proc, "missing/report.txt")
    assert "does not exist" in proc.stderr


def test_a_full_disk_is_a_plain_error_and_keeps_the_previous_report(repo: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "report.json").write_text("previous\n")
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, handle: object) -> None:
            self.handle = handle

        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name: str) -> object:
            return getattr(self.handle, name)

    def full_disk(*args: object, **kwargs: object) -> object:
        return Full(real_fdopen(*args, **kwargs))

    monkeypatch.setattr(os, "fdopen", full_disk)
    code, _, err = cli("job.yaml", "--format", "json", "-o", "report.json", cwd=repo)
    monkeypatch.undo()
    assert code == 2 and "No space left on device" in err and "report.json" in err
    assert "internal error" not in err
    assert (repo / "report.json").read_text() == "previous\n"


def test_an_overflowing_max_file_size_is_a_usage_error(repo: Path) -> None:
    proc = kml("job.yaml", "--max-file-size", "9" * 40, cwd=repo)
    assert proc.returncode == 2 and "--max-file-size" in proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


def test_jobs_are_capped_by_cpus_files_and_a_maximum() -> None:
    from kml_lint.run import MAX_JOBS, _jobs, usable_cpus

    assert _jobs(10_000, 3) <= 3
    assert _jobs(10_000, 1_000_000) <= min(usable_cpus(), MAX_JOBS)
    assert _jobs(None, 1) == 1


def test_workers_exit_quietly_when_the_parent_is_killed(repo: Path) -> None:
    for number in range(400):
        (repo / f"job{number}.yaml").write_text(JOB)
    proc = subprocess.Popen([sys.executable, "-m", "kml_lint", ".", "--format", "text", "--jobs", "2"], cwd=repo,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()  # results are arriving: the workers are busy
    proc.send_signal(signal.SIGKILL)
    proc.stdout.close()
    err = proc.stderr.read().decode()  # ends when the parent and every worker have exited
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err


# -- item 11 --------------------------------------------------------------------------------------------------

def test_a_walk_skips_symlinks_leading_outside_the_folder(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "kubeconfig.yaml"
    secret.write_text(JOB.replace("finetune-llama", "from-outside"))
    os.symlink(secret, repo / "x.yaml")
    (repo / "sub").mkdir()
    (repo / "sub" / "real.yaml").write_text(JOB.replace("finetune-llama", "from-inside"))
    os.symlink(repo / "sub" / "real.yaml", repo / "inside.yaml")  # a link within the folder is followed
    os.symlink(tmp_path, repo / "escape")  # a folder link to outside
    proc = kml(".", "--format", "json", "-v", cwd=repo)
    assert "from-outside" not in proc.stdout and "from-inside" in proc.stdout
    assert "x.yaml: symbolic link to outside the folder walked" in proc.stderr
    assert "escape/: symbolic link to outside" in proc.stderr or "escape: symbolic link to outside" in proc.stderr
    assert "inside.yaml" in proc.stdout
    named = kml("x.yaml", "--format", "json", cwd=repo)  # named on the command line: the user's choice
    assert "from-outside" in named.stdout


def test_a_pipe_or_terminal_as_the_report_is_written_directly(repo: Path) -> None:
    (repo / "report.json").symlink_to("/dev/stdout")  # links to a pipe: written through, the link stays
    proc = kml("job.yaml", "--format", "json", "-o", "report.json", cwd=repo)
    assert proc.returncode == 1 and json.loads(proc.stdout)["findings"]
    assert (repo / "report.json").is_symlink()
    assert kml("job.yaml", "-o", "/dev/null", cwd=repo).returncode == 1
