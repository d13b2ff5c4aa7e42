"""Password hashing and the choice of login method, kept free of Streamlit so it is testable.

Passwords are stored only as salted scrypt hashes in ``.streamlit/secrets.toml``
(``scrypt$n$r$p$salt$hash``, base64 fields), made with ``python -m analysis.auth``.
Verification is constant-time. ``decide`` picks how the hosted page is guarded:
OIDC when an ``[auth]`` section exists, else the password gate, else open only
in local mode (bound to loopback, or ``SRA_AUTH=local``), else refuse to serve.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import importlib.util
import os
import sys
from collections.abc import Mapping
from typing import Any, Literal

# scrypt cost: ~50 ms and 16 MB per check on a 2-core machine; slows guessing, cheap for a login.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
MODES = ("auto", "local", "required")
Method = Literal["oidc", "password", "local", "refuse"]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, salt: bytes | None = None) -> str:
    """A storable salted scrypt hash of ``password`` (a fresh random salt unless one is given)."""
    if not password:
        raise ValueError("an empty password cannot be hashed")
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                         maxmem=64 * 1024 * 1024, dklen=KEY_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; False for any malformed hash (never raises)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        n_, r_, p_ = int(n), int(r), int(p)
        if not (2 <= n_ <= 2**20 and 1 <= r_ <= 32 and 1 <= p_ <= 16):  # a hostile hash must not exhaust memory
            return False
        expected = base64.b64decode(key, validate=True)
        got = hashlib.scrypt(password.encode("utf-8", "surrogatepass"), salt=base64.b64decode(salt, validate=True),
                             n=n_, r=r_, p=p_, maxmem=128 * 1024 * 1024, dklen=len(expected))
    except (ValueError, TypeError, MemoryError):
        return False
    return bool(expected) and hmac.compare_digest(got, expected)


def check_user(users: Mapping[str, str], user: str, password: str) -> bool:
    """True when ``user`` exists in ``users`` (name -> hash) and the password matches.

    An unknown user still costs one scrypt, so response time does not reveal which names exist.
    """
    stored = users.get(user) if user else None
    if stored is None:
        verify_password(password, hash_password("x" * 12, salt=b"\0" * SALT_BYTES))
        return False
    return verify_password(password, str(stored))


def password_users(secrets: Mapping[str, Any]) -> dict[str, str]:
    """Users allowed by the password gate: ``[sra_auth.users]`` name = hash in secrets.toml."""
    section = secrets.get("sra_auth") or {}
    users = section.get("users") if isinstance(section, Mapping) else None
    return {str(k): str(v) for k, v in (users or {}).items() if str(v).startswith("scrypt$")}


def has_oidc(secrets: Mapping[str, Any]) -> bool:
    """True when secrets.toml holds Streamlit's ``[auth]`` section (``st.login`` configured)."""
    section = secrets.get("auth")
    return isinstance(section, Mapping) and bool(section.get("redirect_uri")) and bool(section.get("cookie_secret"))


def email_allowed(email: str, secrets: Mapping[str, Any]) -> bool:
    """OIDC accounts allowed in: any, unless ``[sra_auth] allowed_domains`` lists the email domains."""
    section = secrets.get("sra_auth") or {}
    domains = [str(d).lower().lstrip("@") for d in (section.get("allowed_domains") or [])] \
        if isinstance(section, Mapping) else []
    if not domains:
        return True
    return "@" in email and email.rsplit("@", 1)[1].lower() in domains


def is_authlib_missing() -> bool:
    """Streamlit's st.login needs the Authlib package; without it OIDC cannot work."""
    return importlib.util.find_spec("authlib") is None


def decide(mode: str, address: str, secrets: Mapping[str, Any]) -> Method:
    """How to guard the page: the configured login if any, open only when local, else refuse.

    ``mode`` is the ``auth`` setting: ``auto`` (open on a loopback address with no
    login configured), ``local`` (always open: a developer's own machine) or
    ``required`` (never open; set by scripts/serve.sh, since a reverse proxy in front
    of a loopback-bound server would otherwise make the page public).
    """
    mode = (mode or "auto").strip().lower()
    if mode not in MODES:
        return "refuse"
    if mode == "local":
        return "local"
    if has_oidc(secrets):
        return "oidc"
    if password_users(secrets):
        return "password"
    if mode == "auto" and (address or "").strip().strip("[]") in LOOPBACK:
        return "local"
    return "refuse"


def main(argv: list[str]) -> int:
    """``python -m analysis.auth [user]``: ask for a password twice, print the secrets.toml lines."""
    user = argv[0] if argv else "analyst"
    first = getpass.getpass(f"Password for {user}: ")
    if len(first) < 12:
        print("Use at least 12 characters.", file=sys.stderr)
        return 2
    if getpass.getpass("Again: ") != first:
        print("The two passwords differ.", file=sys.stderr)
        return 2
    print(f'[sra_auth.users]\n"{user}" = "{hash_password(first)}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
