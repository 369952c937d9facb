"""The cache is input from whoever could write to it: nothing in it runs, and anything wrong with an entry is a
miss (the file is linted again), never an error, a hang or an unbounded read (issue 13, items 1 and 2)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, kml_process

from kml_lint import spill
from kml_lint.registry import load_rules
from kml_lint.run import FileLinter, RunOptions, lint_paths

JOB = (ROOT / "examples" / "train-job.yaml").read_text()


def kml(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return kml_process(*args, cwd=cwd, timeout=60)  # a hang guard, not a speed assertion


@pytest.fixture
def primed(tmp_path: Path) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    """A repository with one manifest, a cache folder outside it holding that file's entry, and the
    report of a run without a cache (what every run below must still print)."""
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    repo.mkdir()
    (repo / "job.yaml").write_text(JOB)
    plain = kml("job.yaml", "--format", "json", cwd=repo)
    assert plain.returncode == 1 and json.loads(plain.stdout)["findings"]
    first = kml("job.yaml", "--format", "json", "--cache-dir", str(cache), "-v", cwd=repo)
    assert "cache: 0 of 1 files reused" in first.stderr and first.stdout == plain.stdout
    return repo, cache, plain


def the_entry(cache: Path) -> Path:
    entries = list(cache.glob("??/*.json"))
    assert len(entries) == 1
    return entries[0]


def sign(cache: Path, entry: Path, payload: bytes) -> bytes:
    """An entry as a holder of the cache's key would write it: only the schema stands between it and the run."""
    from kml_lint.cache import _MAGIC, ResultCache

    return _MAGIC + ResultCache("", set(), str(cache))._mac(entry.stem, payload) + b"\n" + payload


def assert_relinted(repo: Path, cache: Path, plain: subprocess.CompletedProcess[str]) -> None:
    proc = kml("job.yaml", "--format", "json", "--cache-dir", str(cache), "-v", cwd=repo)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "cache: 0 of 1 files reused" in proc.stderr
    assert proc.returncode == plain.returncode and proc.stdout == plain.stdout


def genuine_payload(cache: Path) -> dict:
    return json.loads(the_entry(cache).read_bytes().partition(b"\n")[2])


# -- item 1: nothing from the cache or the spill file is ever executed --------------------------------------

PAYLOAD = "cos\nsystem\n(S'touch {marker}'\ntR."
"""A pickle program (protocol 0: printable) that creates a marker file when unpickled."""


def test_a_pickle_program_in_a_manifest_never_runs_through_a_forged_spill_reference(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The exploit of issue 13: a manifest string holding a pickle program lands byte for byte in the run's
    # spill file; a cache entry for another file names a spilled site at that offset; judging the
    # cross-object rules reads the site back. It must never run.
    marker = tmp_path / "executed"
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    repo.mkdir()
    name = PAYLOAD.format(marker=marker)
    (repo / "a.yaml").write_text(f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {json.dumps(name)}\n"
                                 "spec:\n  containers:\n  - name: c\n    image: busybox:1.36\n")
    (repo / "z.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: z\n"
                                 "spec:\n  containers:\n  - name: c\n    image: busybox:1.36\n")
    monkeypatch.setattr(spill, "IN_MEMORY", 0)  # every site spills, as in a run with > 4,096 of them
    spilled: list[bytes] = []
    close = spill.SiteSpill.close

    def keep_and_close(self: spill.SiteSpill) -> None:
        if self._file is not None:
            self._file.seek(0)
            spilled.append(self._file.read())
        close(self)

    monkeypatch.setattr(spill.SiteSpill, "close", keep_and_close)
    monkeypatch.chdir(repo)
    rules = load_rules([])

    def options() -> RunOptions:
        return RunOptions(["."], list(rules), jobs=1, cache=True, cache_dir=str(cache))

    lint_paths(options())  # writes both files' entries; the spill file holds the program
    where = spilled[0].find(name.encode())
    offset = where if where >= 0 else max(0, spilled[0].find(b"cos"))  # JSON lines escape the newlines
    # The forged entry for z.yaml: a fact whose site is "spilled at that offset".
    linter = FileLinter(options())
    from kml_lint.discovery import discover

    z_path = next(t.path for t in discover(["."]).targets if t.path.endswith("z.yaml"))
    key = linter.cache.key(z_path, (repo / "z.yaml").read_text(), (False, [], False))
    site = {"record": "kml_lint.spill:SpilledSite", "values": [z_path, offset]}
    token = {"record": "kml_lint.checks.security:PodToken", "values": [None, "default", site]}
    entry = {"format": 5, "path": z_path, "objects": 1, "skipped": None, "object_refs": [], "findings": [],
             "facts": {"KML820": [{"tuple": [token]}]}, "directives": []}
    for old_format in (3, 4, 5):  # as entries were written before, and in today's format
        entry["format"] = old_format
        payload = json.dumps(entry).encode()
        target = cache / key[:2] / f"{key}.json"
        target.write_bytes(sign(cache, target, payload))  # even authenticated, the record is refused
        report = lint_paths(options())
        assert not marker.exists()
        assert report.summary().cached == 1  # a.yaml reused; z.yaml's forged entry is a miss
    (repo / ".kml-lint-cache" / key[:2]).mkdir(parents=True)  # the old default location, committed
    (repo / ".kml-lint-cache" / key[:2] / f"{key}.json").write_bytes(payload)
    lint_paths(RunOptions(["."], list(rules), jobs=1, cache=True))
    assert not marker.exists()


def test_the_spill_file_is_never_unpickled(tmp_path: Path) -> None:
    from kml_lint.checks import Site
    from kml_lint.findings import ObjectRef

    marker = tmp_path / "executed"
    name = PAYLOAD.format(marker=marker)
    store = spill.SiteSpill(in_memory=0)
    site = Site("a.yaml", 3, 5, "/metadata/name", ObjectRef("v1", "Pod", None, name), f"Pod {name}", "/x")
    spilled = store.compact(site)
    assert store.load(spilled) == site
    store._file.seek(0)
    data = store._file.read()
    assert b"cos\nsystem" not in data  # manifest strings are escaped, never written raw
    for offset in range(len(data)):  # whatever offset a reference names: a site or an error, never code
        with contextlib.suppress(ValueError):
            store.load(spill.SpilledSite("a.yaml", offset))
    store.close()
    assert not marker.exists()
    unpicklers = [str(path) for path in (ROOT / "kml_lint").rglob("*.py")
                  if re.search(r"^\s*(import|from) (c?pickle|marshal|shelve)\b", path.read_text(), re.M)]
    assert unpicklers == []


# -- item 1: where the cache lives, and authentication -------------------------------------------------------

def test_a_cache_committed_to_the_repository_is_never_read(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "job.yaml").write_text(JOB)
    env = {"XDG_CACHE_HOME": str(tmp_path / "home-cache")}
    plain = kml_process("job.yaml", "--format", "json", cwd=repo)
    # An attacker commits .kml-lint-cache/ with an entry under every plausible key: none is ever looked at.
    committed = repo / ".kml-lint-cache"
    committed.mkdir()
    (committed / "key").write_bytes(b"k" * 32)
    proc = kml_process("job.yaml", "--format", "json", "--cache", "-v", cwd=repo, env=env)
    assert proc.stdout == plain.stdout and "cache: 0 of 1 files reused" in proc.stderr
    assert list((tmp_path / "home-cache" / "kml-lint").glob("??/*.json"))
    assert sorted(p.name for p in committed.iterdir()) == ["key"]


def test_an_entry_without_the_keys_hmac_is_a_miss(primed: tuple[Path, Path, subprocess.CompletedProcess[str]]) \
        -> None:
    repo, cache, plain = primed
    entry = the_entry(cache)
    forged = genuine_payload(cache)
    forged["findings"] = []  # drop every finding; anyone can compute the key and write this
    head = entry.read_bytes().partition(b"\n")[0]
    entry.write_bytes(head[:-4] + b"0000\n" + json.dumps(forged).encode())
    assert_relinted(repo, cache, plain)
    entry.write_bytes(json.dumps(forged).encode())  # the old format: plain JSON
    assert_relinted(repo, cache, plain)


def test_a_key_someone_else_could_have_written_disables_the_cache(tmp_path: Path) -> None:
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    repo.mkdir()
    cache.mkdir()
    (repo / "job.yaml").write_text(JOB)
    (cache / "key").write_bytes(b"k" * 32)
    (cache / "key").chmod(0o644)  # as a checkout leaves a committed file
    plain = kml("job.yaml", "--format", "json", cwd=repo)
    proc = kml("job.yaml", "--format", "json", "--cache-dir", str(cache), cwd=repo)
    assert proc.stdout == plain.stdout and "private" in proc.stderr and "Traceback" not in proc.stderr
    assert not list(cache.glob("??"))


# -- item 2: a wrong entry is a miss -------------------------------------------------------------------------

def _mutations(cache: Path) -> dict[str, bytes]:
    good = genuine_payload(cache)
    path = good["path"]

    def changed(**fields: object) -> bytes:
        return json.dumps({**good, **fields}).encode()

    first = good["findings"][0]
    return {
        "empty list": b"[]",
        "not JSON": b"\x80garbage",
        "deep nesting": b"[" * 100_000 + b"]" * 100_000,
        "deep fact nesting": changed(facts={"KML736": [json.loads('{"tuple": [' * 200 + "1" + "]}" * 200)]}),
        "objects a string": changed(objects="1"),
        "findings a mapping": changed(findings={}),
        "line zero": changed(findings=[{**first, "line": 0}]),
        "line a string": changed(findings=[{**first, "line": "3"}]),
        "column a float": changed(findings=[{**first, "col": 1.5}]),
        "unknown rule": changed(findings=[{**first, "rule_id": "KML999"}]),
        "another file": changed(findings=[{**first, "path": "/etc/passwd"}]),
        "entry of another file": changed(path=path + ".other"),
        "unknown severity": changed(findings=[{**first, "severity": "fatal"}]),
        "extra field": changed(findings=[{**first, "extra": 1}]),
        "unlisted record": changed(facts={"KML736": [{"record": "kml_lint.run:RunOptions", "fields": {}}]}),
        "record of a module": changed(facts={"KML736": [{"record": "os:system", "values": ["touch x"]}]}),
        "fact of an unknown rule": changed(facts={"KML999": []}),
    }


CASES = ["empty list", "not JSON", "deep nesting", "deep fact nesting", "objects a string", "findings a mapping",
         "line zero", "line a string", "column a float", "unknown rule", "another file", "entry of another file",
         "unknown severity", "extra field", "unlisted record", "record of a module", "fact of an unknown rule"]


@pytest.mark.parametrize("case", CASES)
def test_an_authenticated_entry_that_breaks_the_schema_is_a_miss(
        case: str, primed: tuple[Path, Path, subprocess.CompletedProcess[str]]) -> None:
    repo, cache, plain = primed
    entry = the_entry(cache)
    payload = _mutations(cache)[case]
    entry.write_bytes(sign(cache, entry, payload))
    assert_relinted(repo, cache, plain)


def test_a_fifo_entry_is_a_miss_not_a_hang(primed: tuple[Path, Path, subprocess.CompletedProcess[str]]) -> None:
    repo, cache, plain = primed
    entry = the_entry(cache)
    entry.unlink()
    os.mkfifo(entry)
    assert_relinted(repo, cache, plain)


def test_an_entry_linked_to_a_device_is_a_miss_not_an_unbounded_read(
        primed: tuple[Path, Path, subprocess.CompletedProcess[str]]) -> None:
    repo, cache, plain = primed
    entry = the_entry(cache)
    entry.unlink()
    os.symlink("/dev/zero", entry)
    assert_relinted(repo, cache, plain)


def test_entries_and_shard_folders_are_never_followed_through_symlinks(
        tmp_path: Path, primed: tuple[Path, Path, subprocess.CompletedProcess[str]]) -> None:
    repo, cache, plain = primed
    entry = the_entry(cache)
    # A symlink to a genuine entry elsewhere: a regular file with a valid HMAC, but reached through a link.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(entry, elsewhere / entry.name)
    entry.unlink()
    os.symlink(elsewhere / entry.name, entry)
    assert_relinted(repo, cache, plain)
    assert not entry.is_symlink() and entry.is_file()  # the miss wrote a new entry: the link itself replaced
    assert (elsewhere / entry.name).read_bytes() == entry.read_bytes()
    # A shard folder linked to a folder outside the cache: neither read nor written through.
    shard = entry.parent
    shutil.rmtree(shard)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(elsewhere / entry.name, outside / entry.name)
    os.symlink(outside, shard)
    before = sorted(p.name for p in outside.iterdir())
    assert_relinted(repo, cache, plain)
    assert sorted(p.name for p in outside.iterdir()) == before


def test_a_cache_folder_that_is_a_symlink_is_not_used(tmp_path: Path) -> None:
    repo, real = tmp_path / "repo", tmp_path / "real"
    repo.mkdir()
    real.mkdir()
    (repo / "job.yaml").write_text(JOB)
    os.symlink(real, tmp_path / "cache")
    plain = kml("job.yaml", "--format", "json", cwd=repo)
    proc = kml("job.yaml", "--format", "json", "--cache-dir", str(tmp_path / "cache"), cwd=repo)
    assert proc.stdout == plain.stdout and "cache not used" in proc.stderr and "symbolic link" in proc.stderr
    assert not list(real.iterdir())


def _open_cache_key(folder: str) -> bytes:
    from kml_lint.cache import ResultCache

    return ResultCache("sig", {"KML001"}, folder)._key


def test_racing_runs_share_one_key(tmp_path: Path) -> None:
    import multiprocessing

    folder = str(tmp_path / "cache")
    with multiprocessing.get_context("fork").Pool(6) as pool:  # first uses at once: one key wins for all
        keys = pool.map(_open_cache_key, [folder] * 12, chunksize=1)
    assert len(set(keys)) == 1 and _open_cache_key(folder) == keys[0]
    assert (tmp_path / "cache" / "key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith(".key")] == []


def test_an_oversized_entry_is_a_miss(primed: tuple[Path, Path, subprocess.CompletedProcess[str]]) -> None:
    from kml_lint.cache import MAX_ENTRY_SIZE

    repo, cache, plain = primed
    entry = the_entry(cache)
    with open(entry, "r+b") as handle:
        handle.truncate(MAX_ENTRY_SIZE + 1)  # sparse: the genuine entry followed by zeros
    assert_relinted(repo, cache, plain)
