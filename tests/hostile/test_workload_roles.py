"""Issue 13, item 7: a workload row's role is a template of our own ({N}, {kind}), never Python's str.format."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, cli

from kml_lint.objects import objects_of
from kml_lint.workloads import MAX_ROLE, TableError, builtin_table
from kml_lint.yamlfold import parse_yaml


def _rows(role: str, path: str = "/spec/groups/*/template") -> dict:
    return {"workloads": [{"kinds": ["acme.io/Trainer"], "pods": [{"path": path, "role": role}]}]}


@pytest.mark.parametrize("role, reason", [
    ("{0:>300000000}", "only {0}, {1}"),           # a format specification: would pad to 300 MB
    ("{0.__class__.__mro__}", "only {0}, {1}"),    # an attribute walk
    ("{0[0]}", "only {0}, {1}"),                   # an item lookup
    ("{kind!r}", "only {0}, {1}"),                 # a conversion
    ("{name}", "only {0}, {1}"),                   # an unknown field
    ("group {1}", "names a '*' the path does not have"),
    ("x" * (MAX_ROLE + 1), f"longer than {MAX_ROLE}"),
])
def test_a_role_beyond_the_template_language_is_refused_when_the_table_is_loaded(role: str, reason: str) -> None:
    with pytest.raises(TableError) as caught:
        builtin_table().extended(_rows(role), "team.yaml")
    message = str(caught.value)
    assert message.startswith("team.yaml") and "pods[0]: role" in message and reason in message
    assert len(message) < 400


def _views(table, text: str):
    obj = next(objects_of(parse_yaml(text).documents[0]))
    return table.views(obj)


TRAINER = """\
apiVersion: acme.io/v1
kind: Trainer
metadata: {name: t}
spec:
  groups:
    %s:
      template:
        spec:
          containers: [{name: main, image: "acme/train:1.0"}]
"""


def test_roles_fill_captures_and_kind_and_are_capped() -> None:
    table = builtin_table().extended(_rows("group {0} of {kind}"), "team.yaml")
    [view] = _views(table, TRAINER % "workers")
    assert view.role == "group workers of object"
    [long] = _views(table, TRAINER % ("w" * 1000))
    assert len(long.role) == MAX_ROLE and long.role.startswith("group www")


def test_a_committed_configuration_with_a_padding_role_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / ".kml-lint.yaml").write_text(
        "workloads:\n  - kinds: [acme.io/Trainer]\n    pods: [{path: /spec/groups/*/template, role: '{0:>300000000}'}]\n")
    (tmp_path / "t.yaml").write_text(TRAINER % "workers")
    code, _, err = cli("t.yaml", cwd=tmp_path)
    assert code == 2 and "role" in err and "Traceback" not in err


def test_every_built_in_role_is_in_the_language() -> None:
    source = (ROOT / "kml_lint" / "workloads.yaml").read_text()
    assert "role:" in source
    table = builtin_table()
    roles = [location.role for locations in table.by_kind.values() for location in locations if location.role]
    assert len(roles) > 30
