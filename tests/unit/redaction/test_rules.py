"""Table-driven tests for each redaction rule, the key classifier and ``redact_json``."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from awooop.hub.redaction import KINDS, REDACTION_VERSION, redact_json, redact_text, redaction_kinds
from awooop.hub.redaction.engine import PLAN_CACHE_LIMIT
from awooop.hub.redaction.keys import is_keep_key, secret_kind_for_key
from awooop.hub.redaction.text import _TABLE, clean_cache
from awooop.hub.redaction.validators import basic_credentials_ok, iban_ok, is_placeholder, luhn_ok

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAFAKEFAKEqVd1nRh3Wc0ZbLq8T3pYhJ2u5mN7kXoQwErTyUi\n"
    "-----END RSA PRIVATE KEY-----"
)
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1XzU1MTAyIn0.FAKEsig0123456789abcdef"


def test_version_names_the_rule_set() -> None:
    assert re.fullmatch(r"r\d+", REDACTION_VERSION)
    assert REDACTION_VERSION == "r2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # cloud keys
        ("key AKIAQ3EXAMPLE7FAKE2Z leaked", "key [REDACTED:aws_key] leaked"),
        ("ASIAY7FAKEKEY4TEST9Q", "[REDACTED:aws_key]"),
        (
            "aws_secret_access_key = wJalrFAKEuTnFEMI/K7MDENG+bPxRfiCYzEXAMPL",
            "aws_secret_access_key = [REDACTED:aws_key]",
        ),
        ("maps key=AIzaSyFAKE-kEy_0123456789abcdefghijklmn", "maps key=[REDACTED:cloud_key]"),
        ("AccountName=x;AccountKey=FAKEazure0123456789abcdefXYZ==;", "AccountName=x;AccountKey=[REDACTED:cloud_key];"),
        # vendor tokens
        ("ghp_FAKE0123456789abcdefghijklmnopqrstuv", "[REDACTED:token]"),
        ("github_pat_11FAKE0000_abcdefghijklmnopqrstuvwxyz0123", "[REDACTED:token]"),
        ("glpat-FAKE1234abcd5678efgh", "[REDACTED:token]"),
        ("xoxb-123456789012-1234567890123-FAKEabcdefghijklmnop", "[REDACTED:token]"),
        ("sk_live_FAKE51HqLyjWDarjtT1zdp7dc", "[REDACTED:token]"),
        ("rk_live_FAKE9aBcDeFgHiJkLmNoPqRsTu", "[REDACTED:token]"),
        ("sk-proj-FAKEabc123def456ghi789jkl012mno345", "[REDACTED:token]"),
        ("sk-FAKE0123456789abcdefghijklmnopqrstuvwxyzAB", "[REDACTED:token]"),
        ("bot123456789:AAFAKE-tokenabcdefghijklmnopqrstuvw/getMe", "bot[REDACTED:token]/getMe"),
        ("vault hvs.FAKEcAbCdEfGhIjKlMnOpQrStUv", "vault [REDACTED:token]"),
        ("whsec_FAKE0123456789abcdefghijklmnop", "[REDACTED:secret]"),
        (
            "https://hooks.slack.com/services/T0FAKE123/B0FAKE456/FAKEwebhookSecret0123abcd",
            "https://hooks.slack.com/services/T0FAKE123/B0FAKE456/[REDACTED:token]",
        ),
        # JWT and private keys
        (f"token {JWT} expired", "token [REDACTED:jwt] expired"),
        (f"key:\n{PEM}\nend", "key:\n[REDACTED:private_key]\nend"),
        ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAAFAKE\n", "[REDACTED:private_key]\n"),
    ],
)
def test_credential_shapes(text: str, expected: str) -> None:
    assert redact_text(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgres://app:S3cret@db:5432/app", "postgres://app:[REDACTED:connection_string]@db:5432/app"),
        ("mongodb+srv://u:p4ss@c0.example.net/x", "mongodb+srv://u:[REDACTED:connection_string]@c0.example.net/x"),
        ("redis://:pw-1@redis:6379/0", "redis://:[REDACTED:connection_string]@redis:6379/0"),
        ("https://admin:p@ss@grafana.internal/x", "https://admin:[REDACTED:password]@grafana.internal/x"),
        ("https://user:@host/x", "https://user:@host/x"),
        ("postgres://app:${DB_PASSWORD}@db/app", "postgres://app:${DB_PASSWORD}@db/app"),
        (
            "https://0f1e2d3c4b5a69788796a5b4c3d2e1f0@o1.ingest.sentry.io/42",
            "https://[REDACTED:secret]@o1.ingest.sentry.io/42",
        ),
        (
            "Server=s;User ID=a;Password=p w!;Encrypt=True",
            "Server=s;User ID=a;Password=[REDACTED:connection_string];Encrypt=True",
        ),
        ('required username="app" password="k";', 'required username="app" password="[REDACTED:password]";'),
        (
            "host=db user=app password=pg1 sslmode=require",
            "host=db user=app password=[REDACTED:password] sslmode=require",
        ),
        ("CREATE USER r WITH PASSWORD 'R3p!';", "CREATE USER r WITH PASSWORD '[REDACTED:password]';"),
        ("curl -u admin:hunter2 https://x", "curl -u admin:[REDACTED:password] https://x"),
        ("mysql -u root -pS3cr3t db", "mysql -u root -p[REDACTED:password] db"),
        ("redis-cli -h r -a pw1234 ping", "redis-cli -h r -a [REDACTED:password] ping"),
        ("machine h login bob password s3cret", "machine h login bob password [REDACTED:password]"),
    ],
)
def test_passwords_and_connection_strings(text: str, expected: str) -> None:
    assert redact_text(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-123", "Authorization: Bearer [REDACTED:authorization]"),
        ("authorization: Basic dXNlcjpwYXNz", "authorization: Basic [REDACTED:authorization]"),
        ("Proxy-Authorization: Basic dXNlcjpwYXNz", "Proxy-Authorization: Basic [REDACTED:authorization]"),
        ("Authorization: Bearer <token>", "Authorization: Bearer <token>"),
        ("Authorization: Bearer $TOKEN", "Authorization: Bearer $TOKEN"),
        ("Cookie: sid=1; lang=en", "Cookie: sid=[REDACTED:cookie]; lang=en"),
        ("Cookie: a=1; b=2", "Cookie: a=1; b=2"),
        ("Set-Cookie: session=x1; Path=/; HttpOnly", "Set-Cookie: session=[REDACTED:cookie]; Path=/; HttpOnly"),
        ("X-Api-Key: k-123", "X-Api-Key: [REDACTED:token]"),
        ("x-auth-token: abc", "x-auth-token: [REDACTED:token]"),
        ("Sentry-Hook-Signature: 0a1b2c", "Sentry-Hook-Signature: [REDACTED:secret]"),
        ("Stripe-Signature: t=1,v1=abc", "Stripe-Signature: [REDACTED:secret]"),
        ("X-Request-Id: req_01J5Z8Q4T7K2", "X-Request-Id: req_01J5Z8Q4T7K2"),
        ("using Bearer x9Fz2LmQ7 here", "using Bearer [REDACTED:authorization] here"),
        ("expected Bearer scheme", "expected Bearer scheme"),
        ("Basic auth disabled", "Basic auth disabled"),
    ],
)
def test_headers(text: str, expected: str) -> None:
    assert redact_text(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password=hunter2 user=bob", "password=[REDACTED:password] user=bob"),
        ("DB_PASSWORD=x1 PWD=/srv/app", "DB_PASSWORD=[REDACTED:password] PWD=/srv/app"),
        ('{"client_secret": "abc", "client_id": "web"}', '{"client_secret": "[REDACTED:secret]", "client_id": "web"}'),
        ("{'apiKey': 'k1'}", "{'apiKey': '[REDACTED:token]'}"),
        ('{\\"token\\":\\"t-1\\"}', '{\\"token\\":\\"[REDACTED:token]\\"}'),
        ("x-api-key=abc&y=1", "x-api-key=[REDACTED:token]&y=1"),
        ("--password hunter2 --verbose", "--password [REDACTED:password] --verbose"),
        ("--token-file /run/token", "--token-file /run/token"),
        ("url=https://x/?token=abc&a=1", "url=https://x/?token=[REDACTED:token]&a=1"),
        ("?code=4/0AX4XfWhQw&state=s", "?code=[REDACTED:token]&state=s"),
        ("?code=200&page=2", "?code=200&page=2"),
        ("?key=short", "?key=short"),
        ("&sig=abc%2B", "&sig=[REDACTED:secret]"),
        ("password: hunter2", "password: [REDACTED:password]"),
        ("  client_secret: abc123", "  client_secret: [REDACTED:secret]"),
        ("Invalid token: expected 3 segments", "Invalid token: expected 3 segments"),
        ("auth: login failed for bob", "auth: login failed for bob"),
        ("token: x9Fz2LmQ", "token: [REDACTED:token]"),
        ("password=******** secret=<redacted> api_key=${API_KEY} token=null", None),
        ("token_count=12 max_tokens=4096 secret_name=db key_id=k1 auth_method=bearer", None),
        ("- name: API_TOKEN\n  value: tok-1", "- name: API_TOKEN\n  value: [REDACTED:token]"),
        ("密碼：Tw2026x，用完請改", "密碼：[REDACTED:password]，用完請改"),
    ],
)
def test_key_value(text: str, expected: str | None) -> None:
    assert redact_text(text)[0] == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail ming@example.com.tw please", "mail [REDACTED:email] please"),
        ("請寄到ming@example.com.tw謝謝", "請寄到[REDACTED:email]謝謝"),
        ("John.Doe+x@Example.COM", "[REDACTED:email]"),
        ("git@github.com:acme/x.git", None),
        ("ssh -i k.pem ops@bastion.example.com", None),
        ("root@db-0.internal", None),
        ("https://alice@git.example.com/r.git", None),
        ("release web@2026.8.19", None),
        ("call 0912-345-678", "call [REDACTED:phone]"),
        ("call 0912 345 678 or 0912345678", "call [REDACTED:phone] or [REDACTED:phone]"),
        ("+886 912 345 678", "[REDACTED:phone]"),
        ("(+886) 912-345-678", "[REDACTED:phone]"),
        ("tel:+1-415-555-0134", "tel:[REDACTED:phone]"),
        ("(02) 2712-3456 ext 9", "[REDACTED:phone] ext 9"),
        ("+44 20 7946 0958", "[REDACTED:phone]"),
        ("(212) 555-0147", "[REDACTED:phone]"),
        ("2026-08-20T10:15:52+08:00", None),
        ("epoch 1787221812 ns 1787220300000000000", None),
        ("10.0.3.17:5432 192.168.100.200", None),
        ("v1.30.2 and 3.12.4", None),
        ("12:34:56.789 took 0912 ms", None),
        ("card 4111 1111 1111 1111 exp 12/27", "card [REDACTED:card] exp 12/27"),
        ("pan=4000056655665556", "pan=[REDACTED:card]"),
        ("3782 822463 10005", "[REDACTED:card]"),
        ("4111 1111 1111 1112", None),
        ("order_id=4111111111111111", None),
        ("ticket #4111111111111111", None),
        ("1787221812402117", None),
        ("2123 4567 8901 2346", None),
        ("IBAN DE89 3704 0044 0532 0130 00.", "IBAN [REDACTED:iban]."),
        ("GB82WEST12345698765432", "[REDACTED:iban]"),
        ("DE00 1234 5678 9012 3456 78", None),
    ],
)
def test_personal_data(text: str, expected: str | None) -> None:
    assert redact_text(text)[0] == (text if expected is None else expected)


@pytest.mark.parametrize(
    "text",
    [
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
        "7b0c3f8e-52d1-4c0a-9a77-1f4e2d6b8c90",
        "commit 9fceb02d0ae598e95dc970b74767f19372d61af8 (3f1c2ab)",
        "image@sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b",
        "fingerprint 3859e6f8ec935266",
        "checkout-api-7d9f8b6c5-x2k4q sk-worker-7d9f8b6c5-x2k4q",
        "CHECKOUT-3F ORD-2026-000123 #4821",
        'sum by (service) (rate(http_requests_total{code=~"5.."}[5m])) > 0.05',
        "/var/lib/awooop/awooop.db https://runbooks.example.com/x",
        "request_id=req_01J5Z8Q4T7K2M9XG3N6B1C0D4E",
        "12345678-1234-1234-1234-123456789012",
        "https://runbooks.example.com/payments/high-error-rate",
        "http://alertmanager.monitoring.svc:9093",
        "10.244.3.17:8080",
    ],
)
def test_keep_list(text: str) -> None:
    assert redact_text(text) == (text, 0)


@pytest.mark.parametrize(
    "text",
    [
        "AKIAQ3EXAMPLE7FAKE2Z",
        "DE89370400440532013000",
        "npm_FAKEabcdefghijklmnopqrstuvwxyz012345",
        "0912345678",
        "4111111111111111",
        "https://x.example.com/call?to=0912345678",
        "https://x.example.com/bot123456789:AAFAKE-tokenabcdefghijklmnopqrstuvw/getMe",
        "https://hooks.slack.com/services/T0FAKE123/B0FAKE456/FAKEwebhookSecret0123abcd",
    ],
)
def test_lone_secrets_are_never_taken_for_inert_ids(text: str) -> None:
    assert redact_text(text)[1] == 1


def test_count_is_the_number_of_new_markers() -> None:
    text = f"password=a1 {JWT} mail a@example.com Cookie: sid=1"
    redacted, count = redact_text(text)
    assert count == len(re.findall(r"\[REDACTED:[a-z_]+\]", redacted)) == 4
    assert redaction_kinds(text) == ["password", "jwt", "email", "cookie"]


def test_a_span_swallowing_a_marker_counts_once() -> None:
    redacted, count = redact_text("dsn=postgres://app:pw1@db/app")
    assert (redacted, count) == ("dsn=[REDACTED:secret]", 1)


def test_redaction_is_idempotent() -> None:
    once, _ = redact_text(f"Authorization: Bearer {JWT} password=x1 0912-345-678")
    assert redact_text(once) == (once, 0)


def test_clean_cache_never_holds_secrets() -> None:
    clean, dirty = "routine message 42 from checkout", "routine message with password=Zx91!"
    redact_text(clean)
    redact_text(dirty)
    assert clean in clean_cache
    assert dirty not in clean_cache


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("password", "password"),
        ("DB_PASSWORD", "password"),
        ("dbPassword", "password"),
        ("passwd", "password"),
        ("pwd", "password"),
        ("token", "token"),
        ("access_token", "token"),
        ("X-Auth-Token", "token"),
        ("bearer_token", "token"),
        ("api_key", "token"),
        ("apiKey", "token"),
        ("X-API-KEY", "token"),
        ("secret", "secret"),
        ("client_secret", "secret"),
        ("clientSecret", "secret"),
        ("credentials", "secret"),
        ("signature", "secret"),
        ("dsn", "secret"),
        ("auth", "secret"),
        ("authorization", "authorization"),
        ("Cookie", "cookie"),
        ("set-cookie", "cookie"),
        ("sessionid", "cookie"),
        ("private_key", "private_key"),
        ("privateKey", "private_key"),
        ("tls.key", "private_key"),
        ("aws_secret_access_key", "aws_key"),
        ("SecretAccessKey", "aws_key"),
        ("AccountKey", "cloud_key"),
        ("email", "email"),
        ("phone_number", "phone"),
        ("card_number", "card"),
        ("iban", "iban"),
        ("token_count", None),
        ("max_tokens", None),
        ("tokens_used", None),
        ("secret_name", None),
        ("password_file", None),
        ("auth_method", None),
        ("key_id", None),
        ("key", None),
        ("keyboard", None),
        ("session_id", None),
        ("author_signature", None),
        ("token_type", None),
        ("email_template", None),
        ("trace_id", None),
    ],
)
def test_key_classifier(key: str, kind: str | None) -> None:
    assert secret_kind_for_key(key) == kind
    assert kind is None or kind in KINDS


@pytest.mark.parametrize("key", ["trace_id", "traceId", "span_id", "request_id", "fingerprint", "event_id", "issue_id"])
def test_operational_id_keys(key: str) -> None:
    assert is_keep_key(key)


ALERT: dict[str, Any] = {
    "status": "firing",
    "labels": {"alertname": "HighErrorRate", "pod": "checkout-api-7d9f8b6c5-x2k4q", "severity": "critical"},
    "annotations": {
        "summary": "checkout-api 5xx ratio > 5%",
        "description": "login failed: password=hunter2 for ming@example.com",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    },
    "startsAt": "2026-08-20T10:15:52.702Z",
    "fingerprint": "3859e6f8ec935266",
    "value": 0.0731,
    "silenced": False,
    "receivers": [{"name": "ops", "token": "t-1"}],
    "headers": [["Authorization", "Bearer abc"], ["Content-Type", "application/json"]],
    "env": [{"name": "DB_PASSWORD", "value": "p-1"}, {"name": "LOG_LEVEL", "value": "debug"}],
    "Api-Key": "k",
    "credentials": {"user": "bob", "pass": "x"},
    "password": None,
    "secret": "",
    "token": "[REDACTED:token]",
    "api_key": "${API_KEY}",
    "pin": 1234,
    "client_secret": 987654,
}


def test_redact_json_alert() -> None:
    pristine = copy.deepcopy(ALERT)
    redacted, count = redact_json(ALERT)
    assert pristine == ALERT  # never mutates
    assert redacted["labels"] == ALERT["labels"]
    assert redacted["annotations"] == {
        "summary": "checkout-api 5xx ratio > 5%",
        "description": "login failed: password=[REDACTED:password] for [REDACTED:email]",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    }
    assert redacted["receivers"] == [{"name": "ops", "token": "[REDACTED:token]"}]
    assert redacted["headers"] == [["Authorization", "[REDACTED:authorization]"], ["Content-Type", "application/json"]]
    assert redacted["env"] == [{"name": "DB_PASSWORD", "value": "[REDACTED:password]"}, ALERT["env"][1]]
    assert redacted["Api-Key"] == "[REDACTED:token]"
    assert redacted["credentials"] == "[REDACTED:secret]"  # a secret-named container goes whole
    assert redacted["client_secret"] == "[REDACTED:secret]"  # so does a number
    # nothing to hide: absent, empty, already redacted, a template reference
    for key in ("password", "secret", "token", "api_key"):
        assert redacted[key] == ALERT[key]
    for key in ("status", "startsAt", "fingerprint", "value", "silenced", "pin"):
        assert redacted[key] == ALERT[key]
    assert count == 8


def test_redact_json_copies_containers_and_keeps_types() -> None:
    value = {"a": [{"b": ("x", 1)}], 3: "password=p1", "n": None}
    redacted, count = redact_json(value)
    assert redacted == {"a": [{"b": ("x", 1)}], 3: "password=[REDACTED:password]", "n": None}
    assert count == 1
    assert redacted is not value
    assert redacted["a"] is not value["a"]
    assert redacted["a"][0] is not value["a"][0]
    assert isinstance(redacted["a"][0]["b"], tuple)


def test_redact_json_keeps_dict_keys_and_scalars() -> None:
    value = {"ming@example.com": 1, "0912-345-678": True, "x": 2.5}
    assert redact_json(value) == (value, 0)


@pytest.mark.parametrize(
    ("value", "expected", "count"),
    [
        ("password=x1", "password=[REDACTED:password]", 1),
        (42, 42, 0),
        (None, None, 0),
        ([], [], 0),
        ({"Authorization": "Bearer abc"}, {"Authorization": "[REDACTED:authorization]"}, 1),
        ({"AUTHORIZATION": "Basic xyz"}, {"AUTHORIZATION": "[REDACTED:authorization]"}, 1),
        ({"set-cookie": ["sid=1", "b=2"]}, {"set-cookie": ["sid=[REDACTED:cookie]", "b=2"]}, 1),
        ({"cookies": {"session": "x", "lang": "en"}}, {"cookies": {"session": "[REDACTED:cookie]", "lang": "en"}}, 1),
        ({"routing_key": "0123456789abcdef0123456789abcdef"}, {"routing_key": "[REDACTED:token]"}, 1),
        ({"cache_key": "0123456789abcdef0123456789abcdef"}, {"cache_key": "0123456789abcdef0123456789abcdef"}, 0),
        ({"routing_key": "orders.created"}, {"routing_key": "orders.created"}, 0),
        ({"client": {"ip": "203.0.113.9"}}, {"client": {"ip": "[REDACTED:ip_address]"}}, 1),
        ({"client": {"ip": "10.0.0.9"}}, {"client": {"ip": "10.0.0.9"}}, 0),
        # An id keeps its bytes unless it carries a credential; personal look-alikes are ids.
        ({"traceId": "password=x"}, {"traceId": "password=[REDACTED:password]"}, 1),
        ({"request_id": "4111111111111111"}, {"request_id": "4111111111111111"}, 0),
        ({"event_id": "+886 912 345 678"}, {"event_id": "+886 912 345 678"}, 0),
        ({"user": {"email": "a@example.com"}}, {"user": {"email": "[REDACTED:email]"}}, 1),
        (
            {"tags": [["key", "value"], ["password", "p1"]]},
            {"tags": [["key", "value"], ["password", "[REDACTED:password]"]]},
            1,
        ),
        ({"key": "password", "value": "p1"}, {"key": "password", "value": "[REDACTED:password]"}, 1),
        ({"keywords": ["token", "abc"]}, {"keywords": ["token", "abc"]}, 0),  # a word list, not a pair
        ([("Cookie", "sid=1"), ("Accept", "*/*")], [("Cookie", "sid=[REDACTED:cookie]"), ("Accept", "*/*")], 1),
        ([["session", "x1"], ["lang", "en"]], [["session", "x1"], ["lang", "en"]], 0),
        (
            {"cookies": [["session", "x1"], ["lang", "en"]]},
            {"cookies": [["session", "[REDACTED:cookie]"], ["lang", "en"]]},
            1,
        ),
        ({"dsn": "https://0f1e2d3c4b5a69788796a5b4c3d2e1f0@o1.ingest.sentry.io/4"}, {"dsn": "[REDACTED:secret]"}, 1),
    ],
)
def test_redact_json_table(value: Any, expected: Any, count: int) -> None:
    assert redact_json(value) == (expected, count)


def test_redact_json_nested_deeply() -> None:
    value: Any = "password=x1"
    for _ in range(50):
        value = {"level": [value]}
    redacted, count = redact_json(value)
    for _ in range(50):
        redacted = redacted["level"][0]
    assert (redacted, count) == ("password=[REDACTED:password]", 1)


@pytest.mark.parametrize(
    ("check", "value", "expected"),
    [
        (luhn_ok, "4111111111111111", True),
        (luhn_ok, "4111111111111112", False),
        (iban_ok, "DE89370400440532013000", True),
        (iban_ok, "DE89370400440532013001", False),
        (iban_ok, "XX89370400440532013000", False),
        (basic_credentials_ok, "dXNlcjpwYXNz", True),
        (basic_credentials_ok, "dXNlcnBhc3M=", False),  # "userpass": no colon
        (basic_credentials_ok, "not*base64", False),
        (is_placeholder, "********", True),
        (is_placeholder, "${DB_PASSWORD}", True),
        (is_placeholder, "[Filtered]", True),
        (is_placeholder, "hunter2", False),
    ],
)
def test_validators(check: Any, value: str, expected: bool) -> None:
    assert check(value) is expected


def test_plan_cache_stays_bounded() -> None:
    guards = "@:=;_-+A \t\n'é"
    for mask in range(1 << len(guards)):
        chosen = "".join(char for bit, char in enumerate(guards) if mask >> bit & 1)
        _TABLE.run(f"x{chosen}{'y' * (mask % 40)}")
    assert len(_TABLE._plans) <= PLAN_CACHE_LIMIT
