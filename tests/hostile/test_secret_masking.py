"""Issue 13, item 8: every value detected as a secret anywhere in a file is masked in every message, source line,
suppression reason, output format and cache entry of that file (never more than four characters)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cli

AWS_SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYPLANTEDKEY01"  # no known format: only its env name says it is a secret
PASSWORD = "Zq8-mNv2-wLp9-xRplanted"
GITHUB = "ghp_PlantedLeakTest0123456789abcdefghijk"
KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCPLANTEDKEYBODY"
KEY_ID = "0123456789abcdefPLANTEDKEYID"
SECRETS = {"aws secret": AWS_SECRET, "password": PASSWORD, "github": GITHUB, "key body": KEY_BODY,
           "key id": KEY_ID}

MANIFEST = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: leak
  annotations:
    kml-lint.io/ignore: KML301
    kml-lint.io/ignore-reason: "the token {GITHUB} and the password {PASSWORD} are rotated"
spec:
  {AWS_SECRET}: 3
  containers:
    - name: main
      image: nginx
      env:
        - name: AWS_SECRET_ACCESS_KEY
          value: {AWS_SECRET}
        - name: DB_PASSWORD
          value: {PASSWORD}
      resources:
        limits:
          cpu: {AWS_SECRET}
          memory: {PASSWORD}   # kml-lint: ignore[KML005] the password {PASSWORD} is a fake
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: gcp}}
data:
  key.json: '{{"type": "service_account", "private_key_id": "{KEY_ID}", "private_key": "-----BEGIN PRIVATE KEY-----\\\\n{KEY_BODY}\\\\n-----END PRIVATE KEY-----\\\\n"}}'
  pem: |
    -----BEGIN RSA PRIVATE KEY-----
    {KEY_BODY}
    -----END RSA PRIVATE KEY-----
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mask")
    (root / ".git").mkdir()
    (root / "leak.yaml").write_text(MANIFEST)
    return root


def _clean(text: str, where: str) -> None:
    leaked = [name for name, secret in SECRETS.items() if secret in text]
    assert not leaked, f"{where} shows {leaked} in full"


def _run(root: Path, *args: str) -> str:
    code, out, err = cli("leak.yaml", "--show-suppressed", *args, cwd=root)
    assert code in (0, 1), err
    _clean(err, f"{args} stderr")
    return out


@pytest.mark.parametrize("fmt", ["text", "full", "json", "sarif", "github", "junit"])
@pytest.mark.parametrize("select", [None, "KML003,KML004,KML005,KML008"])  # the secret rules not selected
def test_no_format_shows_a_secret_whatever_rules_run(workspace: Path, fmt: str, select: str | None) -> None:
    out = _run(workspace, "--format", fmt, *(("--select", select) if select else ()))
    _clean(out, f"--format {fmt} --select {select}")
    assert "KML005" in out or "invalid-quantity" in out  # the findings quoting the values are there, masked


def test_suppression_reasons_are_masked_in_json_and_sarif(workspace: Path) -> None:
    report = json.loads(_run(workspace, "--format", "json"))
    reasons = [f["suppression"]["reason"] for f in report["findings"] if f.get("suppression")]
    assert any("the token ghp_" in r and "…" in r for r in reasons), reasons
    sarif = _run(workspace, "--format", "sarif")
    assert '"justification"' in sarif


def test_the_service_account_key_material_is_masked_in_source_lines(workspace: Path) -> None:
    out = _run(workspace, "--format", "full", "--select", "KML402")
    assert "private_key" in out and "-----BEGIN PRIVATE KEY-----" not in out  # the key, not only the marker


def test_the_cache_holds_no_secret(workspace: Path, tmp_path: Path) -> None:
    # --cache-dir (issue 13, item 1) moves the cache out of the checkout; before it, the cache is in the checkout.
    movable = "--cache-dir" in cli("--help")[1]
    folder = tmp_path / "cache" if movable else workspace / ".kml-lint-cache"
    _run(workspace, "--cache", *(("--cache-dir", str(folder)) if movable else ()), "--format", "full")
    entries = "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())
    assert entries
    _clean(entries, "the cache")
