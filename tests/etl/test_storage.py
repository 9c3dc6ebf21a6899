"""Keeping uploads: the bytes as sent, under a generated name, flushed before the commit."""

from __future__ import annotations

import pytest

from etl.storage import keep, read_original
from etl.validate import column_letter


@pytest.mark.parametrize("count", [1, 3])  # one file is fsynced; a batch, its filesystem
def test_kept_files_are_flushed_when_their_transaction_commits(store, tmp_path, count):
    with store.transaction() as db:
        kept = [keep(db, tmp_path, f"PK {n}".encode(), "../../etc/moh.xlsx") for n in range(count)]
        waiting = list(db.info["uploads_to_flush"])
    assert db.info["uploads_to_flush"] == []  # flushed by the commit
    assert waiting == [tmp_path / k.stored_name for k in kept]
    assert [read_original(tmp_path, k.stored_name) for k in kept] == [
        f"PK {n}".encode() for n in range(count)
    ]
    assert kept[0].name == "moh.xlsx" and len({k.stored_name for k in kept}) == count


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
