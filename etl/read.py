"""Read a workbook's sheets with python-calamine, in a worker process under a memory and a time
ceiling (etl.sandbox), after its structure was checked there (etl.structure). The server never
parses an uploaded file's XML itself; what comes back is plain cell values."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from etl.contract import (
    ABOUT_FIELDS,
    ABOUT_SHEET,
    DATA_SHEET,
    LOADED_KEYS,
    PROGRAMME_COLUMNS,
    SheetColumns,
    header_row,
    match_header,
)
from etl.messages import Problem
from etl.safety import MAX_BYTES
from etl.sandbox import Sandbox, WorkerFailed
from etl.structure import Limits, inspect_workbook

LIMITS = Limits()  # what no template exceeds (etl.structure)


class RefusedWorkbook(ValueError):
    """The file is refused before its values are read, for `problems`."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(p.code for p in problems))
        self.problems = problems


class UnreadableWorkbook(RefusedWorkbook):
    """calamine could not open the file as a workbook."""

    def __init__(self, detail: str = "") -> None:
        super().__init__([Problem("damaged")])
        self.detail = detail


@dataclass
class RawWorkbook:
    data: bytes
    sheets: dict[str, list[list[Any]]]
    data_sheet: str | None
    about: dict[str, str] = field(default_factory=dict)
    percent_cells: frozenset[str] = frozenset()
    # problems of single cells that the structure shows (a formula's error or missing result, a
    # merged input cell): reported with the validator's, so that the clerk sees every one at once
    cell_problems: list[Problem] = field(default_factory=list)
    # what the reviewer should check (a formula the tracker cannot recalculate)
    cell_warnings: list[Problem] = field(default_factory=list)
    # the programme sheets' percentage-formatted cells, by sheet (`Initiatives`: {`E2`})
    programme_percent: dict[str, frozenset[str]] = field(default_factory=dict)

    def percent_formatted(self, cell: str, sheet: str | None = None) -> bool:
        """Whether a Data cell (e.g. `G7`), or a cell of the programme sheet `sheet`, has a
        percentage number format."""
        if sheet is not None and sheet != DATA_SHEET:
            return cell in self.programme_percent.get(sheet, frozenset())
        return cell in self.percent_cells


_SANDBOX: Sandbox | None = None


def sandbox() -> Sandbox:
    """The reader's workers, started on first need and kept."""
    global _SANDBOX
    if _SANDBOX is None:
        _SANDBOX = Sandbox("etl.read:read_untrusted")
    return _SANDBOX


class _Prefetched:
    """Files whose reading began before they were asked for (`prefetch`), by identity."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: dict[int, tuple[bytes, Future]] = {}
        self.executor: ThreadPoolExecutor | None = None
        self.pid = 0

    def start(self, files: Sequence[bytes]) -> None:
        with self.lock:
            if self.executor is None or self.pid != os.getpid():
                self.executor = ThreadPoolExecutor(sandbox().workers, "reader")
                self.pending, self.pid = {}, os.getpid()
            # files read ahead but never asked for (refused before reading) are let go here
            self.pending = {k: v for k, v in self.pending.items() if not v[1].done()}
            for data in files[:PREFETCH]:
                # a file over the size limit is refused unread (etl.safety): not sent
                if id(data) not in self.pending and len(data) <= MAX_BYTES:
                    future = self.executor.submit(_read, data, LIMITS)
                    self.pending[id(data)] = (data, future)

    def take(self, data: bytes) -> Future | None:
        with self.lock:
            found = self.pending.pop(id(data), None)
        return found[1] if found and found[0] is data else None


_PREFETCHED = _Prefetched()
PREFETCH = 64  # files read ahead at most (a command-line chunk is 32)


def prefetch(files: Sequence[bytes]) -> None:
    """Begin reading `files` in the reader's workers now, side by side: a batch's files are then
    read while the caller checks and loads the ones before (`read_workbook` takes the results)."""
    if len(files) > 1:
        _PREFETCHED.start(files)


def read_workbook(data: bytes, limits: Limits | None = None) -> RawWorkbook:
    """The Data and About sheets' values, or `RefusedWorkbook` with the reasons."""
    future = _PREFETCHED.take(data) if limits is None else None
    if future is not None:
        return future.result()
    return _read(data, limits or LIMITS)


def _read(data: bytes, limits: Limits) -> RawWorkbook:
    try:
        answer = sandbox().call({"limits": asdict(limits)}, data)
    except WorkerFailed as failure:
        code = "read_timeout" if failure.reason == "timeout" else "read_crashed"
        raise RefusedWorkbook([Problem(code, _ceilings())]) from failure
    if answer.get("memory"):
        raise RefusedWorkbook([Problem("read_crashed", _ceilings())])
    return workbook_of(data, answer)


def workbook_of(data: bytes, answer: dict[str, Any]) -> RawWorkbook:
    """The workbook from the worker's answer (`read_untrusted`), or `RefusedWorkbook`."""
    if "damaged" in answer:
        raise UnreadableWorkbook(answer["damaged"])
    if answer.get("refused"):
        raise RefusedWorkbook([Problem(**item) for item in answer["refused"]])
    sheets = {DATA_SHEET: answer["data"]} if "data" in answer else {}
    programme = answer.get("programme", {})
    return RawWorkbook(
        data,
        sheets | {name: programme[name]["rows"] for name in PROGRAMME_COLUMNS if name in programme},
        DATA_SHEET if sheets else None,
        answer["about"],
        frozenset(answer["percent"]),
        [Problem(**item) for item in answer.get("cells", [])],
        [Problem(**item) for item in answer.get("warnings", [])],
        {name: frozenset(programme[name]["percent"]) for name in programme},
    )


def _ceilings() -> dict[str, Any]:
    return {"seconds": f"{sandbox().seconds:g}", "memory": sandbox().memory_mb}


def read_untrusted(header: dict[str, Any], data: bytes) -> dict[str, Any]:
    """In the worker: check the zip directory (etl.safety.check_archive; the server checked only
    the file's size, name and first bytes) and the structure, then read the sheets with
    calamine, and answer with what the server needs, never more: the About sheet's fields, and
    of the Data sheet its header row and, below it, the cells of the loaded columns (a sheet
    within the limits can still hold 100,000 cells of 32,767 characters; the server would hold
    them all)."""
    from python_calamine import CalamineWorkbook

    structure = inspect_workbook(data, Limits(**header["limits"]), directory=True)
    if structure.problems:
        return {"refused": [p.as_dict() for p in structure.problems]}
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = set(workbook.sheet_names)
        sheets = {
            name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in (DATA_SHEET, ABOUT_SHEET, *PROGRAMME_COLUMNS)
            if name in names
        }
    except Exception as error:  # calamine raises its own error types for damaged parts
        return {"damaged": str(error)[:200]}
    rows = sheets.get(DATA_SHEET, [])
    header_index, found = header_row(rows)
    columns = {key: col + 1 for key, col in found.items()}  # findings count columns from 1
    loaded = [columns[k] for k in LOADED_KEYS if k in columns]
    # the structure's findings in the loaded part, and the figures' formulas recalculated
    problems, warnings = structure.cell_problems(columns, (header_index or 0) + 1)
    answer: dict[str, Any] = {
        "about": _about(sheets.get(ABOUT_SHEET, [])),
        "percent": sorted(structure.percent_cells),
        "cells": [p.as_dict() for p in problems],
        "warnings": [p.as_dict() for p in warnings],
    }
    if DATA_SHEET in sheets:
        answer["data"] = loaded_cells(rows, header_index, [col - 1 for col in loaded])
    programme = {}
    for name, spec in PROGRAMME_COLUMNS.items():
        if name in sheets:
            programme[name] = _programme_sheet(sheets[name], spec, structure, answer)
    if programme:
        answer["programme"] = programme
    return answer


def _programme_sheet(rows, spec: SheetColumns, structure, answer: dict[str, Any]) -> dict:
    """An Initiatives or Budget sheet as the Data sheet is answered: its header row and, below
    it, the cells of its loaded columns; the structure's findings there go with the Data
    sheet's (`cells`, `warnings`)."""
    header_index, found = spec.header_row(rows)
    columns = {key: col + 1 for key, col in found.items()}
    problems, warnings = structure.cell_problems(columns, (header_index or 0) + 1, sheet=spec.sheet)
    answer["cells"].extend(p.as_dict() for p in problems)
    answer["warnings"].extend(p.as_dict() for p in warnings)
    loaded = [columns[k] - 1 for k in spec.loaded if k in columns]
    other = structure.others.get(spec.sheet)
    return {
        "rows": loaded_cells(rows, header_index, loaded, spec.match),
        "percent": sorted(other.percent_cells) if other else [],
    }


def loaded_cells(
    rows: list[list[Any]], header_index: int | None, loaded: Sequence[int], match=match_header
) -> list[list[Any]]:
    """The Data rows as the validator reads them, without what it never reads: rows above the
    header row are empty, the header row keeps only the cells naming a column, and each row
    below it only the cells of the loaded columns (0-based `loaded`; the others None, blank
    ones at a row's end left off). The validator finds the same header row and columns in
    them, and the same cells at the same places."""
    if header_index is None:
        return []  # no header row: the validator says so, whatever the cells
    heading = [cell if match(cell) else None for cell in rows[header_index]]
    kept = [[] for _ in range(header_index)]
    kept.append(_trimmed(heading))
    wanted = frozenset(loaded)
    width = max(loaded, default=-1) + 1
    for row in rows[header_index + 1 :]:
        kept.append(
            _trimmed([cell if col in wanted else None for col, cell in enumerate(row[:width])])
        )
    return kept


def _trimmed(row: list[Any]) -> list[Any]:
    """`row` without its trailing blank cells (the validator reads a cell past a row's end as
    None, and None, "" and spaces alike as blank)."""
    end = len(row)
    while end and (row[end - 1] is None or row[end - 1] == ""):
        end -= 1
    return row[:end]


def _about(rows: list[list[Any]]) -> dict[str, str]:
    found = {}
    for row in rows:
        if len(row) < 2 or not isinstance(row[0], str):
            continue
        label = row[0].casefold()
        for key, labels in ABOUT_FIELDS.items():
            if any(label.startswith(part.casefold()) for part in labels) and key not in found:
                found[key] = str(row[1]).strip()
                break
    return found
