"""The error answers the OpenAPI document lists: the error model on every status, our 422 shape
(not FastAPI's HTTPValidationError), Retry-After on 503, and answers that match them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from awooop.app import create_app
from awooop.config import Settings
from awooop.openapi import FOREIGN_PREFIXES
from tests.factories import Factory


@pytest.fixture(scope="module")
async def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("openapi-errors"), run_worker=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        response = await http.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Our own operations; the compatibility surfaces answer in the foreign APIs' shapes."""
    return [
        (method, path, op)
        for path, ops in document["paths"].items()
        if not path.startswith(FOREIGN_PREFIXES)
        for method, op in ops.items()
    ]


def _ref(response: dict[str, Any]) -> str:
    return str(response["content"]["application/json"]["schema"]["$ref"]).rsplit("/", 1)[1]


async def test_every_422_is_documented_as_what_the_handlers_answer(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    assert schemas["ValidationErrorRead"]["required"] == ["detail", "code", "errors"]
    assert set(schemas["FieldErrorRead"]["required"]) == {"field", "message"}
    for method, path, operation in _operations(document):
        assert _ref(operation["responses"]["422"]) == "ValidationErrorRead", (method, path)


async def test_every_operation_lists_its_errors_with_the_error_model(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        assert {"401", "422", "503"} <= set(responses), (method, path)
        assert "Retry-After" in responses["503"]["headers"], (method, path)
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                assert _ref(response) in {"ErrorRead", "ValidationErrorRead", "IntakeError"}, (method, path, status)
        if "requestBody" in operation:
            assert "400" in responses, (method, path)
    runs = document["paths"]["/api/v1/platform/runs/{run_id}/approve"]["post"]["responses"]
    assert {"401", "403", "404", "409", "422", "503"} <= set(runs)


async def test_422_and_400_answers_have_the_documented_shape(client: httpx.AsyncClient, factory: Factory) -> None:
    headers = await factory.operator_headers()
    invalid = await client.get("/api/v1/platform/runs", params={"limit": "many"}, headers=headers)
    assert invalid.status_code == 422
    body = invalid.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["field"] == "query.limit"
    assert body["detail"].startswith("query.limit: ")
    broken = await client.post(
        "/api/v1/platform/runs/00000000-0000-0000-0000-000000000000/approve",
        content=b"\x05m\xff\xfe not UTF-8",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert broken.status_code == 400
    assert broken.json()["code"] == "bad_request"
    assert isinstance(broken.json()["detail"], str)
    await factory.project("acme")
    mismatch = await client.put(
        "/api/v1/platform/playbooks/acme",
        content="just a string\n",
        headers={**headers, "Content-Type": "application/yaml"},
    )
    assert mismatch.status_code == 422
    assert mismatch.json()["code"] == "schema_mismatch"
    assert mismatch.json()["errors"] == [{"field": "playbooks", "message": mismatch.json()["detail"]}]
