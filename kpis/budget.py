"""What the budget's figures mean (issue 16, docs/programme.md "Budget"). Pure: amounts are
integer baisa (1 OMR = 1,000 baisa), exact; no store, no pages.

- A line's committed and spent are reported to date within the line's year at each quarter's
  end: the figure shown as of a quarter is the latest report of the line's year up to that
  quarter (the fourth quarter's is the year's).
- Planned spend to date = allocations of past years + this year's allocation × quarters elapsed
  / 4 (a straight line within a year); nothing for years still to come.
- Burn = spent ÷ allocated. Variance = spent − planned to date (negative: behind plan), over the
  lines that reported: a line not reported is counted as not reported, never as nothing spent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

BAISA_PER_OMR = 1000
QUARTERS_IN_YEAR = 4
# an allocation larger than this is a typo (a digit held down, an ID pasted): the State's whole
# yearly budget is about OMR 12 billion; the programme's whole cycle OMR 170 million
ALLOCATION_LIMIT_BAISA = 10_000_000_000 * BAISA_PER_OMR  # OMR 10 billion
# spending within this share of the plan (either side) is "on plan"
PACE_TOLERANCE = Decimal("0.10")

NOT_REPORTED = "not_reported"
BEHIND = "behind"
ON_PLAN = "on_plan"
AHEAD = "ahead"
NOTHING_PLANNED = "nothing_planned"
PACES = (BEHIND, ON_PLAN, AHEAD, NOTHING_PLANNED, NOT_REPORTED)


# ----- the plan ----------------------------------------------------------------------------


def planned_to_date(allocated: int, line_year: int, as_of_year: int, as_of_quarter: int) -> int:
    """A line's planned spend as of the end of quarter `as_of_quarter` of `as_of_year`: all of a
    past year's allocation, the elapsed quarters' share of this year's (rounded to the nearest
    baisa, halves up), nothing of a year to come."""
    if not 1 <= as_of_quarter <= QUARTERS_IN_YEAR:
        raise ValueError("a quarter is 1 to 4")
    if line_year < as_of_year:
        return allocated
    if line_year > as_of_year:
        return 0
    return (allocated * as_of_quarter * 2 + QUARTERS_IN_YEAR) // (2 * QUARTERS_IN_YEAR)


def planned_spend(allocations: Mapping[int, int], as_of_year: int, as_of_quarter: int) -> int:
    """Planned spend to date of allocations by year (year -> baisa)."""
    return sum(
        planned_to_date(amount, year, as_of_year, as_of_quarter)
        for year, amount in allocations.items()
    )


def allocated_to_date(allocations: Mapping[int, int], as_of_year: int) -> int:
    """The allocations of the years begun by `as_of_year` (past years and this one)."""
    return sum(amount for year, amount in allocations.items() if year <= as_of_year)


# ----- what was reported ---------------------------------------------------------------------


@dataclass(frozen=True)
class Reported:
    """One quarter's report on a line: committed and spent to date within the line's year."""

    year: int
    quarter: int
    committed: int
    spent: int
    approved: bool = True


def shown_report(
    reports: Iterable[Reported], line_year: int, as_of_year: int, as_of_quarter: int
) -> Reported | None:
    """The report a page shows for a line of `line_year` as of a quarter: the latest of the
    line's year up to the as-of quarter (the year's last for a past year); None when there is
    none (a year to come, or nothing reported)."""
    if line_year > as_of_year:
        return None
    last = as_of_quarter if line_year == as_of_year else QUARTERS_IN_YEAR
    found = [r for r in reports if r.year == line_year and r.quarter <= last]
    return max(found, key=lambda r: r.quarter, default=None)


# ----- ratios and verdicts --------------------------------------------------------------------


def burn(spent: int | None, allocated: int) -> float | None:
    """Spent ÷ allocated; None when nothing is reported or nothing allocated."""
    if spent is None or allocated <= 0:
        return None
    return spent / allocated


def variance(spent: int | None, planned: int) -> int | None:
    """Spent − planned to date (negative: behind plan); None when nothing is reported."""
    return None if spent is None else spent - planned


def pace(spent: int | None, planned: int) -> str:
    """Spending against the plan to date, in words the pages show with an icon: behind (below
    the plan by more than the tolerance), on plan, ahead; nothing planned yet; not reported."""
    if spent is None:
        return NOT_REPORTED
    if planned <= 0:
        return NOTHING_PLANNED if spent == 0 else AHEAD
    share = Decimal(spent - planned) / Decimal(planned)
    if share < -PACE_TOLERANCE:
        return BEHIND
    if share > PACE_TOLERANCE:
        return AHEAD
    return ON_PLAN


@dataclass(frozen=True)
class LineAmounts:
    """One line's amounts as of a quarter: what a total adds up."""

    allocated: int
    year: int
    planned: int
    committed: int | None  # None: not reported
    spent: int | None
    reported_by: bool = True  # False: a track's reserve, which nobody reports


@dataclass(frozen=True)
class Totals:
    """Amounts of a set of lines as of a quarter (a track, an initiative, the programme).

    `allocated`: every line of the cycle; `allocated_to_date`: lines of the years begun;
    `planned`: planned spend to date of all of them; `committed` and `spent`: sums over the lines
    that reported (None when none did); `planned_reported`: the plan of those lines, which
    `variance` compares spending with; `lines_due`: lines of the years begun that somebody
    reports; `lines_reported`: of those, the ones with a report."""

    allocated: int
    allocated_to_date: int
    planned: int
    committed: int | None
    spent: int | None
    planned_reported: int
    lines: int
    lines_due: int
    lines_reported: int

    @property
    def burn(self) -> float | None:
        """Spent ÷ allocated to date (the years begun)."""
        return burn(self.spent, self.allocated_to_date)

    @property
    def cycle_burn(self) -> float | None:
        """Spent ÷ the whole cycle's allocations."""
        return burn(self.spent, self.allocated)

    @property
    def variance(self) -> int | None:
        return variance(self.spent, self.planned_reported)

    @property
    def pace(self) -> str:
        return pace(self.spent, self.planned_reported)


def totals(lines: Iterable[LineAmounts], as_of_year: int) -> Totals:
    lines = list(lines)
    begun = [line for line in lines if line.year <= as_of_year]
    reported = [line for line in begun if line.spent is not None]
    return Totals(
        allocated=sum(line.allocated for line in lines),
        allocated_to_date=sum(line.allocated for line in begun),
        planned=sum(line.planned for line in lines),
        committed=_sum_or_none(line.committed for line in reported),
        spent=_sum_or_none(line.spent for line in reported),
        planned_reported=sum(line.planned for line in reported),
        lines=len(lines),
        lines_due=sum(1 for line in begun if line.reported_by),
        lines_reported=len(reported),
    )


def _sum_or_none(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


# ----- amounts as people type them ------------------------------------------------------------

ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# the currency written around an amount, which is dropped: `OMR 1,200.5`, `1,200.5 ر.ع.`
_CURRENCY = re.compile(r"^(OMR|RO|R\.O\.|ر\.ع\.?|ريال)|(OMR|RO|R\.O\.|ر\.ع\.?|ريال)$", re.I)
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$", re.ASCII)
_PLAIN = re.compile(r"^(\d+(\.\d*)?|\.\d+)$", re.ASCII)
_SPACES = ("\u200f", "\u200e", "\u061c", "\u2066", "\u2067", "\u2068", "\u2069", "\xa0", "\u202f")


class AmountProblem(ValueError):
    """Why a typed amount is not one: `no_amount`, `not_an_amount`, `too_many_decimals`,
    `negative`, `too_large`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_omr(raw: object) -> int:
    """An amount in OMR as a clerk types or a sheet holds it, in baisa: `1,200.5`, `١٬٢٠٠٫٥`,
    `OMR 1200.500`, a number cell. At most three decimals (one baisa); never negative, never
    beyond ALLOCATION_LIMIT_BAISA; raises AmountProblem."""
    if isinstance(raw, bool):
        raise AmountProblem("not_an_amount")
    if isinstance(raw, int):
        amount = Decimal(raw)
    elif isinstance(raw, float):
        amount = _decimal(repr(raw))  # the shortest text of the float: what the cell shows
    elif isinstance(raw, str):
        amount = _decimal(_amount_text(raw))
    elif raw is None:
        raise AmountProblem("no_amount")
    else:
        raise AmountProblem("not_an_amount")
    if amount < 0:
        raise AmountProblem("negative")
    baisa = amount * BAISA_PER_OMR
    if baisa != baisa.to_integral_value():
        raise AmountProblem("too_many_decimals")
    if baisa > ALLOCATION_LIMIT_BAISA:
        raise AmountProblem("too_large")
    return int(baisa)


def _amount_text(raw: str) -> str:
    text = raw.translate(ARABIC_DIGITS).replace("٫", ".").replace("٬", ",").replace("،", ",")
    for mark in _SPACES:
        text = text.replace(mark, "")
    text = _CURRENCY.sub("", text.strip()).strip().replace(" ", "")
    if not text:
        raise AmountProblem("no_amount")
    negative = text.startswith(("-", "−"))
    digits = text.lstrip("+-−")
    if _GROUPED.match(digits):
        digits = digits.replace(",", "")
    if not _PLAIN.match(digits):
        raise AmountProblem("not_an_amount")
    if negative and Decimal(digits) != 0:
        raise AmountProblem("negative")
    return digits


def _decimal(text: str) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation as error:
        raise AmountProblem("not_an_amount") from error
    if not amount.is_finite():
        raise AmountProblem("not_an_amount")
    return amount
