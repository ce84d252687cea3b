"""A chart's legend as a line of text under it, so it never covers a curve (no pyqtgraph needed)."""
from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QWidget

TEXT = "#333336"


class LegendRow(QLabel):
    """A legend as a line of text under a chart: coloured solid or dashed marks with their names."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.entries: list[tuple[str, str, bool]] = []

    def set_entries(self, entries: list[tuple[str, str, bool]]) -> None:
        """(colour, label, dashed) for each curve; an empty list hides the row."""
        self.entries = list(entries)
        parts = [f"<span style='color:{colour}; font-weight:700'>{'╌╌' if dashed else '━━'}</span>"
                 f"&nbsp;<span style='color:{TEXT}'>{html.escape(label)}</span>" for colour, label, dashed in entries]
        self.setText("&nbsp;&nbsp;&nbsp; ".join(parts))
        self.setVisible(bool(entries))
