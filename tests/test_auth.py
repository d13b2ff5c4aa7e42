"""Password hashes and the choice of login method (analysis.auth)."""

from __future__ import annotations

import time

import pytest

from analysis import auth

USERS_SECRETS = {"sra_auth": {"users": {"alice": auth.hash_password("a long enough secret")}}}
OIDC_SECRETS = {"auth": {"redirect_uri": "https://risk.example.org/oauth2callback", "cookie_secret": "c" * 32}}


def test_hash_round_trip_and_salting() -> None:
    first, second = auth.hash_password("s3cret pass"), auth.hash_password("s3cret pass")
    assert first != second  # fresh salt each time: equal passwords give different hashes
    assert "s3cret" not in first
    assert auth.verify_password("s3cret pass", first) and auth.verify_password("s3cret pass", second)
    assert not auth.verify_password("s3cret pasS", first)
    assert not auth.verify_password("", first)


def test_empty_password_cannot_be_set() -> None:
    with pytest.raises(ValueError):
        auth.hash_password("")


@pytest.mark.parametrize("stored", ["", "plain-text-password", "scrypt$1$2$3", "md5$x$y$z$a$b",
                                    "scrypt$16384$8$1$!!notbase64$AAAA", "scrypt$abc$8$1$AAAA$AAAA"])
def test_malformed_hash_never_matches(stored: str) -> None:
    assert auth.verify_password("anything", stored) is False


def test_hostile_cost_parameters_are_refused_fast() -> None:
    good = auth.hash_password("pw-123456789")
    _, _, r, p, salt, key = good.split("$")
    started = time.perf_counter()
    assert not auth.verify_password("pw-123456789", f"scrypt${2**30}${r}${p}${salt}${key}")
    assert time.perf_counter() - started < 1.0


def test_check_user() -> None:
    users = {"alice": auth.hash_password("a long enough secret")}
    assert auth.check_user(users, "alice", "a long enough secret")
    assert not auth.check_user(users, "alice", "wrong")
    assert not auth.check_user(users, "bob", "a long enough secret")
    assert not auth.check_user(users, "", "")


@pytest.mark.parametrize(("mode", "address", "secrets", "expected"), [
    ("auto", "127.0.0.1", {}, "local"),          # a fresh clone: streamlit run dashboard.py just opens
    ("auto", "localhost", {}, "local"),
    ("auto", "::1", {}, "local"),
    ("auto", "0.0.0.0", {}, "refuse"),           # hosted with no login: serve nothing
    ("auto", "", {}, "refuse"),                  # unset address binds every interface
    ("required", "127.0.0.1", {}, "refuse"),     # behind a reverse proxy, loopback is not private
    ("auto", "0.0.0.0", USERS_SECRETS, "password"),
    ("auto", "127.0.0.1", USERS_SECRETS, "password"),  # configured login always applies
    ("required", "0.0.0.0", OIDC_SECRETS, "oidc"),
    ("required", "0.0.0.0", {**OIDC_SECRETS, **USERS_SECRETS}, "oidc"),
    ("local", "0.0.0.0", USERS_SECRETS, "local"),  # explicit local mode only
    ("bogus", "127.0.0.1", {}, "refuse"),
])
def test_decide(mode: str, address: str, secrets: dict, expected: str) -> None:
    assert auth.decide(mode, address, secrets) == expected


def test_incomplete_oidc_section_is_not_a_login() -> None:
    assert not auth.has_oidc({"auth": {"redirect_uri": "https://x/oauth2callback"}})  # no cookie secret
    assert auth.decide("required", "0.0.0.0", {"auth": {"redirect_uri": "https://x"}}) == "refuse"


def test_password_users_ignores_plain_passwords() -> None:
    assert auth.password_users({"sra_auth": {"users": {"bob": "hunter2"}}}) == {}


def test_email_domains() -> None:
    assert auth.email_allowed("a@x.org", {})
    secrets = {"sra_auth": {"allowed_domains": ["example.org"]}}
    assert auth.email_allowed("Ann@Example.org", secrets)
    assert not auth.email_allowed("ann@example.org.evil.com", secrets)
    assert not auth.email_allowed("no-at-sign", secrets)
