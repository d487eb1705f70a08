"""``haidang serve`` and ``haidang users ...``: the web app and its accounts."""

from __future__ import annotations

import sys

import typer

from pipeline.errors import UserError, friendly
from storage.db import make_engine, session_factory, session_scope

users_app = typer.Typer(
    help="Web users. Example: haidang users add lan --role officer", no_args_is_help=True
)


def _read_password() -> str:
    if sys.stdin.isatty():
        password: str = typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
        return password
    # Scripts pipe the password in: the first line of stdin, without its newline.
    return sys.stdin.readline().rstrip("\r\n")


@users_app.command("add")
@friendly
def users_add(
    name: str = typer.Argument(..., help="sign-in name"),
    role: str = typer.Option(..., "--role", help="officer | spokesperson | analyst | admin"),
) -> None:
    """Create a user; the password is asked twice (or read from stdin when it is not a terminal).

    Example: echo 'mat-khau' | haidang users add lan --role officer
    """
    from web import users
    from web.roles import Role

    with session_scope(session_factory(make_engine())) as session:
        # Check name and role before asking for a password nobody will use.
        if role not in {r.value for r in Role}:
            choices = ", ".join(r.value for r in Role)
            raise UserError(f"unknown role {role!r}; expected one of: {choices}")
        if users.get_user(session, name) is not None:
            raise UserError(f"user {name.strip()!r} already exists")
        password = _read_password()
        try:
            user = users.create_user(session, name, role, password)
        except users.UserError as exc:
            raise UserError(str(exc)) from None
        typer.echo(f"created user {user.name} ({user.role})")


@users_app.command("list")
@friendly
def users_list() -> None:
    """List users with their role and whether they have an API token.

    Example: haidang users list
    """
    from web import users

    with session_scope(session_factory(make_engine())) as session:
        rows = users.list_users(session)
        if not rows:
            typer.echo("no users yet: haidang users add NAME --role ROLE")
        for user in rows:
            flags = [user.role]
            if user.api_token_hash:
                flags.append("api token")
            if user.disabled:
                flags.append("disabled")
            typer.echo(f"{user.name}\t{', '.join(flags)}")


@users_app.command("token")
@friendly
def users_token(name: str = typer.Argument(..., help="sign-in name")) -> None:
    """Issue a new API token for NAME (the old one stops working) and print it once.

    Example: haidang users token lan
    """
    from web import users

    with session_scope(session_factory(make_engine())) as session:
        try:
            token = users.set_api_token(session, name)
        except users.UserError as exc:
            raise UserError(str(exc)) from None
    typer.echo(token)


@friendly
def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, min=1, max=65535, help="port"),
) -> None:
    """Serve the web app (Vietnamese UI, REST API under /api/).

    Example: haidang serve --port 8000, then open http://127.0.0.1:8000/
    """
    import uvicorn
    from sqlalchemy import inspect

    from config import load_config
    from web.app import create_app

    engine = make_engine()
    if not inspect(engine).has_table("users"):
        raise UserError("the database has no schema yet: run haidang db upgrade first")
    app = create_app(session_factory(engine), load_config())
    typer.echo(f"Hải Đăng: http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
