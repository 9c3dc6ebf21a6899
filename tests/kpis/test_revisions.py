import pytest

from kpis.revisions import revision_standing


@pytest.mark.parametrize(
    ("revisions", "official", "later"),
    [
        ([(1, "approved")], 1, ()),
        ([(1, "approved"), (2, "returned")], 1, ((2, "returned"),)),
        ([(1, "approved"), (2, "submitted")], 1, ((2, "submitted"),)),
        ([(2, "submitted"), (1, "approved")], 1, ((2, "submitted"),)),  # order does not matter
        ([(1, "returned"), (2, "approved")], 2, ()),  # an earlier return is history
        ([(1, "approved"), (2, "approved"), (3, "returned")], 2, ((3, "returned"),)),
        ([(1, "approved"), (2, "rejected")], 1, ()),  # refused: nothing on its way
        ([(1, "returned"), (2, "submitted")], None, ((1, "returned"), (2, "submitted"))),
        ([], None, ()),
    ],
)
def test_official_is_the_latest_approved_revision(revisions, official, later):
    got = revision_standing(revisions)
    assert (got.official, got.later) == (official, later)
    assert got.worth_saying is bool(later)
