"""User accounts and the ``haidang users`` / ``haidang serve`` commands, through the real entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from tests.webkit import fast_hashing  # noqa: F401  (autouse)
from web import users

REPO = Path(__file__).resolve().parent.parent
HAIDANG = [sys.executable, "-m", "pipeline.cli"]


def test_create_and_authenticate(db) -> None:  # type: ignore[no-untyped-def]
    with db.sessions.begin() as session:
        user = users.create_user(session, "lan", "officer", "mật khẩu")
        assert user.password_hash.startswith("$argon2")
        assert "mật khẩu" not in user.password_hash
    with db.sessions.begin() as session:
        assert users.authenticate(session, "lan", "mật khẩu") is not None
        assert users.authenticate(session, "lan", "sai") is None
        assert users.authenticate(session, "khong-co", "mật khẩu") is None


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("lan", "boss", "x", "unknown role"),
        ("lan", "officer", "", "password must not be empty"),
        ("", "officer", "x", "must not be empty"),
        ("hai tu", "officer", "x", "without spaces"),
    ],
)
def test_create_user_rejects(db, name: str, role: str, password: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with db.sessions.begin() as session, pytest.raises(users.UserError, match=message):
        users.create_user(session, name, role, password)


def test_existing_user_rejected(db) -> None:  # type: ignore[no-untyped-def]
    with db.sessions.begin() as session:
        users.create_user(session, "lan", "officer", "x")
        with pytest.raises(users.UserError, match="already exists"):
            users.create_user(session, "lan", "admin", "y")


def test_api_token_is_stored_hashed_and_replaced(db) -> None:  # type: ignore[no-untyped-def]
    with db.sessions.begin() as session:
        users.create_user(session, "may", "analyst", "x")
        first = users.set_api_token(session, "may")
        second = users.set_api_token(session, "may")
    with db.sessions() as session:
        user = users.get_user(session, "may")
        assert user is not None and user.api_token_hash == users.token_hash(second)
        assert users.user_by_token(session, first) is None
        assert users.user_by_token(session, second) is not None
        with pytest.raises(users.UserError, match="no user"):
            users.set_api_token(session, "khong-co")


def test_old_hashes_are_upgraded_on_sign_in(db) -> None:  # type: ignore[no-untyped-def]
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1)
    with db.sessions.begin() as session:
        user = users.create_user(session, "cu", "officer", "x")
        user.password_hash = weak.hash("x")
        old = user.password_hash
    with db.sessions.begin() as session:
        assert users.authenticate(session, "cu", "x") is not None
    with db.sessions() as session:
        upgraded = users.get_user(session, "cu")
        assert upgraded is not None and upgraded.password_hash != old


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> Ran:
    """The ``haidang`` Typer app in-process (a subprocess costs seconds of imports per call);
    stdin is not a terminal here, so the password is read from it as in a script."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, args, input=stdin, env=env)
    return Ran(result.exit_code, result.stdout, result.stderr)


def test_users_cli(db) -> None:  # type: ignore[no-untyped-def]
    ok = _run(["users", "add", "lan", "--role", "spokesperson"], db.env, stdin="mật khẩu\n")
    assert ok.returncode == 0, ok.stderr
    assert "created user lan (spokesperson)" in ok.stdout
    again = _run(["users", "add", "lan", "--role", "officer"], db.env, stdin="x\n")
    assert again.returncode != 0 and again.stderr.strip() == "haidang: user 'lan' already exists"
    bad_role = _run(["users", "add", "hoa", "--role", "boss"], db.env, stdin="x\n")
    assert bad_role.returncode != 0 and "unknown role 'boss'" in bad_role.stderr
    assert len(bad_role.stderr.strip().splitlines()) == 1
    empty = _run(["users", "add", "hoa", "--role", "officer"], db.env, stdin="\n")
    assert empty.returncode != 0 and "password must not be empty" in empty.stderr
    token = _run(["users", "token", "lan"], db.env)
    assert token.returncode == 0 and len(token.stdout.strip()) >= 40
    listed = _run(["users", "list"], db.env)
    assert listed.stdout.strip() == "lan\tspokesperson, api token"
    missing = _run(["users", "token", "khong-co"], db.env)
    assert missing.returncode != 0 and "no user named 'khong-co'" in missing.stderr
    with db.sessions() as session:
        user = users.get_user(session, "lan")
        assert user is not None
        assert users.authenticate(session, "lan", "mật khẩu") is not None


def test_serve_answers_on_loopback(db) -> None:  # type: ignore[no-untyped-def]
    """``haidang serve`` through the real console entry point, in a subprocess."""
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | db.env | {"HAIDANG_SECRET_KEY": "serve-test"}
    process = subprocess.Popen(
        [*HAIDANG, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/dang-nhap", timeout=2) as response:
                    body = response.read().decode("utf-8")
                    headers = response.headers
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"haidang serve did not answer: {process.stderr.read() if process.stderr else ''}")
                time.sleep(0.3)
        assert "Đăng nhập" in body
        assert headers["X-Frame-Options"] == "DENY"
    finally:
        process.terminate()
        process.wait(timeout=20)
