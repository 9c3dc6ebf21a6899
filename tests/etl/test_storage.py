"""Keeping uploads: the bytes as sent, under a generated name, flushed before the commit."""

from __future__ import annotations

import pytest

from etl.storage import keep, read_original
from etl.validate import column_letter


def test_a_kept_file_is_flushed_when_its_transaction_commits(store, tmp_path):
    with store.transaction() as db:
        first = keep(db, tmp_path, b"PK first", "../../etc/moh.xlsx")
        second = keep(db, tmp_path, b"PK second", "moh.xlsx")
        waiting = list(db.info["uploads_to_flush"])
    assert db.info["uploads_to_flush"] == []  # flushed by the commit
    assert waiting == [tmp_path / first.stored_name, tmp_path / second.stored_name]
    assert read_original(tmp_path, first.stored_name) == b"PK first"
    assert first.name == "moh.xlsx" and first.stored_name != second.stored_name


def test_a_kept_file_stays_when_its_transaction_rolls_back(store, tmp_path):
    with pytest.raises(RuntimeError), store.transaction() as db:
        kept = keep(db, tmp_path, b"PK kept", "moh.xlsx")
        raise RuntimeError("the load failed")
    assert read_original(tmp_path, kept.stored_name) == b"PK kept"


def test_a_stored_name_cannot_reach_outside_the_folder(tmp_path):
    with pytest.raises(ValueError):
        read_original(tmp_path / "uploads", "../secret.txt")


@pytest.mark.parametrize(
    ("number", "letters"), [(1, "A"), (7, "G"), (26, "Z"), (27, "AA"), (702, "ZZ"), (703, "AAA")]
)
def test_column_letters_as_excel_names_them(number, letters):
    assert column_letter(number) == letters
