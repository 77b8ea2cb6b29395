"""`awooop keys …`: create (printed once), list, revoke."""

from __future__ import annotations

from typing import Annotated

import typer

from awooop.cli.common import database, run
from awooop.operators import keys

app = typer.Typer(help="Manage operator, agent and admin keys.", no_args_is_help=True)


@app.command("create")
def create(
    operator: Annotated[str, typer.Option("--operator", help="Who uses the key (operator or agent id)")],
    role: Annotated[str, typer.Option(help="operator, agent or admin")] = "operator",
    projects: Annotated[str, typer.Option(help="Comma-separated project ids, or * for all")] = "*",
) -> None:
    """Create a key and print it once; only its hash is stored."""

    async def _go() -> tuple[str, str]:
        async with database() as db, db.transaction() as session:
            row, plaintext = await keys.create_key(session, operator_id=operator, role=role, projects=projects)
            return row.id, plaintext

    key_id, plaintext = run(_go)
    typer.echo(f"key {key_id} created for {operator} ({role}, projects {projects})")
    typer.echo(f"key (shown once): {plaintext}")


@app.command("list")
def list_() -> None:
    """List keys (never the secrets)."""

    async def _go() -> list[str]:
        async with database() as db, db.reader() as session:
            rows = await keys.list_keys(session)
        return [
            "\t".join(
                (
                    k.id,
                    k.operator_id,
                    k.role,
                    ",".join(k.projects),
                    "revoked" if k.revoked_at else "active",
                    f"last used {k.last_used_at:%Y-%m-%dT%H:%M:%SZ}" if k.last_used_at else "never used",
                )
            )
            for k in rows
        ]

    for line in run(_go):
        typer.echo(line)


@app.command("revoke")
def revoke(key_id: str) -> None:
    """Revoke a key; it stops working at once."""

    async def _go() -> None:
        async with database() as db, db.transaction() as session:
            await keys.revoke_key(session, key_id)

    run(_go)
    typer.echo(f"key {key_id} revoked")
