"""The login gate in front of every page: OIDC, a password, local mode, or refusal.

``allowed()`` runs before navigation on every rerun, so no page (and no deep
link) renders content for a session that has not logged in. Which method
applies is decided by ``analysis.auth.decide`` from the ``auth`` setting, the
bound address and ``.streamlit/secrets.toml`` (docs/DEPLOY.md).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import streamlit as st

from analysis import auth, settings
from views import safe

S_USER = "sra_user"
S_FAILURES = "sra_login_failures"
MAX_FAILURES = 5
LOCKOUT_S = 60.0


def _secrets() -> Mapping[str, Any]:
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets.toml (a fresh clone) or a broken one: no login configured
        return {}


def _address() -> str:
    try:
        return str(st.get_option("server.address") or "")
    except Exception:
        return ""


def method() -> str:
    return auth.decide(settings.get("auth"), _address(), _secrets())


def current_user() -> str:
    """Who is logged in (email, user name) for review records; empty in local mode."""
    if st.session_state.get(S_USER):
        return str(st.session_state[S_USER])
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or st.user.get("name") or "")
    except Exception:
        pass
    return ""


def allowed() -> bool:
    """True when this session may see content; otherwise draws the login (or refusal) and returns False."""
    chosen = method()
    if chosen == "local":
        return True
    if chosen == "oidc":
        return _oidc()
    if chosen == "password":
        return _password(auth.password_users(_secrets()))
    st.title("Sanctions risk")
    st.error("Login is not configured, so this server shows nothing. Configure OIDC (`[auth]`) or a password "
             "(`[sra_auth.users]`) in `.streamlit/secrets.toml`, or bind to 127.0.0.1 for local use "
             "(docs/DEPLOY.md).")
    return False


def _oidc_logged_in() -> bool:
    """st.user.is_logged_in, False where Streamlit has no user info (AppTest, OIDC not set up)."""
    try:
        return bool(st.user.is_logged_in)
    except (AttributeError, KeyError):
        return False


def _oidc() -> bool:
    if not auth.is_authlib_missing() and _oidc_logged_in():
        email = str(st.user.get("email") or "")
        if not auth.email_allowed(email, _secrets()):
            st.error(f"{safe.md(email) or 'This account'} is not allowed here.")
            st.button("Log out", on_click=st.logout)
            return False
        with st.sidebar:
            st.caption(f"Signed in as {safe.md(email or st.user.get('name') or 'user', 80)}")
            st.button("Log out", on_click=st.logout, key="sra_logout")
        return True
    st.title("Sanctions risk")
    if auth.is_authlib_missing():
        st.error("OIDC login is configured but the Authlib package is not installed (`pip install Authlib`).")
        return False
    st.button("Log in", on_click=st.login, type="primary", key="sra_login")
    return False


def _password(users: dict[str, str]) -> bool:
    if st.session_state.get(S_USER) in users:
        with st.sidebar:
            st.caption(f"Signed in as {safe.md(st.session_state[S_USER], 80)}")
            if st.button("Log out", key="sra_logout"):
                del st.session_state[S_USER]
                st.rerun()
        return True
    st.title("Sanctions risk")
    failures, since = st.session_state.get(S_FAILURES, (0, 0.0))
    if failures >= MAX_FAILURES and time.monotonic() - since < LOCKOUT_S:
        st.error("Too many wrong passwords: wait a minute and reload.")
        return False
    with st.form("sra_login_form"):
        user = st.text_input("User", key="sra_login_user", max_chars=120)
        password = st.text_input("Password", type="password", key="sra_login_password", max_chars=1024)
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        if auth.check_user(users, user.strip(), password):
            st.session_state[S_USER] = user.strip()
            st.session_state.pop(S_FAILURES, None)
            st.rerun()
        failures = failures + 1 if failures < MAX_FAILURES else 1
        st.session_state[S_FAILURES] = (failures, time.monotonic())
        st.error("Wrong user or password." if failures < MAX_FAILURES
                 else "Too many wrong passwords: wait a minute and reload.")
    return False
