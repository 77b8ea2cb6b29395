"""The seed router is the contract: our OpenAPI document keeps its models field for field, its
Chinese summaries and descriptions, and its query limits and defaults.

The seed file is a page capture whose code lost its indentation, so each statement is collected
(bracket-balanced lines) and parsed with ``ast`` on its own.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from awooop.app import create_app
from awooop.config import Settings
from awooop.dossier import schemas

SEED = Path(__file__).resolve().parents[1] / "contract" / "seed_router.txt"
PLATFORM = "/api/v1/platform"
# The seed's models and routes this module (the Channel Events API) serves; the recurrence and
# work-item ones belong to workitems/.
MODELS = (
    "ChannelEventItem",
    "RecentEventsResponse",
    "ChannelEventDossierItem",
    "ChannelEventDossierSummary",
    "ChannelEventDossierResponse",
    "ChannelEventProviderCoverage",
    "ChannelEventDossierCoverageSummary",
    "ChannelEventDossierCoverageResponse",
    "SourceProviderHeartbeatRequest",
    "SourceProviderHeartbeatItem",
    "SourceProviderHeartbeatResponse",
)
ROUTES = (
    ("get", "/events/recent"),
    ("get", "/events/dossier"),
    ("get", "/events/dossier/coverage"),
    ("post", "/events/dossier/provider-heartbeat"),
)
NOT_QUERY = frozenset({"payload", "request", "operator"})


@dataclass
class SeedRoute:
    method: str
    path: str
    summary: str
    description: str
    query: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Seed:
    models: dict[str, dict[str, ast.expr]] = field(default_factory=dict)
    routes: dict[tuple[str, str], SeedRoute] = field(default_factory=dict)


def _statements(lines: list[str]) -> Iterator[str]:
    """Complete statements: lines joined until brackets balance (and a def's header closes)."""
    buffer: list[str] = []
    depth = 0
    for line in lines:
        buffer.append(line)
        depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
        header = buffer[0].lstrip().startswith(("async def", "def", "class"))
        if depth == 0 and (not header or line.rstrip().endswith(":")):
            yield "\n".join(buffer)
            buffer = []


def _literal(node: ast.expr) -> Any:
    return ast.literal_eval(node)


def _query_params(function: ast.AsyncFunctionDef) -> dict[str, dict[str, Any]]:
    params: dict[str, dict[str, Any]] = {}
    args = function.args.args
    defaults = [None] * (len(args) - len(function.args.defaults)) + list(function.args.defaults)
    for arg, default in zip(args, defaults, strict=True):
        if arg.arg in NOT_QUERY or not isinstance(default, ast.Call):
            continue
        spec = {kw.arg: _literal(kw.value) for kw in default.keywords if kw.arg}
        spec["default"] = _literal(default.args[0]) if default.args else None
        if default.args and isinstance(default.args[0], ast.Constant) and default.args[0].value is Ellipsis:
            spec["required"] = True
        params[arg.arg] = spec
    return params


def load_seed() -> Seed:
    if not SEED.is_file():
        raise FileNotFoundError(f"the seed router is the API contract and must exist at {SEED}")
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("from __future__"))
    seed = Seed()
    current: str | None = None
    pending_route: ast.Call | None = None
    for statement in _statements(lines[start:]):
        if statement.startswith("class ") and statement.rstrip().endswith("(BaseModel):"):
            current = statement.split()[1].split("(")[0]
            seed.models[current] = {}
            continue
        if statement.startswith("@router."):
            call = ast.parse(statement[1:], mode="eval").body
            assert isinstance(call, ast.Call)
            pending_route, current = call, None
            continue
        if statement.startswith("async def") and pending_route is not None:
            function = ast.parse(statement + "\n    ...").body[0]
            assert isinstance(function, ast.AsyncFunctionDef)
            assert isinstance(pending_route.func, ast.Attribute)
            keywords = {kw.arg: kw.value for kw in pending_route.keywords}
            method, path = pending_route.func.attr, _literal(pending_route.args[0])
            seed.routes[(method, path)] = SeedRoute(
                method,
                path,
                _literal(keywords["summary"]),
                _literal(keywords["description"]),
                _query_params(function),
            )
            pending_route = None
            continue
        node = ast.parse(statement).body[0] if current else None
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and current:
            seed.models[current][node.target.id] = node.annotation
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            current = None  # anything but a field or a docstring ends the class body
    return seed


@pytest.fixture(scope="module")
def seed() -> Seed:
    return load_seed()


@pytest.fixture(scope="module")
async def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """/openapi.json as served; rendering it needs no database, so the app's lifespan is not run
    and the document is fetched once for the module."""
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("openapi"), run_worker=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        response = await http.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def expected_type(node: ast.expr) -> str:
    """A seed annotation as a small type descriptor, comparable with ``schema_type``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        assert isinstance(node.right, ast.Constant)
        assert node.right.value is None
        return f"{expected_type(node.left)}|null"
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        if node.value.id == "list":
            return f"array[{expected_type(node.slice)}]"
        assert node.value.id == "dict"
        assert isinstance(node.slice, ast.Tuple)
        value = node.slice.elts[1]
        return "object" if isinstance(value, ast.Name) and value.id == "Any" else f"object[{expected_type(value)}]"
    assert isinstance(node, ast.Name), ast.dump(node)
    simple = {
        "str": "string",
        "int": "integer",
        "bool": "boolean",
        "UUID": "string:uuid",
        "datetime": "string:date-time",
        "SourceProviderName": "enum",
    }
    return simple.get(node.id, f"ref:{node.id}")


def schema_type(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        kinds = [schema_type(option) for option in schema["anyOf"]]
        assert kinds[-1] == "null", schema
        return f"{'|'.join(kinds[:-1])}|null"
    if "$ref" in schema:
        return f"ref:{schema['$ref'].rsplit('/', 1)[1]}"
    if "enum" in schema:
        return "enum"
    kind = schema["type"]
    if kind == "array":
        return f"array[{schema_type(schema['items'])}]"
    if kind == "object":
        extra = schema.get("additionalProperties", True)
        return "object" if extra is True else f"object[{schema_type(extra)}]"
    return f"{kind}:{schema['format']}" if "format" in schema else str(kind)


def test_seed_parses_into_every_model_and_route(seed: Seed) -> None:
    assert set(MODELS) <= set(seed.models)
    assert set(ROUTES) <= set(seed.routes)
    assert list(seed.models["ChannelEventItem"])[:2] == ["event_id", "project_id"]
    assert seed.routes[("get", "/events/dossier")].query["limit"] == {
        "default": 20,
        "ge": 1,
        "le": 50,
        "description": "最多返回筆數",
    }


@pytest.mark.parametrize("name", MODELS)
def test_schema_classes_keep_the_seed_fields_and_annotations(seed: Seed, name: str) -> None:
    ours = getattr(schemas, name).__annotations__
    theirs = seed.models[name]
    assert list(ours) == list(theirs)
    for field_name, annotation in theirs.items():
        assert ast.unparse(ast.parse(ours[field_name], mode="eval")) == ast.unparse(annotation), field_name


@pytest.mark.parametrize("name", MODELS)
async def test_openapi_models_match_the_seed(seed: Seed, openapi: dict[str, Any], name: str) -> None:
    schema = openapi["components"]["schemas"][name]
    theirs = seed.models[name]
    assert list(schema["properties"]) == list(theirs)
    for field_name, annotation in theirs.items():
        assert schema_type(schema["properties"][field_name]) == expected_type(annotation), (name, field_name)


async def test_heartbeat_provider_names_extend_the_seeds(openapi: dict[str, Any]) -> None:
    request = openapi["components"]["schemas"]["SourceProviderHeartbeatRequest"]
    providers = request["properties"]["providers"]
    assert set(providers["items"]["enum"]) == {"alertmanager", "signoz", "grafana", "sentry", "generic"}
    assert providers["default"] == ["sentry", "signoz"]
    assert (providers["minItems"], providers["maxItems"]) == (1, 5)
    assert request["properties"]["reason"]["default"] == "scheduled_provider_freshness_smoke"
    assert request["properties"]["project_id"]["default"] == "default"


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_routes_keep_the_seed_texts_and_query_limits(
    seed: Seed, openapi: dict[str, Any], method: str, path: str
) -> None:
    route = seed.routes[(method, path)]
    operation = openapi["paths"][PLATFORM + path][method]
    assert operation["summary"] == route.summary
    assert operation["description"] == route.description
    params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
    assert set(params) == set(route.query)
    for name, spec in route.query.items():
        param, schema = params[name], params[name]["schema"]
        assert param["description"] == spec["description"], name
        assert param.get("required", False) == spec.get("required", False), name
        if spec["default"] is not None:
            assert schema["default"] == spec["default"], name
        else:
            assert schema.get("default") is None, name
        if "ge" in spec:
            assert (schema["minimum"], schema["maximum"]) == (spec["ge"], spec["le"]), name


async def test_route_models_are_the_seeds(openapi: dict[str, Any]) -> None:
    def response_ref(method: str, path: str) -> str:
        content = openapi["paths"][PLATFORM + path][method]["responses"]["200"]["content"]
        return str(content["application/json"]["schema"]["$ref"]).rsplit("/", 1)[1]

    assert response_ref("get", "/events/recent") == "RecentEventsResponse"
    assert response_ref("get", "/events/dossier") == "ChannelEventDossierResponse"
    assert response_ref("get", "/events/dossier/coverage") == "ChannelEventDossierCoverageResponse"
    assert response_ref("post", "/events/dossier/provider-heartbeat") == "SourceProviderHeartbeatResponse"
    body = openapi["paths"][PLATFORM + "/events/dossier/provider-heartbeat"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/SourceProviderHeartbeatRequest")
