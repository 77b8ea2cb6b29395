"""`awooop redact`: stdin lines in, redacted lines out, in order, flushed one by one."""

from __future__ import annotations

import io
from collections.abc import Iterator

import typer
from typer.testing import CliRunner

from awooop.cli.redact import MAX_HELD_LINES, redact_stream, register
from awooop.hub.redaction import REDACTION_VERSION

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:  # a second command keeps typer from collapsing the group
        """Unrelated."""

    return app


def test_help_describes_the_command() -> None:
    result = runner.invoke(make_app(), ["redact", "--help"])
    assert result.exit_code == 0
    assert "Redact secrets and personal data" in result.stdout
    assert "stdin" in result.stdout
    assert "--count" in result.stdout
    listing = runner.invoke(make_app(), ["--help"])
    assert "redact" in listing.stdout


def test_lines_come_out_redacted_and_in_order() -> None:
    lines = [
        "2026-08-20T10:15:52Z ok trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
        "login password=hunter2 from 10.0.3.17",
        "",
        "請聯絡 王小明 0912-345-678 或 ming@example.com.tw",
        "Authorization: Bearer abc123def456",
    ]
    result = runner.invoke(make_app(), ["redact"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        lines[0],
        "login password=[REDACTED:password] from 10.0.3.17",
        "",
        "請聯絡 王小明 [REDACTED:phone] 或 [REDACTED:email]",
        "Authorization: Bearer [REDACTED:authorization]",
    ]
    assert result.stderr == ""


def test_a_last_line_without_newline_stays_without() -> None:
    result = runner.invoke(make_app(), ["redact"], input="a token=t1\nno newline password=p1")
    assert result.stdout == "a token=[REDACTED:token]\nno newline password=[REDACTED:password]"


def test_empty_input() -> None:
    result = runner.invoke(make_app(), ["redact"], input="")
    assert (result.exit_code, result.stdout) == (0, "")


def test_count_goes_to_stderr() -> None:
    result = runner.invoke(make_app(), ["redact", "--count"], input="password=p1 token=t2\nclean\n")
    assert result.stdout == "password=[REDACTED:password] token=[REDACTED:token]\nclean\n"
    assert "2 replacement(s)" in result.stderr
    assert REDACTION_VERSION in result.stderr


def test_private_key_spread_over_lines_is_one_marker() -> None:
    text = (
        "before\n"
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABFAKE\n"
        "QyNTUxOQAAACBFAKEFAKEFAKEexampleOnlyNotARealKey0123456789\n"
        "-----END OPENSSH PRIVATE KEY-----\n"
        "after password=p1\n"
    )
    result = runner.invoke(make_app(), ["redact"], input=text)
    assert result.stdout == "before\n[REDACTED:private_key]\nafter password=[REDACTED:password]\n"
    assert "FAKE" not in result.stdout


def test_unterminated_private_key_is_redacted_at_end_of_input() -> None:
    text = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAAFAKE\nMIIEFAKE2\n"
    result = runner.invoke(make_app(), ["redact"], input=text)
    assert result.stdout == "[REDACTED:private_key]\n"


class FlushRecorder(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def flush(self) -> None:
        self.flushed.append(self.getvalue())


def test_each_line_is_flushed_before_the_next_is_read() -> None:
    out = FlushRecorder()
    seen_before_read: list[str] = []

    def source() -> Iterator[str]:
        for line in ("a password=p1\n", "b\n", "c token=t1\n"):
            seen_before_read.append(out.getvalue())
            yield line

    assert redact_stream(source(), out) == 2
    assert seen_before_read == ["", "a password=[REDACTED:password]\n", "a password=[REDACTED:password]\nb\n"]
    assert len(out.flushed) == 3


def test_a_missing_end_line_does_not_hold_output_forever() -> None:
    out = io.StringIO()
    lines = ["-----BEGIN PRIVATE KEY-----\n"] + [f"QUJDREVGRkFLRQ{index:04d}\n" for index in range(MAX_HELD_LINES + 5)]
    redact_stream(iter(lines), out)
    written = out.getvalue().splitlines()
    assert written[0] == "[REDACTED:private_key]"
    # the block holds BEGIN + MAX_HELD_LINES - 1 lines; the 6 lines after it come out one by one
    assert len(written) == 1 + 6


def test_explain_says_which_rule_replaced_what() -> None:
    text = "Cookie: session=abc1; lang=en from 203.0.113.5\nclean line\n"
    result = runner.invoke(make_app(), ["redact", "--explain"], input=text)
    assert result.exit_code == 0, result.output
    assert result.stdout == "Cookie: session=[REDACTED:cookie]; lang=en from [REDACTED:ip_address]\nclean line\n"
    explained = result.stderr.splitlines()
    assert explained == [
        "line 1: cookie_header replaced 'session=abc1; lang=en from 203.0.113.5'"
        " with 'session=[REDACTED:cookie]; lang=en from 203.0.113.5'",
        "line 1: public_ipv4 replaced '203.0.113.5' with '[REDACTED:ip_address]'",
    ]


def test_project_needs_reapply() -> None:
    result = runner.invoke(make_app(), ["redact", "--project", "p1"], input="x\n")
    assert result.exit_code == 2
    assert "--reapply" in result.output
