"""Reporting periods: quarters (`2024-Q3`) and years (`2024`), and which are due for a frequency."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

# ASCII digits only, the whole text (no trailing newline), years 1000-2999 (dates of every
# quarter exist, none overflows)
_QUARTER = re.compile(r"([12][0-9]{3})-Q([1-4])")
_YEAR = re.compile(r"([12][0-9]{3})")


@dataclass(frozen=True, order=True)
class PeriodCode:
    year: int
    quarter: int | None = None

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)

    @cached_property
    def start(self) -> date:
        return date(self.year, 3 * (self.quarter - 1) + 1 if self.quarter else 1, 1)

    @cached_property
    def end(self) -> date:
        last_month = 3 * self.quarter if self.quarter else 12
        first_of_next = date(self.year + last_month // 12, last_month % 12 + 1, 1)
        return first_of_next - timedelta(days=1)

    def __str__(self) -> str:
        return self.code


def parse_period(text: str) -> PeriodCode:
    """`2024-Q3` or `2024`; raises ValueError on anything else."""
    text = text.strip().upper()
    if match := _QUARTER.fullmatch(text):
        return PeriodCode(int(match[1]), int(match[2]))
    if match := _YEAR.fullmatch(text):
        return PeriodCode(int(match[1]))
    raise ValueError(f"not a period: {text!r} (expected e.g. 2024-Q3 or 2024)")


def quarters(first_year: int, last_year: int) -> list[PeriodCode]:
    return [PeriodCode(y, q) for y in range(first_year, last_year + 1) for q in range(1, 5)]


def reporting_period(frequency: str, quarter: PeriodCode, baseline_year: int) -> PeriodCode | None:
    """The period a KPI of `frequency` reports in `quarter`'s template, or None when not due.

    Quarterly KPIs report every quarter; annual ones report the year in its fourth quarter; biennial
    ones report in the fourth quarter of every second year counted from the baseline year.
    """
    if frequency == "quarterly":
        return quarter
    if quarter.quarter != 4:
        return None
    if frequency == "annual":
        return PeriodCode(quarter.year)
    if frequency == "biennial" and (quarter.year - baseline_year) % 2 == 0:
        return PeriodCode(quarter.year)
    return None
