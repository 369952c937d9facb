"""What the README and docs promise a new user: links and versions that exist, the commands' exit codes, and
the tests that are skipped without the shared material."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import ROOT, all_rules, cli

from kml_lint.registry import PROJECT_URL

README = ROOT / "README.md"
# Every file a user copies from: the README, the docs, the hook and action definitions.
USER_FACING = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / ".pre-commit-hooks.yaml", ROOT / "action.yml"]


def test_every_rule_link_resolves_to_a_page_on_the_default_branch() -> None:
    for rule in all_rules():
        assert rule.help_uri == f"{PROJECT_URL}/blob/main/docs/rules/{rule.id}.md"
        assert (ROOT / "docs" / "rules" / f"{rule.id}.md").is_file()


def _tags() -> set[str] | None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return None
    proc = subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    return set(proc.stdout.split()) if proc.returncode == 0 else None


# A version or tag named where a user copies it from: `rev: v1.2.0`, `kml-lint/kml-lint@v1`,
# `kml-lint==1.2.0`, `.../blob/v1.2.0/...`.
_VERSIONED = re.compile(r"rev:\s*['\"]?(v?\d[\w.]*)|kml-lint/kml-lint@(v?\d[\w.]*)|kml-lint==(\d[\w.]*)"
                        r"|/(?:blob|tree)/(v\d[\w.]*)/")
# `pip install kml-lint` (the PyPI package), not `pip install git+https://github.com/kml-lint/kml-lint`.
_FROM_PYPI = re.compile(r"pip install (?:-U |--upgrade )?['\"]?kml-lint(?![\w/.-])")


def test_the_docs_name_only_tags_and_packages_that_exist() -> None:
    tags = _tags()
    if tags is None:
        pytest.skip("not a git checkout: the tags are unknown")
    for path in USER_FACING:
        text = path.read_text(encoding="utf-8")
        for match in _VERSIONED.finditer(text):
            version = next(group for group in match.groups() if group)
            tag = version if version.startswith("v") else f"v{version}"
            assert tag in tags, f"{path.name} names {match.group(0)!r}, but there is no tag {tag}"
        if not tags:  # no release: nothing was published on PyPI either
            assert not _FROM_PYPI.search(text), f"{path.name} installs kml-lint from PyPI, where it is not yet"


def test_the_readme_explains_installing_from_the_repository_and_releasing() -> None:
    text = README.read_text(encoding="utf-8")
    assert "pip install git+https://github.com/kml-lint/kml-lint" in text
    releasing = text.split("\n## Releasing\n", 1)[1].split("\n## ", 1)[0]
    for step in ("__version__", "python -m build", "git tag", "twine upload", "GitHub release"):
        assert step in releasing


def test_the_readmes_first_command_exits_1_as_the_readme_says() -> None:
    text = README.read_text(encoding="utf-8")
    command = re.search(r"```sh\n(.*?)\n```", text, re.S).group(1)
    args = command.split("kml-lint ", 1)[1].split()
    code, out, _ = cli(*args, cwd=ROOT)
    assert code == 1 and " error KML" in out
    after = text.split(command, 1)[1].split("```sh", 1)[0]
    assert "exit status 1" in after and "meant to fail" in after


def test_the_readme_explains_every_skip_for_missing_shared_material() -> None:
    """Each `../shared/...` a test skips without is named in the README, with what happens when it is absent."""
    reasons = set()
    for path in sorted((ROOT / "tests").glob("*.py")):
        reasons |= set(re.findall(r"reason=\"(\.\./shared/[\w/.-]+) is not present\"", path.read_text()))
    assert reasons >= {"../shared/corpus/real", "../shared/corpus/peers", "../shared/crds"}
    text = README.read_text(encoding="utf-8")
    for shared in reasons:
        assert f"`{shared}`" in text, shared
    paragraph = next(p for p in text.split("\n\n") if "../shared/corpus/real is not present" in p)
    assert "absent" in paragraph and "skipped" in paragraph
