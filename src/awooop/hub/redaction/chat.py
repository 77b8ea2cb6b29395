"""Passwords announced in prose and chat, in English and Chinese (both scripts).

"changed the admin pw to Hunter2!", "the password for grafana is S3cret-2026",
"密码改成 Tr0ub4dor 了", "新密碼：hunter2-tw", "admin 的密碼已改為「S3cret!」". Unquoted English
values must look random ("password is incorrect" stays); a quoted value is taken as written.
"""

from __future__ import annotations

import re
from typing import Final

from awooop.hub.redaction import kinds
from awooop.hub.redaction.engine import NON_ASCII, Hit, Rule
from awooop.hub.redaction.validators import is_placeholder, looks_like_credential

# Led by a character class with the boundary lookbehind after it: the engine jumps to "p"s.
_PW_WORD: Final = r"[Pp](?<![A-Za-z0-9_\-][Pp])(?i:assword|asswd|assphrase|asscode|ass|wd|w)(?![A-Za-z0-9_\-])"
_CJK_VERB: Final = (
    r"(?:已經|已经|已|被)?[ \t]*"
    r"(?:改成|改为|改為|換成|换成|設為|设为|設成|设成|更新為|更新为|重設為|重设为|重置為|重置为"
    r"|變更為|变更为|修改為|修改为|是|為|为)了?"
)
_EN_VERB: Final = (
    r"(?:(?:is|was|will[ \t]+be|has[ \t]+been|have[ \t]+been|got|is[ \t]+now|now)[ \t]+)?"
    r"(?:(?:changed|set|reset|updated|rotated|switched|moved)[ \t]+)?(?:to|as|is|now)"
)
# Value: quoted (ASCII or CJK quotes) or a bare printable ASCII run.
_VALUE: Final = r"[ \t]*(?:(?P<q>[\"'`“「『])(?P<qv>[^\"'`”」』\r\n]{4,128})[\"'`”」』]|(?P<v>[!-~]{4,128}))"

# "password for the grafana admin is X", "changed the admin pw to X" (the verb before the word
# adds nothing: "pw to X" is enough), "password 改成 X" ("pw: X" and "pw=X" are key_value's)
_EN_AFTER: Final = re.compile(
    _PW_WORD + r"(?:[ \t]+(?:for|of|on)(?:[ \t]+[^\s:=]+){1,3}?)?[ \t]*" + rf"(?:{_EN_VERB}|{_CJK_VERB})" + _VALUE
)
_CJK: Final = re.compile(r"(?:密碼|密码|口令|通行碼|通行码)[ \t]*" + rf"(?:{_CJK_VERB}|[:：=])?" + _VALUE)
_TRAILING: Final = ".,;:)]}"


def _value(match: re.Match[str]) -> tuple[int, int, str, bool] | None:
    name = "qv" if match["qv"] is not None else "v"
    value, start = match[name], match.start(name)
    if name == "v":
        value = value.rstrip(_TRAILING)
        if not value or value[-1] in "\"'":
            return None
    if kinds.MARKER_PREFIX in value or is_placeholder(value) or value[0] in "/~$" or "://" in value:
        return None  # a marker, a mask, a path ($PWD), a variable or a link
    return start, start + len(value), value, name == "qv"


def _english(match: re.Match[str]) -> Hit | None:
    found = _value(match)
    if found is None:
        return None
    start, end, value, quoted = found
    if not (quoted or looks_like_credential(value) or (value.isdigit() and len(value) >= 6)):
        return None
    return start, end, kinds.marker(kinds.PASSWORD)


def _chinese(match: re.Match[str]) -> Hit | None:
    found = _value(match)
    if found is None:
        return None
    start, end, value, quoted = found
    if not quoted and value.isalpha() and len(value) < 8:
        return None
    return start, end, kinds.marker(kinds.PASSWORD)


RULES: Final = (
    Rule(
        "chat_password_zh",
        _CJK,
        _chinese,
        min_len=6,
        requires=(NON_ASCII,),
        needles=("密碼", "密码", "口令", "通行碼", "通行码"),
    ),
    Rule("chat_password_en", _EN_AFTER, _english, min_len=8, needles=("pass", "pw"), folded=True),
)
