"""`awooop projects …`: create, list, set secrets, rotate the intake token."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from awooop.cli.common import database, run
from awooop.cli.output import Column, JsonFlag, rows_or_table
from awooop.operators import projects
from awooop.operators.projects import ProjectSecrets

COLUMNS: tuple[Column, ...] = (
    ("project_id", "project"),
    ("created_at", "created"),
    ("secrets", "secrets set"),
    ("telegram_chat_id", "telegram chat"),
)
app = typer.Typer(help="Manage projects (tenants) and their source credentials.", no_args_is_help=True)


@app.command("create")
def create(project_id: Annotated[str, typer.Argument(help="New project id, e.g. payments")]) -> None:
    """Create a project and print its intake token once."""

    async def _go() -> str:
        async with database() as db, db.transaction() as session:
            _, token = await projects.create_project(session, project_id)
        return token

    token = run(_go)
    typer.echo(f"project {project_id} created")
    typer.echo(f"intake token (shown once): {token}")


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """List projects and which source secrets are configured (never the secrets)."""

    async def _go() -> list[dict[str, Any]]:
        async with database() as db, db.reader() as session:
            rows = await projects.list_projects(session)
        return [
            {
                "project_id": p.id,
                "created_at": p.created_at,
                "secrets": [
                    name
                    for name, value in (
                        ("sentry", p.sentry_client_secret),
                        ("grafana", p.grafana_secret),
                        ("telegram-secret", p.telegram_secret_hash),
                        ("telegram-bot", p.telegram_bot_token),
                    )
                    if value
                ],
                "telegram_chat_id": p.telegram_chat_id,
            }
            for p in rows
        ]

    rows_or_table(run(_go), COLUMNS, as_json=as_json, empty="no projects (create one with 'awooop projects create P')")


@app.command("set-secret")
def set_secret(  # noqa: PLR0917 - Typer maps each option to a parameter
    project_id: str,
    sentry_client_secret: Annotated[str | None, typer.Option(help="Sentry integration client secret")] = None,
    grafana_secret: Annotated[str | None, typer.Option(help="Grafana webhook HMAC secret")] = None,
    telegram_secret_token: Annotated[str | None, typer.Option(help="Telegram webhook secret token")] = None,
    telegram_bot_token: Annotated[str | None, typer.Option(help="Telegram bot token for notifications")] = None,
    telegram_chat_id: Annotated[str | None, typer.Option(help="Telegram chat id for notifications")] = None,
) -> None:
    """Set (or, with an empty value, clear) a project's source secrets."""
    secrets = ProjectSecrets(
        sentry_client_secret, grafana_secret, telegram_secret_token, telegram_bot_token, telegram_chat_id
    )

    async def _go() -> None:
        async with database() as db, db.transaction() as session:
            await projects.set_secrets(session, project_id, secrets)

    run(_go)
    typer.echo(f"secrets of {project_id} updated")


@app.command("rotate-token")
def rotate_token(project_id: str) -> None:
    """Issue a new intake token (the old one stops working) and print it once."""

    async def _go() -> str:
        async with database() as db, db.transaction() as session:
            return await projects.rotate_intake_token(session, project_id)

    typer.echo(f"new intake token (shown once): {run(_go)}")
