"""How the report's Noto Naskh Arabic (assets/fonts/NotoNaskhArabic-*.ttf) was made from Debian's
fonts-noto-core (2.004): each mark glyph (vowel signs such as damma and shadda, hamza) is moved,
outline and anchors together, to where it is usually attached. Printed, nothing changes: a mark
is placed by its anchor, and anchor and outline moved alike. What changes is where the mark's
origin lies: next to its letter's instead of a line's fifth above and beside it.

Why: Chromium wraps a letter and its marks in one /ActualText span and draws the mark first;
poppler (`pdftotext`) puts the span's letters at the first glyph's origin, so with Noto Naskh's
marks a voweled word (يُحدَّد) came out broken in pieces or moved to a line of its own. Noto Sans
Arabic, whose marks sit near their place, does not do that, but it draws lam-alef as one glyph,
whose two letters poppler swaps; hence Noto Naskh, with this correction.

Run again on Debian's files (needs fontTools, requirements-dev.txt):
    python -m reports.fontmarks /usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf \\
        assets/fonts/NotoNaskhArabic-Regular.ttf
On its own output it moves nothing (tests/reports/test_pdf.py checks the bundled files so)."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Iterator

MARK_TO_BASE, MARK_TO_LIGATURE, MARK_TO_MARK, EXTENSION = 4, 5, 6, 9


def subtables(gpos, kind: int) -> Iterator:
    """The GPOS subtables of lookup type `kind`, unwrapped from extension lookups."""
    for lookup in gpos.LookupList.Lookup:
        for sub in lookup.SubTable:
            if lookup.LookupType == EXTENSION and sub.ExtensionLookupType == kind:
                yield sub.ExtSubTable
            elif lookup.LookupType == kind:
                yield sub


def attach_offsets(gpos) -> dict[str, tuple[int, int]]:
    """Mark glyph -> the median offset (x, y) at which it is drawn on the letters it attaches
    to: base anchor minus mark anchor, over every letter with an anchor for the mark's class."""
    offsets: dict[str, list[tuple[int, int]]] = {}
    for sub in subtables(gpos, MARK_TO_BASE):
        for mark, record in zip(sub.MarkCoverage.glyphs, sub.MarkArray.MarkRecord, strict=True):
            for base in sub.BaseArray.BaseRecord:
                anchor = base.BaseAnchor[record.Class]
                if anchor is not None:
                    offsets.setdefault(mark, []).append(
                        (
                            anchor.XCoordinate - record.MarkAnchor.XCoordinate,
                            anchor.YCoordinate - record.MarkAnchor.YCoordinate,
                        )
                    )
    return {
        mark: (
            round(statistics.median(x for x, _ in pairs)),
            round(statistics.median(y for _, y in pairs)),
        )
        for mark, pairs in offsets.items()
    }


def move_marks(font) -> dict[str, tuple[int, int]]:
    """Move each attached mark of `font` (a fontTools TTFont) by its attach offset: its outline,
    its anchors in every mark lookup, and the opposite way in composite glyphs using it (أ is
    alef and a hamza), so that everything prints where it did. Returns what moved."""
    gpos = font["GPOS"].table
    moved = {mark: shift for mark, shift in attach_offsets(gpos).items() if shift != (0, 0)}
    glyf, hmtx = font["glyf"], font["hmtx"]
    for name in font.getGlyphOrder():
        glyph = glyf[name]
        if glyph.isComposite():
            for component in glyph.components:
                dx, dy = scaled(component, moved.get(component.glyphName, (0, 0)))
                component.x -= dx
                component.y -= dy
    for name, (dx, dy) in moved.items():
        glyph = glyf[name]
        if glyph.isComposite():
            for component in glyph.components:
                component.x += dx
                component.y += dy
        elif glyph.numberOfContours > 0:
            glyph.coordinates.translate((dx, dy))
    for name in font.getGlyphOrder():
        glyph = glyf[name]
        glyph.recalcBounds(glyf)
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    _move_anchors(gpos, moved)
    return moved


def scaled(component, shift: tuple[int, int]) -> tuple[int, int]:
    """`shift` of a glyph as it shows in a composite using it (a hamza may be scaled there)."""
    transform = getattr(component, "transform", None)
    if transform is None:
        return shift
    (xx, xy), (yx, yy) = transform
    return round(shift[0] * xx + shift[1] * yx), round(shift[0] * xy + shift[1] * yy)


def _move_anchors(gpos, moved: dict[str, tuple[int, int]]) -> None:
    def shift(anchor, glyph: str) -> None:
        dx, dy = moved.get(glyph, (0, 0))
        anchor.XCoordinate += dx
        anchor.YCoordinate += dy

    for kind in (MARK_TO_BASE, MARK_TO_LIGATURE):
        for sub in subtables(gpos, kind):
            for mark, record in zip(sub.MarkCoverage.glyphs, sub.MarkArray.MarkRecord, strict=True):
                shift(record.MarkAnchor, mark)
    for sub in subtables(gpos, MARK_TO_MARK):
        for mark, record in zip(sub.Mark1Coverage.glyphs, sub.Mark1Array.MarkRecord, strict=True):
            shift(record.MarkAnchor, mark)
        for mark, record in zip(sub.Mark2Coverage.glyphs, sub.Mark2Array.Mark2Record, strict=True):
            for anchor in record.Mark2Anchor:
                if anchor is not None:
                    shift(anchor, mark)


def main(argv: list[str]) -> int:
    from fontTools.ttLib import TTFont  # a maintainer's tool: fontTools is in requirements-dev

    if len(argv) != 2:
        print("usage: python -m reports.fontmarks SOURCE.ttf TARGET.ttf", file=sys.stderr)
        return 2
    font = TTFont(argv[0])
    moved = move_marks(font)
    font.save(argv[1])
    print(f"{len(moved)} marks moved; written {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
