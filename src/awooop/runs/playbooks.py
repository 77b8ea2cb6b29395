"""Playbooks: per-project YAML rules that turn a firing alert into a run.

Format (docs/playbooks.md)::

    playbooks:
      - id: restart-crashlooping-pod
        match: {provider: alertmanager, alertname: KubePodCrashLooping, labels: {namespace: "pay*"}}
        agent_id: k8s-remediator
        action: rollout-restart
        requires_approval: false
        mode: live

Every field given under ``match`` is an fnmatch glob (case-sensitive) and all of them must match;
a missing attribute matches only ``*``. The first playbook in file order wins.

``match_playbook(playbooks, attributes)`` and ``list_playbooks(session, project_id)`` are used by
routing and by work items; ``parse_playbooks`` validates YAML into ``PlaybookSpec`` (422 naming the
offending playbook and field); ``replace_playbooks`` swaps a project's set atomically.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import utcnow
from awooop.errors import NotFound, SchemaMismatch
from awooop.models import Playbook
from awooop.runs import repository

MAX_PLAYBOOKS = 500
MAX_YAML_BYTES = 256 * 1024
MATCH_FIELDS = ("provider", "alertname", "severity", "namespace", "target_resource")
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"


class PlaybookMatch(BaseModel):
    """Glob patterns; a field left out matches anything."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    provider: str | None = None
    alertname: str | None = None
    severity: str | None = None
    namespace: str | None = None
    target_resource: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)


class PlaybookSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN, description="Unique within the project")
    match: PlaybookMatch = Field(default_factory=PlaybookMatch)
    agent_id: str = Field(pattern=ID_PATTERN, description="The agent that claims the runs")
    action: str = Field(min_length=1, max_length=256, description="What the agent should do")
    requires_approval: bool = False
    mode: Literal["live", "shadow"] = "live"
    description: str | None = Field(default=None, max_length=2000)


class PlaybookFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    playbooks: list[PlaybookSpec] = Field(max_length=MAX_PLAYBOOKS)

    @field_validator("playbooks")
    @classmethod
    def _unique_ids(cls, value: list[PlaybookSpec]) -> list[PlaybookSpec]:
        seen: set[str] = set()
        for spec in value:
            if spec.id in seen:
                raise ValueError(f"playbook id {spec.id!r} appears more than once")
            seen.add(spec.id)
        return value


class PlaybookSetRead(BaseModel):
    project_id: str
    playbooks: list[PlaybookSpec]
    updated_at: datetime | None = Field(description="When the set was last replaced; null when never loaded")


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern), re.DOTALL)


def _matches(pattern: str | None, value: Any) -> bool:
    if pattern is None:
        return True
    return _glob(pattern).match("" if value is None else str(value)) is not None


def playbook_matches(spec: PlaybookSpec, attributes: Mapping[str, Any]) -> bool:
    match = spec.match
    if not all(_matches(getattr(match, name), attributes.get(name)) for name in MATCH_FIELDS):
        return False
    labels = attributes.get("labels") or {}
    return all(_matches(pattern, labels.get(name)) for name, pattern in match.labels.items())


class MatchSubject(Protocol):
    """An event as playbooks see it (a committed event, a recurrence group's latest event)."""

    @property
    def provider(self) -> str | None: ...
    @property
    def alertname(self) -> str | None: ...
    @property
    def severity(self) -> str | None: ...
    @property
    def namespace(self) -> str | None: ...
    @property
    def target_resource(self) -> str | None: ...
    @property
    def labels(self) -> Mapping[str, Any] | None: ...


def match_attributes(event: MatchSubject) -> dict[str, Any]:
    """What playbooks match on, taken from ``event`` (the one place that names the fields)."""
    return {
        "provider": event.provider,
        "alertname": event.alertname,
        "severity": event.severity,
        "namespace": event.namespace,
        "target_resource": event.target_resource,
        "labels": dict(event.labels or {}),
    }


def match_playbook(playbooks: Sequence[PlaybookSpec], attributes: Mapping[str, Any]) -> PlaybookSpec | None:
    """The first playbook whose every given pattern matches ``attributes`` (provider, alertname,
    severity, namespace, target_resource, labels), or None."""
    return next((spec for spec in playbooks if playbook_matches(spec, attributes)), None)


def _location(loc: Sequence[int | str], data: Any) -> str:
    """``playbooks[2] (id 'x').match.severity`` from a pydantic error location."""
    parts: list[str] = []
    for index, part in enumerate(loc):
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]"
            if index == 1 and isinstance(data, dict):
                items = data.get("playbooks")
                if isinstance(items, list) and part < len(items) and isinstance(items[part], dict):
                    pid = items[part].get("id")
                    if pid is not None:
                        parts[-1] += f" (id {pid!r})"
        else:
            parts.append(str(part))
    return ".".join(parts) or "playbooks"


def parse_playbooks(text: str | bytes) -> list[PlaybookSpec]:
    """Validate a playbook YAML document; SchemaMismatch (422) names the playbook and field."""
    if len(text) > MAX_YAML_BYTES:
        raise SchemaMismatch(f"playbook file is larger than {MAX_YAML_BYTES} bytes", field="playbooks")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise SchemaMismatch(f"playbook file is not valid YAML{where}: {problem}", field="playbooks") from exc
    if not isinstance(data, dict):
        raise SchemaMismatch("playbook file must be a mapping with a 'playbooks' list", field="playbooks")
    try:
        return PlaybookFile.model_validate(data).playbooks
    except ValidationError as exc:
        errors = [{"field": _location(err["loc"], data), "message": err["msg"]} for err in exc.errors()]
        first = errors[0]
        raise SchemaMismatch(f"{first['field']}: {first['message']}", field=first["field"], errors=errors) from exc


async def list_playbooks(session: AsyncSession, project_id: str) -> list[PlaybookSpec]:
    """The project's playbooks in match order (empty when none are loaded)."""
    rows = await repository.list_playbook_rows(session, project_id)
    return [PlaybookSpec.model_validate(row.spec) for row in rows]


async def get_playbook_set(session: AsyncSession, project_id: str) -> PlaybookSetRead:
    rows = await repository.list_playbook_rows(session, project_id)
    return PlaybookSetRead(
        project_id=project_id,
        playbooks=[PlaybookSpec.model_validate(row.spec) for row in rows],
        updated_at=max((row.updated_at for row in rows), default=None),
    )


async def replace_playbooks(session: AsyncSession, project_id: str, specs: Sequence[PlaybookSpec]) -> PlaybookSetRead:
    """Replace the project's whole set in the caller's transaction (all or nothing)."""
    if await repository.lock_project(session, project_id) is None:
        raise NotFound(f"project {project_id!r} not found")
    now = utcnow()
    rows = [
        Playbook(
            project_id=project_id, id=spec.id, position=position, spec=spec.model_dump(mode="json"), updated_at=now
        )
        for position, spec in enumerate(specs)
    ]
    await repository.replace_playbook_rows(session, project_id, rows)
    return PlaybookSetRead(project_id=project_id, playbooks=list(specs), updated_at=now if specs else None)
