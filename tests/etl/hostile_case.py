"""The shape of a hostile or broken workbook in the suite (issue 12): how to make it from the
generated template, and what the tracker must answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HostileCase:
    """`build(template)` turns the generated MOH 2025-Q3 template into the hostile file.

    `expect` is the message code of the refusal (a key of etl.messages.MESSAGES), or None where the
    file is accepted by design; `where` is the cell or part the message must name (`Data!G5`,
    `xl/sharedStrings.xml`), or None where the refusal is about the whole file.
    """

    name: str
    build: Callable[[bytes], bytes]
    expect: str | None
    where: str | None = None
    note: str = ""
