"""Issue 13, item 6: budgets count per file (documents, nodes with aliases expanded, findings per rule), and a
file that hits one gets a located finding naming the budget. Time and memory are measured by bench/crafted.py,
never asserted here."""

from __future__ import annotations

from conftest import lint_text, rules_by_id

from kml_lint.engine import FINDINGS_PER_RULE
from kml_lint.yamlfold import DOCUMENT_BUDGET, NODE_BUDGET, parse_yaml


def test_the_document_budget_counts_empty_documents_and_names_itself() -> None:
    text = "---\n" * (DOCUMENT_BUDGET + 500)
    result = lint_text(text)
    [finding] = [f for f in result.findings if f.rule_id == "KML001"]
    assert f"more than {DOCUMENT_BUDGET:,} documents" in finding.message and "budget" in finding.message
    assert finding.line == DOCUMENT_BUDGET + 1  # the first document left out


def test_the_node_budget_stops_a_file_that_is_small_but_wide() -> None:
    items = ", ".join("x" for _ in range(NODE_BUDGET + 10))
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: wide}}\ndata:\n  x: [{items}]\n"
    parsed = parse_yaml(text)
    assert parsed.budget is not None and parsed.budget.line == 5
    result = lint_text(text)
    messages = [f.message for f in result.findings if f.rule_id == "KML001"]
    assert any(f"more than {NODE_BUDGET:,} YAML nodes in one file" in m and "node budget" in m for m in messages)


def _aliased_document(name: str, expands_to: int) -> str:
    """A ConfigMap whose aliases expand to about ``expands_to`` nodes (10 x 10 x ... scalars)."""
    rows = max(1, expands_to // 1000)
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata:\n"
            "  a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            "  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            f"  d: [{', '.join(['*c'] * rows)}]\n")


def test_aliases_are_budgeted_per_file_not_per_document() -> None:
    # Each document alone is far under any per-document budget; together they pass the file's.
    per_document = NODE_BUDGET // 3 + 1000
    text = "".join(f"---\n{_aliased_document(f'm{i}', per_document)}" for i in range(4))
    parsed = parse_yaml(text)
    assert parsed.budget is not None
    linted = [doc for doc in parsed.documents if doc.data is not None]
    assert len(linted) == 2  # the third crosses the budget: it and the rest are not linted
    assert parsed.budget.line == text.splitlines().index("metadata: {name: m2}") + 1 + 5  # at the alias (line d:)
    result = lint_text(text)
    assert [f.line for f in result.findings if f.rule_id == "KML001"] == [parsed.budget.line]


def test_findings_per_rule_are_capped_with_a_finding_saying_how_many_were_left_out() -> None:
    extra = 37
    containers = "\n".join(f"    - {{name: c{i}, image: 'x:1'}}" for i in range(FINDINGS_PER_RULE + extra))
    text = f"apiVersion: v1\nkind: Pod\nmetadata: {{name: wide}}\nspec:\n  containers:\n{containers}\n"
    result = lint_text(text, rules=rules_by_id("KML101"))
    findings = [f for f in result.findings if f.rule_id == "KML101"]
    assert len(findings) == FINDINGS_PER_RULE + 1
    [summary] = [f for f in findings if "not listed" in f.message]
    assert f"{extra:,} more findings of KML101" in summary.message
    assert f"{FINDINGS_PER_RULE:,} findings per rule per file" in summary.message
    assert summary.line == 6 + FINDINGS_PER_RULE  # located at the first finding left out
