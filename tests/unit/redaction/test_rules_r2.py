"""Table rows for the rule set r2 classes: public client IPs, passwords in chat, AWS secrets
beside their key id, ``<something>_key=<hex>``, per-cookie redaction, scheme-less userinfo."""

from __future__ import annotations

import pytest

from awooop.hub.redaction import redact_text
from awooop.hub.redaction.cookies import secret_cookie
from awooop.hub.redaction.network import public_ipv4

IP = "[REDACTED:ip_address]"
PW = "[REDACTED:password]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("client 203.0.113.42 sent 3 requests", f"client {IP} sent 3 requests"),
        ("X-Forwarded-For: 198.51.100.7, 10.0.0.3", f"X-Forwarded-For: {IP}, 10.0.0.3"),
        ("peer 8.8.8.8:53 timed out", f"peer {IP}:53 timed out"),
        ("v6 client 2001:db8:85a3::8a2e:370:7334 blocked", f"v6 client {IP} blocked"),
        ("mapped ::ffff:203.0.113.5", f"mapped ::ffff:{IP}"),
        ("[2001:db8::1]:443 reset", f"[{IP}]:443 reset"),
        # kept: our own networks, special ranges, servers in URLs, versions, OIDs
        ("10.1.2.3 172.31.0.1 192.168.0.1 127.0.0.1 169.254.169.254 100.64.0.1", None),
        ("fe80::1 fd00::1 ::1 ff02::1 0.0.0.0 255.255.255.255 224.0.0.251", None),
        ("GET http://203.0.113.5/healthz and https://[2001:db8::5]/x", None),
        ("version 1.2.3.4, Chrome/128.0.0.0, OID 1.3.6.1.4.1", None),
        ("ssh deploy@203.0.113.9 failed", None),
        ("999.1.1.1 and 01.2.3.4 are not addresses", None),
    ],
)
def test_public_client_ips(text: str, expected: str | None) -> None:
    assert redact_text(text)[0] == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("203.0.113.1", True),
        ("192.0.2.1", True),
        ("1.1.1.1", True),
        ("100.63.255.255", True),
        ("100.64.0.0", False),
        ("100.127.255.255", False),
        ("100.128.0.0", True),
        ("172.15.255.255", True),
        ("172.16.0.0", False),
        ("198.18.0.1", False),
        ("223.255.255.255", True),
        ("224.0.0.1", False),
    ],
)
def test_public_ipv4_ranges(address: str, public: bool) -> None:
    assert public_ipv4(address) is public


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("changed the admin pw to Hunter2!", f"changed the admin pw to {PW}"),
        ("the password for grafana is S3cret-2026.", f"the password for grafana is {PW}."),
        ("set root password as 'plain words'", f"set root password as '{PW}'"),
        ("pin: password is 123456", f"pin: password is {PW}"),
        ("密码改成 Tr0ub4dor 了", f"密码改成 {PW} 了"),
        ("密碼已改為「S3cret!」", f"密碼已改為「{PW}」"),
        ("新密码是 hunter2-cn", f"新密码是 {PW}"),
        ("admin password 改成 Hunter2 了", f"admin password 改成 {PW} 了"),
        ("password is incorrect", None),
        ("password changed to meet the policy", None),
        ("PWD is now /home/app", None),
        ("password is ${DB_PASSWORD}", None),
        ("密碼錯誤", None),
        ("密码 reset 成功", None),
    ],
)
def test_passwords_in_chat(text: str, expected: str | None) -> None:
    assert redact_text(text)[0] == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "AKIAQ3EXAMPLE7FAKE2Z / wJalrFAKEuTnFEMI/K7MDENG+bPxRfiCYzEXAMPL",
            "[REDACTED:aws_key] / [REDACTED:aws_key]",
        ),
        (
            "[REDACTED:aws_key] wJalrFAKEuTnFEMI/K7MDENG+bPxRfiCYzEXAMPL",
            "[REDACTED:aws_key] [REDACTED:aws_key]",
        ),
        ("secret access key: wJalrFAKEuTnFEMI/K7MDENG+bPxRfiCYzEXAMPL", "secret access key: [REDACTED:aws_key]"),
        ("[REDACTED:aws_key] then commit 1f3e5a7c9b2d4f6e8a0c1e3f5a7b9c2d4e6f8a0b", None),
    ],
)
def test_aws_secret_beside_its_key_id(text: str, expected: str | None) -> None:
    assert redact_text(text)[0] == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("routing_key=0123456789abcdef0123456789abcdef", "routing_key=[REDACTED:token]"),
        ('"integrationKey": "6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"', '"integrationKey": "[REDACTED:token]"'),
        ("service_key: a1b2c3d4e5f60718293a4b5c6d7e8f90", "service_key: [REDACTED:token]"),
        ("cache_key=0123456789abcdef0123456789abcdef", None),
        ("dedup_key=0123456789abcdef0123456789abcdef", None),
        ("routing_key=orders.created", None),
        ("sort_key=0123456789abcdef", None),
    ],
)
def test_hex_keys(text: str, expected: str | None) -> None:
    assert redact_text(text)[0] == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cookie: session=abc1; lang=en", "Cookie: session=[REDACTED:cookie]; lang=en"),
        (
            "Set-Cookie: __Host-sid=x9; Path=/; SameSite=Lax; HttpOnly",
            "Set-Cookie: __Host-sid=[REDACTED:cookie]; Path=/; SameSite=Lax; HttpOnly",
        ),
        ("Cookie: lang=en; _rid=7b0c3f8e", None),
        ("Set-Cookie: session=deleted; Path=/", None),
        (
            "curl -b 'sid=abc123; lang=en' https://x.example.com",
            "curl -b 'sid=[REDACTED:cookie]; lang=en' https://x.example.com",
        ),
    ],
)
def test_cookies_one_by_one(text: str, expected: str | None) -> None:
    assert redact_text(text)[0] == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("session", True),
        ("PHPSESSID", True),
        ("JSESSIONID", True),
        ("connect.sid", True),
        ("XSRF-TOKEN", True),
        ("__Secure-next-auth.session-token", True),
        ("remember_web_59ba36", True),
        ("lang", False),
        ("_ga", False),
        ("theme", False),
        ("request_id", False),
        ("sidebar", False),
        ("Path", False),
        ("SameSite", False),
    ],
)
def test_secret_cookie_names(name: str, secret: bool) -> None:
    assert secret_cookie(name) is secret


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("connect with deploy:hunter2@db01.internal", f"connect with deploy:{PW}@db01.internal"),
        ("rsync backup:S3cret-rsync@10.0.5.9:/srv", f"rsync backup:{PW}@10.0.5.9:/srv"),
        ("mailto:ops@example.com", "mailto:[REDACTED:email]"),
        ("notify:ops@example.com", "notify:[REDACTED:email]"),
        ("nginx:1.25@sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b", None),
        ("at 10:30@home", None),
        ("https://app:pw1@db.example.com/x", f"https://app:{PW}@db.example.com/x"),
    ],
)
def test_scheme_less_userinfo(text: str, expected: str | None) -> None:
    assert redact_text(text)[0] == (text if expected is None else expected)
