"""The seed is the contract: its recurrence and work-item models, paths, query limits and Chinese texts,
read from the seed file itself with ``ast`` (its copy lost its indentation, so blocks are re-indented)."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from awooop.workitems import schemas

SEED = Path(__file__).resolve().parents[1] / "contract" / "seed_router.txt"
SEED_MODELS = (
    "ChannelEventRecurrenceSummary",
    "ChannelEventRecurrenceItem",
    "ChannelEventRecurrenceResponse",
    "RecurrenceWorkItemDryRunRequest",
    "RecurrenceWorkItemHandoffRequest",
)
SEED_ROUTES = {
    ("get", "/events/dossier/recurrence"),
    ("get", "/events/dossier/recurrence/work-item/preview"),
    ("post", "/events/dossier/recurrence/work-item/dry-run"),
    ("post", "/events/dossier/recurrence/work-item/handoff"),
}
TOP_LEVEL = re.compile(r"^(class |@|async def |def |[A-Za-z_]\w* = )")


def seed_source() -> list[str]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = lines.index('"""')  # the module docstring opens the code; above it is the web page's chrome
    return lines[start:]


def seed_classes() -> dict[str, ast.ClassDef]:
    lines, classes = seed_source(), {}
    for index, line in enumerate(lines):
        match = re.match(r"^class (\w+)\(", line)
        if not match:
            continue
        body = []
        for following in lines[index + 1 :]:
            if TOP_LEVEL.match(following):
                break
            body.append("    " + following)
        tree = ast.parse("\n".join([line, *body]))
        node = tree.body[0]
        assert isinstance(node, ast.ClassDef)
        classes[match.group(1)] = node
    return classes


def our_classes() -> dict[str, ast.ClassDef]:
    tree = ast.parse(Path(schemas.__file__).read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def fields(node: ast.ClassDef) -> list[tuple[str, str, str | None]]:
    """(name, annotation, default) of every annotated field, as source text."""
    return [
        (stmt.target.id, ast.unparse(stmt.annotation), ast.unparse(stmt.value) if stmt.value else None)
        for stmt in node.body
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
    ]


@pytest.mark.parametrize("name", SEED_MODELS)
def test_models_match_the_seed_field_for_field(name: str) -> None:
    seed, ours = seed_classes()[name], our_classes()[name]
    assert fields(ours) == fields(seed)
    assert [base.id for base in ours.bases if isinstance(base, ast.Name)] == ["BaseModel"]


def seed_routes() -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path) → summary, description and each query parameter's Query(...) arguments."""
    text = "\n".join(seed_source())
    routes: dict[tuple[str, str], dict[str, Any]] = {}
    pattern = re.compile(r"^@router\.(get|post)\((.*?)^\)\nasync def \w+\((.*?)^\) ->", re.S | re.M)
    for method, decorator, params in pattern.findall(text):
        call = ast.parse(f"f({decorator})", mode="eval").body
        assert isinstance(call, ast.Call)
        path = ast.literal_eval(call.args[0])
        info: dict[str, Any] = {
            kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg != "response_model"
        }
        signature = ast.parse(f"def f({params}): pass").body[0]
        assert isinstance(signature, ast.FunctionDef)
        queries: dict[str, dict[str, Any]] = {}
        positional, defaults = signature.args.args, signature.args.defaults
        for arg, default in zip(positional[len(positional) - len(defaults) :], defaults, strict=True):
            if isinstance(default, ast.Call) and ast.unparse(default.func) == "Query":
                first = default.args[0]
                queries[arg.arg] = {
                    "default": None
                    if isinstance(first, ast.Constant) and first.value is Ellipsis
                    else ast.literal_eval(first),
                    "required": isinstance(first, ast.Constant) and first.value is Ellipsis,
                    **{kw.arg: ast.literal_eval(kw.value) for kw in default.keywords if kw.arg},
                }
        routes[(method, path)] = {**info, "queries": queries}
    return routes


async def test_routes_keep_the_seed_paths_limits_and_chinese_texts(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    seeds = seed_routes()
    assert set(seeds) >= SEED_ROUTES
    for method, path in SEED_ROUTES:
        seed = seeds[(method, path)]
        operation = document["paths"][f"/api/v1/platform{path}"][method]
        assert operation["summary"] == seed["summary"]
        assert operation["description"] == seed["description"]
        parameters = {param["name"]: param for param in operation.get("parameters", []) if param["in"] == "query"}
        assert set(parameters) == set(seed["queries"]), path
        for name, query in seed["queries"].items():
            ours = parameters[name]
            assert ours["required"] is query["required"], (path, name)
            assert ours["description"] == query["description"], (path, name)
            schema = ours["schema"]
            if not query["required"]:
                assert schema.get("default") == query["default"], (path, name)
            if "ge" in query:
                assert (schema["minimum"], schema["maximum"]) == (query["ge"], query["le"]), (path, name)
            if "min_length" in query:
                assert schema["minLength"] == query["min_length"], (path, name)


async def test_work_item_routes_are_typed_and_need_an_operator(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    history = document["paths"]["/api/v1/platform/events/dossier/recurrence/work-item/history"]["get"]
    assert "歷史" in history["summary"]
    for method, path in [*SEED_ROUTES, ("get", "/events/dossier/recurrence/work-item/history")]:
        operation = document["paths"][f"/api/v1/platform{path}"][method]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].startswith("#/components/schemas/"), path
    preview = document["components"]["schemas"]["RecurrenceWorkItemPreviewResponse"]["properties"]
    assert {"work_item", "requested_mode", "resolved_mode", "next_step", "checks", "evidence", "guarantees"} <= set(
        preview
    )
