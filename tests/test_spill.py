"""Run-scope facts keep their sites in memory up to a bound, then on disk: the findings must not change."""

from __future__ import annotations

import pytest
from conftest import ROOT, cli

from kml_lint import spill
from kml_lint.checks import Site
from kml_lint.findings import ObjectRef


def _site(number: int) -> Site:
    return Site(f"dir/file{number}.yaml", number, 3, f"/spec/{number}", ObjectRef(kind="Service", name=f"s{number}"),
                f"Service s{number}", f"/spec/{number}")


def test_sites_beyond_the_memory_bound_go_to_disk_and_come_back_equal() -> None:
    keeper = spill.SiteSpill(in_memory=2)
    sites = [_site(number) for number in range(5)]
    compacted = keeper.compact(("fact", sites, {"nested": (sites[4], "x")}))
    kept = compacted[1]
    assert [type(item) for item in kept] == [Site, Site, spill.SpilledSite, spill.SpilledSite, spill.SpilledSite]
    assert kept[2].path == "dir/file2.yaml"  # judging only needs the path; the rest waits on disk
    assert [keeper.load(item) for item in kept] == sites
    assert keeper.load(compacted[2]["nested"][0]) == sites[4]
    keeper.close()


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_run_scope_findings_are_the_same_whether_sites_stay_in_memory_or_spill(
        fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule fixtures hold every cross-object rule (PDBs, Services, service-account tokens...)."""
    in_memory = cli("tests/rules", "--format", fmt, cwd=ROOT)
    monkeypatch.setattr(spill, "IN_MEMORY", 0)
    on_disk = cli("tests/rules", "--format", fmt, cwd=ROOT)
    assert in_memory == on_disk
    assert in_memory[0] == 1 and "KML735" in in_memory[1] and "KML821" in in_memory[1]
