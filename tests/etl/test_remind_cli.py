"""`python -m etl remind [--dry-run] [--today D]`: a thin adapter over services.reminders, with
a clear message (not a traceback) when no mail server is configured."""

from __future__ import annotations

import pytest

from etl.__main__ import main
from tests.conftest import ROLE_USERS


@pytest.fixture
def environment(users_db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", users_db_url)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("PUBLIC_URL", "https://tracker.example.om")
    monkeypatch.delenv("SMTP_URL", raising=False)
    return monkeypatch


def test_remind_three_times_sends_each_message_once(environment, smtp_sink, capsys):
    environment.setenv("SMTP_URL", smtp_sink.url)
    codes = [main(["remind", "--today", "2025-07-24"]) for _run in range(3)]
    assert codes == [0, 0, 0]
    out = capsys.readouterr().out
    assert out.count("2 sent, 0 not sent") == 1 and out.count("0 sent, 0 not sent") == 2
    assert len(smtp_sink.to(ROLE_USERS["entity"][0])) == 1
    assert len(smtp_sink.messages) == 2


def test_without_a_mail_server_it_says_what_to_set(environment, capsys):
    assert main(["remind", "--today", "2025-07-24"]) == 2
    err = capsys.readouterr().err
    assert "no mail server configured: set SMTP_URL" in err and "Traceback" not in err


def test_a_dry_run_needs_no_mail_server(environment, capsys):
    assert main(["remind", "--dry-run", "--today", "2025-07-24"]) == 0
    out = capsys.readouterr().out
    assert "would send before 2025-Q2" in out and ROLE_USERS["entity"][0] in out


def test_a_day_that_is_not_a_date_is_refused(environment, capsys):
    assert main(["remind", "--dry-run", "--today", "24/07/2025"]) == 2
    assert "--today must be a date like" in capsys.readouterr().err


def test_an_unreachable_server_exits_1_and_says_so(environment, capsys):
    environment.setenv("SMTP_URL", "smtp://127.0.0.1:9")
    assert main(["remind", "--today", "2025-07-24"]) == 1
    err = capsys.readouterr().err
    assert "could not be reached" in err and "due again at the next run" in err
