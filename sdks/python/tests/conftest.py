"""The live OrionOS the tests talk to: ORION_BASE_URL (with or without /v1) and ORION_ADMIN_KEY.
Each test session creates its own account (and so its own API key) with the admin key."""
import os
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orionos import OrionOS  # noqa: E402


def base_url() -> str:
    url = os.environ.get("ORION_BASE_URL", "").rstrip("/")
    if not url:
        pytest.skip("ORION_BASE_URL is not set (start an OrionOS and set it, with ORION_ADMIN_KEY)")
    return url if url.endswith("/v1") else url + "/v1"


@pytest.fixture(scope="session")
def api_url() -> str:
    return base_url()


@pytest.fixture(scope="session")
def admin(api_url: str) -> OrionOS:
    key = os.environ.get("ORION_ADMIN_KEY")
    if not key:
        pytest.skip("ORION_ADMIN_KEY is not set")
    return OrionOS(key, base_url=api_url)


def new_account(admin: OrionOS, api_url: str, rate_limit_per_minute: int = 100_000):
    created = admin.accounts.create(name=f"python-sdk-{uuid.uuid4().hex[:8]}", rate_limit_per_minute=rate_limit_per_minute)
    return created, OrionOS(created.secret, base_url=api_url)


@pytest.fixture(scope="session")
def account(admin: OrionOS, api_url: str):
    return new_account(admin, api_url)


@pytest.fixture(scope="session")
def orion(account) -> OrionOS:
    return account[1]


@pytest.fixture(scope="session")
def api_key(account) -> str:
    return account[0].secret
