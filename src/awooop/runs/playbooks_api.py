"""Playbook routes: replace a project's set from YAML, read it back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request

from awooop.core.body import CappedBody
from awooop.deps import OperatorDep, ReadSessionDep, SessionDep
from awooop.errors import DomainError, PayloadTooLarge
from awooop.runs import playbooks
from awooop.runs.playbooks import PlaybookSetRead

router = APIRouter()

YAML_TYPES = frozenset(
    {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain", "application/json"}
)


class UnsupportedMediaType(DomainError):
    status_code = 415
    code = "unsupported_media_type"


async def _read_capped(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it passes ``limit``: never buffer a huge upload."""

    def too_large(_seen: int) -> PayloadTooLarge:
        return PayloadTooLarge(f"playbook file is larger than {limit} bytes")

    return await CappedBody(limit).read(request.stream(), too_large)


@router.get(
    "/playbooks/{project_id}",
    response_model=PlaybookSetRead,
    summary="列出專案的 playbooks（依比對順序）",
)
async def get_playbooks(project_id: str, session: ReadSessionDep, operator: OperatorDep) -> PlaybookSetRead:
    operator.require_project(project_id)
    return await playbooks.get_playbook_set(session, project_id)


@router.put(
    "/playbooks/{project_id}",
    response_model=PlaybookSetRead,
    summary="以 YAML 整批取代專案的 playbooks",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        }
    },
)
async def put_playbooks(
    project_id: str,
    request: Request,
    session: SessionDep,
    operator: OperatorDep,
    content_type: Annotated[str | None, Header()] = None,
) -> PlaybookSetRead:
    operator.require_project(project_id)
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media not in YAML_TYPES:
        raise UnsupportedMediaType(
            f"send the playbook YAML as application/yaml or text/plain, not {media or 'no content type'}"
        )
    specs = playbooks.parse_playbooks(await _read_capped(request, playbooks.MAX_YAML_BYTES))
    return await playbooks.replace_playbooks(session, project_id, specs)
