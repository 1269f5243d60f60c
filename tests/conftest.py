"""Fixtures: the app on the bundled policies, a client, and keys with known secrets."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from service import create_app  # noqa: E402
from service.api.auth import hash_secret  # noqa: E402

POLICIES = ROOT / "policies"
SECRETS = {
    "bureau": ("secret-bureau", ["score", "batch"]),
    "scorer": ("secret-scorer", ["score"]),
    "ops": ("secret-ops", ["ops"]),
    "admin": ("secret-admin", ["admin", "simulate", "ops"]),
}


@pytest.fixture(scope="session")
def keys_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("keys") / "keys.yaml"
    entries = [{"name": name, "sha256": hash_secret(secret), "scopes": scopes}
               for name, (secret, scopes) in SECRETS.items()]
    path.write_text(yaml.safe_dump(entries))
    return str(path)


def make_app(keys_file: str, **config):
    settings = {"POLICY_DIR": str(POLICIES), "API_KEYS_FILE": keys_file, "TESTING": True}
    settings.update(config)
    return create_app(settings)


@pytest.fixture(scope="session")
def app(keys_file):
    return make_app(keys_file)


@pytest.fixture
def client(app):
    return app.test_client()


def bearer(name: str) -> dict:
    return {"Authorization": f"Bearer {SECRETS[name][0]}"}


@pytest.fixture
def bureau_headers() -> dict:
    return bearer("bureau")
