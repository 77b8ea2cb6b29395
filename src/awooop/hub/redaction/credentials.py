"""Credential rules whose shape alone gives them away: keys, tokens, JWTs, URL passwords.

Lookbehinds are written after a literal prefix (``eyJ(?<!…eyJ)``) so the regex engine
can still jump to the prefix instead of trying every position.
"""

from __future__ import annotations

import re
from typing import Final

from awooop.hub.redaction import kinds
from awooop.hub.redaction.cookies import redact_cookies
from awooop.hub.redaction.engine import Hit, Rule, group, whole
from awooop.hub.redaction.validators import is_placeholder, word_set

_PEM: Final = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"|[A-Za-z0-9+/=:,\- \t\r\n\\]*)",  # truncated: swallow the base64 that follows
    re.DOTALL,
)


def _pem(match: re.Match[str]) -> Hit:
    end = match.end()
    text = match.string
    while end > match.start() and text[end - 1] in " \t\r\n":
        end -= 1
    return match.start(), end, kinds.marker(kinds.PRIVATE_KEY)


_JWT: Final = re.compile(r"eyJ(?<![A-Za-z0-9_\-]eyJ)[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")

# One rule per vendor: each regex starts with its literal prefix and only runs when
# its needle occurs, so a dirty line pays for the one format it contains.
_AWS_ACCESS_KEY: Final = re.compile(r"A(?:KIA|SIA|BIA|CCA)(?<![A-Za-z0-9]....)[A-Z0-9]{16}(?![A-Za-z0-9])")
_GCP_API_KEY: Final = re.compile(r"AIza(?<![A-Za-z0-9_\-]....)[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])")
_TELEGRAM_BOT: Final = re.compile(r"(?<![0-9:])[0-9]{8,10}:AA[A-Za-z0-9_-]{30,40}(?![A-Za-z0-9_-])")
_GITHUB: Final = re.compile(
    r"g(?<![A-Za-z0-9_]g)(?:h[pousr]_[A-Za-z0-9]{36,255}|ithub_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_-])"
)
_GITLAB: Final = re.compile(r"glpat-(?<![A-Za-z0-9_]glpat-)[A-Za-z0-9_-]{20,}")
_SLACK_TOKEN: Final = re.compile(
    r"x(?<![A-Za-z0-9_]x)(?:ox[abposre]-[A-Za-z0-9-]{10,}|app-[0-9]-[A-Za-z0-9-]{10,})(?![A-Za-z0-9_-])"
)
_SK_DASH: Final = re.compile(  # OpenAI / Anthropic style; "sk-worker-7d9f…" pods stay
    r"sk-(?<![A-Za-z0-9_]sk-)(?:(?:proj|svcacct|admin|ant-[a-z]+[0-9]*)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{32,})"
    r"(?![A-Za-z0-9_-])"
)
_OTHER_TOKEN: Final = re.compile(  # Stripe keys, npm, PyPI, HashiCorp Vault
    r"(?<![A-Za-z0-9_])(?:[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|npm_[A-Za-z0-9]{36}"
    r"|pypi-AgE[A-Za-z0-9_-]{50,}|hv[sbr]\.[A-Za-z0-9_-]{24,})(?![A-Za-z0-9_-])"
)
_STRIPE_WEBHOOK_SECRET: Final = re.compile(r"whsec_(?<![A-Za-z0-9_]whsec_)[A-Za-z0-9+/=]{24,}")

_SLACK_WEBHOOK: Final = re.compile(
    r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9]+/[A-Za-z0-9]+/(?P<s>[A-Za-z0-9]{16,})"
)

# Sentry DSN: https://<public key>[:<secret key>]@o1.ingest.sentry.io/42
_SENTRY_DSN: Final = re.compile(r"://(?P<s>[0-9a-f]{32}(?::[0-9a-f]{32})?)@")

_DB_SCHEMES: Final = word_set(
    """
    postgres postgresql mysql mariadb mongodb redis rediss amqp amqps mssql sqlserver oracle
    clickhouse cockroachdb cassandra couchbase couchbases neo4j nats kafka memcached ldap ldaps
    db2 snowflake influxdb tds
    """
)

# Anchored on "://" (a literal the engine jumps to); the scheme is read backwards by the
# handler. The password group is greedy up to the last "@" before the host: "p@ss" in a
# password is invalid but common.
_URL_USERINFO: Final = re.compile(r"://(?P<user>[^\s:/?#@\[\]\"'<>]*):(?P<pw>[^\s/?#\"'<>]+)@(?=[A-Za-z0-9\[_])")
_SCHEME_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")


def _scheme_before(text: str, end: int) -> str:
    start = end
    while start > 0 and end - start < 32 and text[start - 1] in _SCHEME_CHARS:
        start -= 1
    return text[start:end].lstrip("+.-0123456789")


def _url_userinfo(match: re.Match[str]) -> Hit | None:
    password = match["pw"]
    if password.startswith(kinds.MARKER_PREFIX) or is_placeholder(password):
        return None
    scheme = _scheme_before(match.string, match.start()).lower().split("+", 1)[0]
    if not scheme:
        return None
    kind = kinds.CONNECTION_STRING if scheme in _DB_SCHEMES else kinds.PASSWORD
    return match.start("pw"), match.end("pw"), kinds.marker(kind)


# An AWS secret access key (40 base64 characters) written next to its key id, which the
# access-key rule above has just replaced: "AKIA… / wJalr…", "key AKIA… secret wJalr…". Anchored
# on the marker, so stored rows redacted before this rule existed are caught on re-redaction.
_AWS_SECRET_BESIDE_ID: Final = re.compile(
    r"\[REDACTED:aws_key\][^\r\n]{0,48}?(?<![A-Za-z0-9/+=])(?P<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
)
_AWS_SECRET_PROSE: Final = re.compile(
    r"(?i:secret[ \t_\-]?access[ \t_\-]?key)[^\r\n]{0,24}?(?<![A-Za-z0-9/+=])(?P<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
)


def _aws_secret(match: re.Match[str]) -> Hit | None:
    secret = match["s"]
    if not (any(c.isupper() for c in secret) and any(c.islower() for c in secret)):
        return None  # hex digests and SHAs are one case
    if not any(c.isdigit() or c in "/+" for c in secret):
        return None
    return match.start("s"), match.end("s"), kinds.marker(kinds.AWS_KEY)


# curl -u user:password / --user=user:password
_CURL_USER: Final = re.compile(r"-(?<!\S-)(?:u|-user)(?:[ \t]+|=)(?P<q>[\"']?)[^\s:\"']+:(?!//)(?P<pw>[^\s\"']+)(?P=q)")
# curl -b 'session=…' / --cookie 'a=1; b=2' (a value without "=" names a cookie file)
_CURL_COOKIE: Final = re.compile(
    r"curl(?=[ \t])[^\r\n|;&]*?[ \t](?:-b|--cookie)[ \t]+"
    r"(?:(?P<q>[\"'])(?P<quoted>[^\"'\r\n]*=[^\"'\r\n]*)(?P=q)|(?P<bare>[^\s\"']*=[^\s\"']*))"
)


def _curl_cookie(match: re.Match[str]) -> Hit | None:
    name = "quoted" if match["quoted"] is not None else "bare"
    redacted, count = redact_cookies(match[name])
    if not count:
        return None
    return match.start(name), match.end(name), redacted


# .netrc: machine host login bob password s3cret
_NETRC: Final = re.compile(r"login(?<![A-Za-z0-9_]login)[ \t]+\S+[ \t]+password[ \t]+(?P<pw>\S+)")
# Password flags of well-known commands: "mysql -pS3cret" (glued), "docker login -p x",
# "redis-cli -a x", "sshpass -p x", and "echo x | sudo -S".
_COMMAND_PASSWORD: Final = re.compile(
    r"(?:mysql(?:dump|admin|sh|import|check)?(?=[ \t])[^\r\n|;&]*?[ \t]-p(?=[^\s\-\"'])"
    r"|docker[ \t]+login(?=[ \t])[^\r\n|;&]*?[ \t]-p[ \t]+"
    r"|redis-cli(?=[ \t])[^\r\n|;&]*?[ \t]-a[ \t]+"
    r"|sshpass[ \t]+-p[ \t]*"
    r"|echo[ \t]+(?=[\"']?[^\s\"'|]+[\"']?[ \t]*\|[ \t]*sudo[ \t]+-S)[\"']?)"
    r"(?P<pw>[^\s\"'|;&]+)"
)
# SQL: CREATE USER x WITH PASSWORD 'y' / ALTER ROLE x PASSWORD 'y' / IDENTIFIED BY 'y'
_SQL_PASSWORD: Final = re.compile(r"(?i:password|identified[ \t]+by)[ \t]+'(?P<pw>[^'\r\n]+)'")


def _password_group(match: re.Match[str]) -> Hit | None:
    password = match["pw"]
    if password.startswith(kinds.MARKER_PREFIX) or is_placeholder(password):
        return None
    return match.start("pw"), match.end("pw"), kinds.marker(kinds.PASSWORD)


RULES: Final = (
    Rule("private_key", _PEM, _pem, min_len=30, needs_space=True, needles=("PRIVATE KEY",)),
    Rule("jwt", _JWT, whole(kinds.JWT), min_len=16, min_token_run=8, needles=("eyJ",)),
    Rule(
        "aws_access_key",
        _AWS_ACCESS_KEY,
        whole(kinds.AWS_KEY),
        min_len=20,
        min_token_run=20,
        needles=("AKIA", "ASIA", "ABIA", "ACCA"),
    ),
    Rule(
        "aws_secret_beside_key_id",
        _AWS_SECRET_BESIDE_ID,
        _aws_secret,
        min_len=40,
        needles=("AKIA", "ASIA", "ABIA", "ACCA", "[REDACTED:aws_key]"),
    ),
    Rule("aws_secret_prose", _AWS_SECRET_PROSE, _aws_secret, min_len=50, needles=("access", "access_key"), folded=True),
    Rule("gcp_api_key", _GCP_API_KEY, whole(kinds.CLOUD_KEY), min_len=39, min_token_run=39, needles=("AIza",)),
    Rule("telegram_bot_token", _TELEGRAM_BOT, whole(kinds.TOKEN), min_len=40, min_token_run=32, needles=(":AA",)),
    Rule(
        "github_token",
        _GITHUB,
        whole(kinds.TOKEN),
        min_len=33,
        min_token_run=33,
        needles=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    Rule("gitlab_token", _GITLAB, whole(kinds.TOKEN), min_len=26, min_token_run=26, needles=("glpat-",)),
    Rule("slack_token", _SLACK_TOKEN, whole(kinds.TOKEN), min_len=15, min_token_run=15, needles=("xox", "xapp-")),
    Rule("sk_dash_token", _SK_DASH, whole(kinds.TOKEN), min_len=23, min_token_run=23, needles=("sk-",)),
    Rule(
        "other_token",
        _OTHER_TOKEN,
        whole(kinds.TOKEN),
        min_len=20,
        needles=("_live_", "_test_", "npm_", "pypi-", "hvs.", "hvb.", "hvr."),
    ),
    Rule(
        "stripe_webhook_secret",
        _STRIPE_WEBHOOK_SECRET,
        whole(kinds.SECRET),
        min_len=30,
        min_token_run=30,
        needles=("whsec_",),
    ),
    Rule("slack_webhook", _SLACK_WEBHOOK, group("s", kinds.TOKEN), min_len=40, needles=("hooks.slack.com",)),
    Rule("sentry_dsn", _SENTRY_DSN, group("s", kinds.SECRET), min_len=40, requires=("@",)),
    Rule("url_userinfo", _URL_USERINFO, _url_userinfo, min_len=8, requires=("@",)),
    Rule("curl_user", _CURL_USER, _password_group, min_len=6, needles=("-u",)),
    Rule(
        "curl_cookie",
        _CURL_COOKIE,
        _curl_cookie,
        min_len=12,
        requires=("=",),
        needs_space=True,
        needles=(" -b", "\t-b", "--cookie"),
    ),
    Rule("netrc", _NETRC, _password_group, min_len=20, needs_space=True, needles=("login",)),
    Rule(
        "command_password",
        _COMMAND_PASSWORD,
        _password_group,
        min_len=10,
        needs_space=True,
        needles=(" -p", " -a", " -S", "\t-p", "\t-a", "\t-S"),  # every form takes a flag
    ),
    Rule(
        "sql_password",
        _SQL_PASSWORD,
        _password_group,
        min_len=12,
        needs_space=True,
        requires=("'",),
        needles=("password", "identified"),
        folded=True,
    ),
)
