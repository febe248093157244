"""Bearer tokens: a small clock skew between hosts is tolerated, a large one is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from pmo_kernel.errors import AuthenticationError
from pmo_kernel.identity import issue_token, verify_token
from pmo_kernel.settings import Settings
from tests.support import TEST_KEY


def token_from_a_host_whose_clock_is(skew: timedelta, ttl: timedelta = timedelta(hours=1)) -> str:
    now = datetime.now(UTC) + skew
    claims = {
        "sub": "alice",
        "roles": ["requester"],
        "iss": "pmo",
        "aud": "pmo",
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, TEST_KEY, algorithm="HS256")


SETTINGS = Settings(jwt_signing_key=TEST_KEY)


def test_a_token_from_a_host_a_few_seconds_ahead_is_accepted() -> None:
    principal = verify_token(SETTINGS, token_from_a_host_whose_clock_is(timedelta(seconds=10)))

    assert principal.subject == "alice"


def test_a_token_that_expired_within_the_leeway_is_still_accepted() -> None:
    token = token_from_a_host_whose_clock_is(-timedelta(seconds=70), ttl=timedelta(seconds=60))

    assert verify_token(SETTINGS, token).subject == "alice"


def test_a_token_from_a_host_minutes_ahead_is_refused() -> None:
    with pytest.raises(AuthenticationError, match="not yet valid"):
        verify_token(SETTINGS, token_from_a_host_whose_clock_is(timedelta(minutes=5)))


def test_the_leeway_is_configurable_down_to_none() -> None:
    strict = Settings(jwt_signing_key=TEST_KEY, jwt_leeway_seconds=0)

    with pytest.raises(AuthenticationError):
        verify_token(strict, token_from_a_host_whose_clock_is(timedelta(seconds=10)))


def test_the_department_claim_becomes_the_principals_department() -> None:
    token = issue_token(SETTINGS, "alice", ["requester"], department="Finance")

    assert verify_token(SETTINGS, token).department == "Finance"


def test_the_department_claim_path_is_configurable_for_an_enterprise_issuer() -> None:
    now = int(datetime.now(UTC).timestamp())
    claims = {"sub": "alice", "iss": "pmo", "aud": "pmo", "iat": now, "exp": now + 60,
              "org": {"dept": "Sales"}}  # fmt: skip
    token = jwt.encode(claims, TEST_KEY, algorithm="HS256")
    settings = Settings(jwt_signing_key=TEST_KEY, department_claim="org.dept")

    assert verify_token(settings, token).department == "Sales"


def test_a_development_token_carries_the_department_where_the_settings_read_it() -> None:
    settings = Settings(jwt_signing_key=TEST_KEY, department_claim="org.dept")
    token = issue_token(settings, "alice", ["requester"], department="Sales")

    assert jwt.decode(token, options={"verify_signature": False})["org"] == {"dept": "Sales"}
    assert verify_token(settings, token).department == "Sales"


def test_a_department_that_is_not_a_string_is_refused() -> None:
    now = int(datetime.now(UTC).timestamp())
    claims = {"sub": "alice", "iss": "pmo", "aud": "pmo", "iat": now, "exp": now + 60,
              "department": ["Sales", "Finance"]}  # fmt: skip
    token = jwt.encode(claims, TEST_KEY, algorithm="HS256")

    with pytest.raises(AuthenticationError, match="department"):
        verify_token(SETTINGS, token)
