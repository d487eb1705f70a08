"""User accounts: argon2 password hashes and hashed API tokens.

Functions take a ``Session`` first and flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import User
from web.roles import Role

logger = logging.getLogger(__name__)

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("haidang-dummy-password")
MAX_NAME_LENGTH = 64


class UserError(ValueError):
    """A user-management request that cannot be done; the message says why (in English, for the CLI)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    """API tokens are 256-bit random strings, so a fast hash is enough to store them."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise UserError("user name must not be empty")
    if len(name) > MAX_NAME_LENGTH or any(ch.isspace() for ch in name):
        raise UserError(f"user name must be 1-{MAX_NAME_LENGTH} characters without spaces")
    return name


def create_user(session: Session, name: str, role: str, password: str) -> User:
    """Add a user. Raises ``UserError`` for an unknown role, an existing name or an empty password."""
    name = _check_name(name)
    try:
        role_value = Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise UserError(f"unknown role {role!r}; expected one of: {choices}") from None
    if not password:
        raise UserError("password must not be empty")
    if get_user(session, name) is not None:
        raise UserError(f"user {name!r} already exists")
    user = User(
        name=name,
        role=role_value.value,
        password_hash=hash_password(password),
        created_at=datetime.now(UTC),
        disabled=False,
    )
    session.add(user)
    session.flush()
    logger.info("created user %s with role %s", name, role_value.value)
    return user


def get_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name.strip()))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def set_api_token(session: Session, name: str) -> str:
    """Give the user a new API token (replacing any old one) and return it; only its hash is stored."""
    user = get_user(session, name)
    if user is None:
        raise UserError(f"no user named {name!r}")
    token = secrets.token_urlsafe(32)
    user.api_token_hash = token_hash(token)
    session.flush()
    logger.info("new API token for user %s", user.name)
    return token


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, or None."""
    user = get_user(session, name) if name.strip() else None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def user_by_token(session: Session, token: str) -> User | None:
    if not token:
        return None
    user = session.scalar(select(User).where(User.api_token_hash == token_hash(token)))
    if user is None or user.disabled:
        return None
    return user


def password_fingerprint(user: User) -> str:
    """Stored in the session: changing the password ends the user's other sessions."""
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:16]
