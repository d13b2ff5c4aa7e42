"""The login gate in front of the served dashboard: nothing shows before login, in any mode or deep link."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import auth

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def users() -> dict[str, str]:
    return {"alice": auth.hash_password(PASSWORD)}


def dashboard(secrets: dict | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    at.query_params.update(params)
    return at.run()


def shows_content(at: AppTest) -> bool:
    return any(t.value == "Overview" for t in at.title) or bool(at.metric) or bool(at.get("plotly_chart"))


@pytest.fixture
def hosted(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SRA_AUTH", "required")
    return app_env


def test_no_content_before_login(hosted: Path, users: dict[str, str]) -> None:
    at = dashboard({"sra_auth": {"users": users}})
    assert not at.exception
    assert not shows_content(at)
    assert [t.label for t in at.text_input] == ["User", "Password"]


def test_deep_link_is_gated_too(hosted: Path, users: dict[str, str]) -> None:
    at = dashboard({"sra_auth": {"users": users}}, country="IND", counterpart="USA", article="a1")
    assert not shows_content(at)
    assert not at.get("html") or all("India" not in str(h.proto.body) for h in at.get("html"))


def test_wrong_password_is_refused(hosted: Path, users: dict[str, str]) -> None:
    at = dashboard({"sra_auth": {"users": users}})
    at.text_input(key="sra_login_user").set_value("alice")
    at.text_input(key="sra_login_password").set_value("not the password")
    at.button[0].click().run()
    assert "Wrong user or password." in [e.value for e in at.error]
    assert not shows_content(at)


def test_unknown_user_is_refused(hosted: Path, users: dict[str, str]) -> None:
    at = dashboard({"sra_auth": {"users": users}})
    at.text_input(key="sra_login_user").set_value("mallory")
    at.text_input(key="sra_login_password").set_value(PASSWORD)
    at.button[0].click().run()
    assert not shows_content(at)


def test_correct_password_shows_content(hosted: Path, users: dict[str, str]) -> None:
    at = dashboard({"sra_auth": {"users": users}})
    at.text_input(key="sra_login_user").set_value("alice")
    at.text_input(key="sra_login_password").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert shows_content(at)
    assert next(m.value for m in at.metric if m.label == "Articles") == "4"
    assert any("alice" in c.value for c in at.caption)


def test_lockout_after_repeated_failures(hosted: Path, users: dict[str, str]) -> None:
    at = dashboard({"sra_auth": {"users": users}})
    for _ in range(5):
        at.text_input(key="sra_login_user").set_value("alice")
        at.text_input(key="sra_login_password").set_value("guess")
        at.button[0].click().run()
    assert any("Too many wrong passwords" in e.value for e in at.error)
    at.run()
    assert any("Too many wrong passwords" in e.value for e in at.error)
    assert not at.text_input  # no form to keep guessing in this session
    assert not shows_content(at)


def test_hosted_without_login_configured_refuses(hosted: Path) -> None:
    at = dashboard()
    assert not shows_content(at)
    assert "Login is not configured" in at.error[0].value


def test_auto_mode_opens_on_loopback_only(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from views import gate
    monkeypatch.setenv("SRA_AUTH", "auto")
    monkeypatch.setattr(gate, "_address", lambda: "127.0.0.1")
    assert shows_content(dashboard())
    monkeypatch.setattr(gate, "_address", lambda: "0.0.0.0")
    assert not shows_content(dashboard())


def test_oidc_configured_shows_only_login(hosted: Path) -> None:
    at = dashboard({"auth": {"redirect_uri": "https://risk.example.org/oauth2callback",
                             "cookie_secret": "x" * 32, "client_id": "id", "client_secret": "s",
                             "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration"}})
    assert not at.exception
    assert not shows_content(at)
    if auth.is_authlib_missing():
        assert "Authlib" in at.error[0].value
    else:
        assert [b.label for b in at.button] == ["Log in"]
