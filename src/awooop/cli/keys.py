"""`awooop keys …`: create (printed once), list, revoke."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from awooop.cli.common import database, run
from awooop.cli.output import Column, JsonFlag, rows_or_table
from awooop.operators import keys
from awooop.operators.principal import ALL_PROJECTS

COLUMNS: tuple[Column, ...] = (
    ("key_id", "key"),
    ("operator_id", "operator"),
    ("role", "role"),
    ("projects", "projects"),
    ("status", "status"),
    ("last_used_at", "last used"),
)
app = typer.Typer(help="Manage operator, agent and admin keys.", no_args_is_help=True)


@app.command("create")
def create(
    operator: Annotated[str, typer.Option("--operator", help="Who uses the key (operator or agent id)")],
    role: Annotated[str, typer.Option(help="operator, agent or admin")] = "operator",
    projects: Annotated[str, typer.Option(help="Comma-separated project ids, or * for all")] = ALL_PROJECTS,
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
def list_(as_json: JsonFlag = False) -> None:
    """List keys (never the secrets)."""

    async def _go() -> list[dict[str, Any]]:
        async with database() as db, db.reader() as session:
            rows = await keys.list_keys(session)
        return [
            {
                "key_id": k.id,
                "operator_id": k.operator_id,
                "role": k.role,
                "projects": list(k.projects),
                "status": "revoked" if k.revoked_at else "active",
                "created_at": k.created_at,
                "last_used_at": k.last_used_at,
                "revoked_at": k.revoked_at,
            }
            for k in rows
        ]

    rows_or_table(run(_go), COLUMNS, as_json=as_json, empty="no keys")


@app.command("revoke")
def revoke(key_id: str) -> None:
    """Revoke a key; it stops working at once."""

    async def _go() -> None:
        async with database() as db, db.transaction() as session:
            await keys.revoke_key(session, key_id)

    run(_go)
    typer.echo(f"key {key_id} revoked")
