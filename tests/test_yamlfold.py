"""The YAML fold: YAML 1.1 scalars as kubectl reads them, positions by JSON pointer, bounded input."""

from __future__ import annotations

import pytest

from kml_lint.objects import locate
from kml_lint.yamlfold import ALIAS_BUDGET, MAX_DEPTH, parse_yaml, resolve_plain


@pytest.mark.parametrize(("text", "value"), [
    ("yes", True), ("On", True), ("y", True), ("NO", False), ("off", False), ("true", True),
    ("~", None), ("null", None), ("", None),
    ("0644", 420), ("0o17", 15), ("0x1F", 31), ("1_000", 1000), ("-3", -3), ("+7", 7),
    ("1.5", 1.5), ("1e3", 1000.0), (".5", 0.5),
    ("09", 9.0),  # go-yaml falls back to a float when an octal-looking number is not octal
    ("1.2.3", "1.2.3"), ("8Gi", "8Gi"), ("500m", "500m"), ("nvidia.com/gpu", "nvidia.com/gpu"), ("-", "-"),
    (".", "."), ("+", "+"), ("nan", "nan"),
])
def test_plain_scalars_follow_yaml_1_1(text: str, value: object) -> None:
    assert resolve_plain(text) == value
    assert type(resolve_plain(text)) is type(value)


def test_quoted_and_tagged_scalars_stay_as_written() -> None:
    doc = parse_yaml('a: "yes"\nb: \'0644\'\nc: !!str 12\nd: !!int "12"\ne: !Ref x\nf: !!python/object:os.system ls\n')
    data = doc.documents[0].data
    assert data == {"a": "yes", "b": "0644", "c": "12", "d": 12, "e": "x", "f": "ls"}


def test_positions_are_one_based_and_addressed_by_pointer() -> None:
    text = "spec:\n  containers:\n    - name: a\n      image: x:1\n    - name: b\n"
    doc = parse_yaml(text).documents[0]
    assert doc.positions["/spec/containers/0/image"] == (4, 7, 4, 14)
    assert doc.positions["/spec/containers/1"][:2] == (5, 7)
    assert locate(doc.positions, "/spec/containers/0/resources/limits") == (3, 7)  # nearest parent
    assert locate(doc.positions, "/spec/containers/0/image", at="value") == (4, 14)


def test_pointer_tokens_are_escaped() -> None:
    doc = parse_yaml("limits:\n  nvidia.com/gpu: 1\n  a~b: 2\n").documents[0]
    assert "/limits/nvidia.com~1gpu" in doc.positions
    assert "/limits/a~0b" in doc.positions


def test_multi_document_stream_with_crlf_and_empty_documents() -> None:
    result = parse_yaml("a: 1\r\n---\r\n---\r\nb: 2\r\n")
    assert [d.data for d in result.documents] == [{"a": 1}, None, {"b": 2}]
    assert result.documents[2].positions["/b"] == (4, 1, 4, 4)


def test_duplicate_key_is_reported_at_its_second_occurrence_and_last_value_wins() -> None:
    doc = parse_yaml("a: 1\nb: 2\na: 3\n").documents[0]
    assert doc.data == {"a": 3, "b": 2}
    assert [(p.line, p.col, p.fatal) for p in doc.problems] == [(3, 1, False)]


def test_syntax_error_keeps_earlier_documents() -> None:
    result = parse_yaml("a: 1\n---\nb: [1, 2\nc: 3\n")
    assert [d.data for d in result.documents[:1]] == [{"a": 1}]
    assert result.error is not None
    assert result.error.line == 4


def test_merge_keys_and_aliases() -> None:
    doc = parse_yaml("base: &b {cpu: 1, memory: 2}\nc:\n  <<: *b\n  memory: 4\nd: *b\n").documents[0]
    assert doc.data["c"] == {"cpu": 1, "memory": 4}
    assert doc.data["d"] == {"cpu": 1, "memory": 2}
    assert locate(doc.positions, "/d") == (5, 1)  # the alias itself
    assert locate(doc.positions, "/d/cpu") == (1, 11)  # inside an alias: where the anchored text is written


def test_alias_bomb_is_refused_without_expanding_it() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 10):
        refs = ", ".join(f"*a{level - 1}" for _ in range(10))
        lines.append(f"a{level}: &a{level} [{refs}]")
    doc = parse_yaml("\n".join(lines) + "\n").documents[0]
    assert doc.data is None
    assert "alias bomb" in doc.problems[0].message
    assert f"{ALIAS_BUDGET:,}" in doc.problems[0].message


def test_undefined_alias_and_complex_keys_are_located_problems() -> None:
    doc = parse_yaml("a: *nowhere\n").documents[0]
    assert doc.data is None and doc.problems[0].line == 1
    doc = parse_yaml("? [a, b]\n: value\n").documents[0]
    assert doc.data is None and "key" in doc.problems[0].message


def test_nesting_depth_is_capped_without_recursion() -> None:
    depth = MAX_DEPTH + 5
    text = "".join("  " * level + f"k{level}:\n" for level in range(depth)) + "  " * depth + "leaf\n"
    doc = parse_yaml(text).documents[0]
    assert doc.data is None
    assert "nesting deeper" in doc.problems[0].message


def test_recursive_alias_is_not_followed() -> None:
    doc = parse_yaml("a: &x [1, *x]\n").documents[0]
    assert doc.data is None  # the anchor is not complete when its alias appears


def _positions(positions: object) -> object:
    """Every recorded position, in a form two folds can be compared by (tables are keyed by object ids)."""
    from kml_lint.yamlfold import Positions

    assert isinstance(positions, Positions)

    def walk(node: object) -> object:
        table = positions.tables.get(id(node))
        if isinstance(node, dict):
            return {key: (table.get(key) if table else None, walk(value)) for key, value in node.items()}
        if isinstance(node, list):
            return [(table[i] if table and i < len(table) else None, walk(item)) for i, item in enumerate(node)]
        return None

    return positions.root_position, walk(positions.root)


def test_c_built_events_fold_exactly_like_ruamels_own_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path (the C parser builds our events) and the fallback (ruamel's events, adapted) agree on data,
    positions and problems, over every case the fold knows and a slice of the real corpus."""
    from conftest import CORPUS

    from kml_lint import yamlevents

    texts = [
        "a: &x [1, yes, 0644, !!str 5, !custom 7]\nb: *x\nc: {<<: {d: 1}, e: 2}\n---\n- q\n",
        "k: v\nk: w\n", "a: [\n", "%YAML 1.1\n--- &r\n- *r\n", "? [a]\n: b\n", "'quoted': \"x\"\n...\n",
    ]
    if CORPUS.is_dir():
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(CORPUS.rglob("*.yaml"))[::40]]

    def fold_all() -> list[object]:
        out = []
        for text in texts:
            result = parse_yaml(text)
            out.append((result.error, [(d.index, d.start_line, d.data, d.problems, _positions(d.positions))
                                       for d in result.documents]))
        return out

    monkeypatch.setattr(yamlevents.EventStream, "fast", None)
    fast = fold_all()
    assert yamlevents.EventStream.fast is True, "the installed ruamel.yaml.clib should build our events"
    monkeypatch.setattr(yamlevents.EventStream, "fast", False)
    slow = fold_all()
    assert fast == slow


def test_ruamels_event_classes_are_back_after_every_parse() -> None:
    """The swap lasts one parse, error or not: ruamel's own C-backed loaders in the same process still work."""
    import _ruamel_yaml
    from ruamel.yaml import YAML, events

    for text in ("a: 1\n", "a: [\n", "\x00", "a: *nowhere\n"):
        parse_yaml(text)
        assert _ruamel_yaml.ScalarEvent is events.ScalarEvent
        assert _ruamel_yaml.MappingStartEvent is events.MappingStartEvent
    assert YAML(typ="safe", pure=False).load("a: [1, 2]\n") == {"a": [1, 2]}
