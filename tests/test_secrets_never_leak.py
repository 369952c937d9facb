"""Known tokens planted everywhere a string can stand never leave masked form, in any output."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from conftest import kml_process

TOKENS = {
    "hf": "hf_PlantedTokenForLeakTestingOnly0123456789",
    "aws": "AKIAPLANTEDLEAKTEST7",
    "github": "ghp_PlantedLeakTest0123456789abcdefghijk",  # ghp_ + 36
    "openai": "sk-proj-PlantedLeakTest0123456789abcdefghijklmnopqrstuvwxyz01",
    "google": "AIzaPlantedLeakTest0123456789abcdefghij",  # AIza + 35
    "slack": "xoxb-1234567890-PlantedLeakTest",
    "password": "Zq8-mNv2-wLp9-xRplanted",  # no known format: only its env name says it is a secret
    "url-password": "urlPassw0rdPlanted",
}


def planted_manifest() -> str:
    t = TOKENS
    encoded = base64.b64encode(t["github"].encode()).decode()
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: leaky
  annotations:
    token: {t["github"]}
    {t["aws"]}: key-holds-a-token
  labels:
    team: {t["slack"]}
spec:
  selector: {{matchLabels: {{app: leaky}}}}
  template:
    metadata: {{labels: {{app: leaky}}, annotations: {{note: "{t["openai"]}"}}}}
    spec:
      containers:
        - name: {t["hf"]}
          image: ghcr.io/acme/{t["google"]}:latest
          command: ["python", "-c", "print('{t["hf"]}')"]   # a comment with {t["aws"]}
          args: ["--db", "postgres://ml:{t["url-password"]}@db.internal:5432/x", "--token={t["github"]}"]
          env:
            - name: DB_PASSWORD
              value: {t["password"]}
            - name: HF_TOKEN
              value: {t["hf"]}
---
apiVersion: v1
kind: Secret
metadata: {{name: leaky-secret}}
data:
  token: {encoded}
stringData:
  password: {t["password"]}
  key: {t["openai"]}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: leaky-config}}
data:
  creds.json: '{{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\\\nMIIEplanted\\\\n"}}'
  env: "WANDB_API_KEY={t["google"]}"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: broken
data: [{t["slack"]}, {t["hf"]}
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("leak")
    (root / ".git").mkdir()
    (root / "leaky.yaml").write_text(planted_manifest())
    return root


def kml(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return kml_process("leaky.yaml", *args, cwd=root, timeout=60)


def assert_clean(text: str, where: str) -> None:
    leaked = [name for name, token in TOKENS.items() if token in text]
    assert not leaked, f"{where} shows {leaked} in full"


@pytest.mark.parametrize("fmt", ["text", "full", "json", "sarif", "github", "junit"])
def test_no_output_format_leaks(workspace: Path, fmt: str) -> None:
    proc = kml(workspace, "--format", fmt, "--show-suppressed")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "KML401" in proc.stdout or "plaintext-secret-env" in proc.stdout
    assert_clean(proc.stdout, f"--format {fmt}")
    assert_clean(proc.stderr, f"--format {fmt} (stderr)")


def test_baseline_and_cache_do_not_leak(workspace: Path) -> None:
    proc = kml(workspace, "--write-baseline")
    assert_clean(proc.stdout, "the baseline")
    kml(workspace, "--cache-dir", str(workspace.parent / "kml-cache"), "--format", "full")
    cached = "".join(p.read_text() for p in (workspace.parent / "kml-cache").rglob("*.json"))
    assert cached
    assert_clean(cached, "the cache")


def test_the_planted_secrets_are_found(workspace: Path) -> None:
    """The leak test only means something if the planted secrets are detected in the first place."""
    proc = kml(workspace, "--format", "json")
    for rule in ("KML401", "KML402", "KML403", "KML001"):
        assert f'"rule": "{rule}"' in proc.stdout
