"""Every sentence the services generate reads in the console's language: status reasons, titles,
next steps, pre-flight check details and planned actions, with English as the fallback."""

from __future__ import annotations

import re

import httpx

from awooop.console.i18n import catalog, placeholders, sayer
from awooop.workitems.texts import ENGLISH
from tests.console.console_data import am_alert, login, signed_in_csrf, tenant
from tests.factories import Factory


def test_every_generated_text_has_its_traditional_chinese_text() -> None:
    chinese = catalog("zh-Hant")
    missing = sorted(set(ENGLISH) - set(chinese))
    assert missing == [], f"workitems.texts keys without 繁體中文: {missing}"
    for key, english in ENGLISH.items():
        assert placeholders(english) == placeholders(chinese[key]), key


def test_a_sentence_falls_back_to_the_english_the_service_rendered() -> None:
    say = sayer("zh-Hant")
    assert say("wi.check.repair_budget.ok", {"failed": 1, "budget": 3}, "x") == "過去 24 小時有 1 次修復失敗（上限 3）"
    assert say(None, None, "stored before keys existed") == "stored before keys existed"
    assert say("wi.check.repair_budget.ok", {}, "params missing") == "params missing"
    assert say("no.such.key", {}, "unknown key") == "unknown key"


async def test_the_work_item_panel_speaks_traditional_chinese(client: httpx.AsyncClient, factory: Factory) -> None:
    acme = await tenant(factory, "acme")
    for minute in (1, 2):
        await acme.send(
            client, am_alert("HighErrorRate", fingerprint="beef01", starts_at=f"2026-08-20T09:0{minute}:07Z")
        )
    await login(client, await factory.key(projects_spec="acme"))
    page = await client.get("/console/recurrence")
    match = re.search(r'data-testid="wi-(wi_[0-9a-f]{16})"', page.text)
    assert match
    url = f"/console/recurrence/work-items/{match.group(1)}"
    chinese = {"Accept-Language": "zh-TW", "HX-Request": "true"}
    panel = (await client.get(url, headers=chinese)).text
    assert "從未建立任何 live run，也沒有相符的 playbook" in panel  # status reason
    assert "HighErrorRate 於 payments 觸發 2 次" in panel  # title
    assert "沒有相符的 playbook，也從未嘗試執行" in panel  # next step
    assert "此重複鍵沒有排隊中、執行中或等待核准的執行" in panel  # a check detail
    assert "no run of this recurrence key is queued" not in panel
    assert '<span class="sev critical">嚴重</span>' in (await client.get("/console/recurrence", headers=chinese)).text
    english = (await client.get(url, headers={"HX-Request": "true"})).text
    assert "no run of this recurrence key is queued, running or awaiting approval" in english
    csrf = await signed_in_csrf(client)
    dry = await client.post(f"{url}/dry-run", data={"mode": "ticket"}, headers={**chinese, "X-CSRF-Token": csrf})
    assert "記錄工單提案「HighErrorRate on payments fired 2×」" in dry.text  # a planned action
