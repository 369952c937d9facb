"""``--fix --unsafe-fixes`` over a copy of the shared corpus: the done-when of issue 17.

Every changed file still parses; no comment is lost or altered; every changed document differs from the
original only by added keys and items, renamed keys with unchanged values, and changed values at the fields the
fixable findings named; every finding marked fixable is gone (unless its file was reported as not fixed, with
the reason); a second ``--fix`` changes no byte.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

from conftest import CORPUS, cli, requires_corpus

from kml_lint.fixing.apply import differences
from kml_lint.yamlfold import parse_yaml

# Every security check too (the restricted level): the most fixes, the most edits in one file.
_STRICT = ("--isolated", "--pod-security", "restricted")
_NOT_FIXED = re.compile(r"^kml-lint: not fixed: (?P<path>.+?): (?P<reason>.+)$", re.MULTILINE)


def _findings(root: Path) -> list[dict]:
    code, out, _ = cli(root.name, *_STRICT, "--format", "json", "--unsafe-fixes", cwd=root.parent)
    assert code in (0, 1)
    return json.loads(out)["findings"]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root.parent)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _comments(text: str) -> list[str]:
    """Every comment of the text: whole comment lines, and the comment part of lines with a trailing one."""
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            out.append(line.rstrip("\r"))
        elif " #" in line:
            out.append(line[line.index(" #"):].rstrip("\r"))
    return out


def _decoded(data: bytes) -> str:
    from kml_lint.source import SourceText, decode

    source = decode(data)
    assert isinstance(source, SourceText)
    return source.text


@requires_corpus()
def test_fix_over_the_corpus(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root, symlinks=True)
    before_files = _snapshot(root)
    before = _findings(root)
    fixable = [f for f in before if "fix" in f and f["suppression"] is None]
    assert fixable, "the corpus has fixable findings"

    code, _, err = cli(root.name, *_STRICT, "--fix", "--unsafe-fixes", "--format", "json", "-o",
                       str(tmp_path / "after-fix.json"), cwd=tmp_path)
    assert code in (0, 1), err
    assert "Traceback" not in err
    not_fixed = {m["path"]: m["reason"] for m in _NOT_FIXED.finditer(err)}
    assert not not_fixed, f"the safety net refused files: {not_fixed}"  # every fix over the corpus verifies
    after_files = _snapshot(root)
    changed = [path for path in before_files if after_files[path] != before_files[path]]
    assert changed

    named: dict[tuple[str, int], list[str]] = {}
    for finding in fixable:
        named.setdefault((finding["path"], finding["object"].get("document", 0)), []).append(finding["pointer"])
    for path in changed:
        old, new = _decoded(before_files[path]), _decoded(after_files[path])
        old_parse, new_parse = parse_yaml(old), parse_yaml(new)
        assert new_parse.error is None or old_parse.error is not None, path
        assert _comments(old) == _comments(new), f"{path}: a comment was lost or altered"
        assert len(old_parse.documents) == len(new_parse.documents), path
        for index, (a, b) in enumerate(zip(old_parse.documents, new_parse.documents, strict=True)):
            pointers = named.get((path, index), [])
            for pointer in differences(a.data, b.data):
                old_value, new_value = _at(a.data, pointer), _at(b.data, pointer)
                if old_value is _MISSING:  # an added key or item: fine, unless it is the new name of a rename
                    continue
                if new_value is _MISSING:  # a removed key: only as a rename, with its value unchanged
                    parent = _at(b.data, pointer.rpartition("/")[0])
                    assert isinstance(parent, dict) and any(
                        _at(a.data, pointer.rpartition("/")[0] + "/" + key) is _MISSING and value == old_value
                        for key, value in parent.items()), f"{path}: {pointer} removed, not renamed"
                    continue
                assert any(pointer == p or pointer.startswith(p + "/") for p in pointers), \
                    f"{path}: {pointer} changed but no fixable finding named it"

    after = json.loads((tmp_path / "after-fix.json").read_text(encoding="utf-8"))["findings"]
    left = Counter((f["rule"], f["fingerprint"]) for f in after)
    had = Counter((f["rule"], f["fingerprint"]) for f in before)
    fixed = Counter((f["rule"], f["fingerprint"]) for f in fixable if f["path"] not in not_fixed)
    for finding in fixable:
        key = (finding["rule"], finding["fingerprint"])
        if finding["path"] not in not_fixed:
            assert left[key] <= had[key] - fixed[key], f"{finding['path']}:{finding['line']} {finding['rule']} is left"

    code, _, err = cli(root.name, *_STRICT, "--fix", "--unsafe-fixes", "-q", cwd=tmp_path)
    assert _snapshot(root) == after_files, "a second --fix changed files"
    assert "fixed" not in err


_MISSING = object()


def _at(root: object, pointer: str) -> object:
    node = root
    for raw in (pointer[1:].split("/") if pointer else []):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return _MISSING
    return node
