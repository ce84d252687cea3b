"""A chart's legend as a line of text under it, so it never covers a curve (no pyqtgraph needed)."""
from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QWidget

TEXT = "#333336"


class LegendRow(QLabel):
    """A legend as a line of text under a chart: coloured solid or dashed marks with their names.

    With `reserve_lines`, the row always takes that many lines of height, empty or not: a legend
    that changes as the user draws then never resizes the chart above it (a resized pyqtgraph plot
    lays itself out and repaints whole, which is what made drawing stall).
    """

    def __init__(self, parent: QWidget | None = None, reserve_lines: int = 0):
        super().__init__(parent)
        self.setWordWrap(True)
        self.entries: list[tuple[str, str, bool]] = []
        self.reserve_lines = reserve_lines
        if reserve_lines:
            self.setFixedHeight(self.fontMetrics().lineSpacing() * reserve_lines + 2)

    def set_entries(self, entries: list[tuple[str, str, bool]]) -> None:
        """(colour, label, dashed) for each curve; an empty list hides the row (or empties it when reserved)."""
        self.entries = list(entries)
        # each entry's spaces are non-breaking: a line breaks between entries, never inside one ("4 (plain)")
        parts = [f"<span style='color:{colour}; font-weight:700'>{'╌╌' if dashed else '━━'}</span>"
                 f"&nbsp;<span style='color:{TEXT}'>{html.escape(label).replace(' ', '&nbsp;')}</span>"
                 for colour, label, dashed in entries]
        self.setText("&nbsp;&nbsp;&nbsp; ".join(parts))  # QLabel ignores an unchanged text
        if not self.reserve_lines:
            self.setVisible(bool(entries))
