"""The peers' own fixtures through kml-lint: for every peer rule the migration table maps, kml-lint agrees
with the peer's verdict, or the fixture is a documented, deliberate difference (tests/data/peer_differences.yaml).
``python tests/peer_agreement.py -v`` prints the agreement table and every difference."""

from __future__ import annotations

import pytest
from peer_agreement import available, documented, peer_map, table, units

pytestmark = pytest.mark.skipif(not available(), reason="../shared/corpus/peers is not present")


def test_every_disagreement_is_documented_with_a_reason() -> None:
    reasons = documented()
    undocumented = [f"{u.peer} {u.rule} {u.fixture}: the peer says {u.expected}, kml-lint {u.actual}"
                    for u in units() if not u.agrees and (u.peer, u.rule, u.fixture) not in reasons]
    assert not undocumented, "agree with the peer or document the difference:\n" + "\n".join(undocumented)


def test_no_documented_difference_is_stale() -> None:
    disagreeing = {(u.peer, u.rule, u.fixture) for u in units() if not u.agrees}
    stale = [key for key in documented() if key not in disagreeing]
    assert not stale, f"these fixtures agree now (or no longer exist): remove them from the file: {stale}"


def test_documented_differences_name_mapped_rules_and_give_reasons() -> None:
    mapped = peer_map()
    for (peer, rule, fixture), reason in documented().items():
        assert rule in mapped.get(peer, {}), f"{peer} {rule} is not in the migration table ({fixture})"
        assert len(reason.strip()) > 20, f"{peer} {rule} {fixture}: give the reason"


def test_most_mapped_rules_agree_with_their_peers() -> None:
    """A guard against a broken harness: the large majority of comparisons agree."""
    all_units = units()
    assert len(all_units) > 150
    assert sum(u.agrees for u in all_units) / len(all_units) > 0.7
    assert "| kube-linter | `host-network` | KML810 |" in table(all_units, documented())
