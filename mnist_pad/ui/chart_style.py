"""What every chart in the app shares: a percent axis and a legend row that never covers a curve."""
from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QWidget

TEXT = "#333336"


class PercentAxis(pg.AxisItem):
    """An axis for fractions 0..1 labelled as whole percentages, never with an SI scale like 'x0.001'."""

    def __init__(self, orientation: str = "left", **kwargs):
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values, scale, spacing) -> list[str]:
        """Each tick as a percentage, with a decimal only where the ticks are closer than 1%."""
        decimals = 1 if spacing * scale < 0.01 else 0
        return [f"{value * scale * 100:.{decimals}f}%" for value in values]


def percent_plot(parent: QWidget | None = None, **kwargs) -> pg.PlotWidget:
    """A white plot whose left axis reads in percent."""
    return pg.PlotWidget(parent, background="w", axisItems={"left": PercentAxis("left")}, **kwargs)


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
