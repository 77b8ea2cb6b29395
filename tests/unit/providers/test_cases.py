"""Edge-case corpus: every ``cases/*.json`` is one delivery and what the parser must make of it.

A case holds ``provider``, ``headers`` (lower-cased), ``body`` and either ``expect_error``
(``{"field": …}``: a PayloadSchemaError naming that field) or ``expect_items`` (item fields to
compare; ``provider_ts`` as ISO text; ``labels_include`` for a subset of labels; ``envelope`` for
envelope fields; the value ``"<content_sha256>"`` means "equals the envelope's content hash").
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from awooop.hub.envelope import build_envelope
from awooop.hub.providers import ParsedItem, PayloadSchemaError, parse_delivery
from tests.unit.providers.support import CASES_DIR

CASE_FILES = sorted(CASES_DIR.glob("*.json"))
CONTENT_HASH = "<content_sha256>"


def test_corpus_is_not_empty() -> None:
    assert len(CASE_FILES) >= 40


@pytest.mark.parametrize("path", CASE_FILES, ids=[path.stem for path in CASE_FILES])
def test_case(path: Path) -> None:
    case = orjson.loads(path.read_bytes())
    body = case["body"]
    pristine = copy.deepcopy(body)
    if "expect_error" in case:
        with pytest.raises(PayloadSchemaError) as caught:
            parse_delivery(case["provider"], body, case["headers"])
        assert caught.value.field == case["expect_error"]["field"]
        assert caught.value.message
        return
    items = parse_delivery(case["provider"], body, case["headers"])
    expected_items = case.get("expect_items", [])
    assert len(items) == case.get("expect_count", len(expected_items))
    for item, expected in zip(items, expected_items, strict=False):
        _check_item(case["provider"], item, expected)
    assert body == pristine, "parsers must not mutate the body"


def _check_item(provider: str, item: ParsedItem, expected: dict[str, Any]) -> None:
    envelope = build_envelope(provider, item)
    for field, value in expected.items():
        if field == "envelope":
            for env_field, env_value in value.items():
                assert getattr(envelope, env_field) == env_value, env_field
            continue
        if field == "labels_include":
            assert {key: item.labels.get(key) for key in value} == value
            continue
        actual = getattr(item, field)
        if field == "provider_ts" and actual is not None:
            actual = actual.isoformat()
        wanted = envelope.content_sha256 if value == CONTENT_HASH else value
        assert actual == wanted, field
