"""Where a non-modal dialog opens: beside the main window, so the canvas stays free to draw on."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

GAP = 8  # pixels between the window and the dialog


def beside(window: QRect, size: QSize, screen: QRect) -> QPoint:
    """Top-left corner for a dialog of `size`: right of `window`, else left of it, else below it.

    Without room anywhere it goes to the screen's right edge, over the window's right-hand
    column (results) rather than over the canvas on its left.
    """
    for corner in (QPoint(window.right() + 1 + GAP, window.top()),
                   QPoint(window.left() - GAP - size.width(), window.top()),
                   QPoint(window.left(), window.bottom() + 1 + GAP)):
        if screen.contains(QRect(corner, size)):
            return corner
    top = min(max(window.top(), screen.top()), screen.bottom() + 1 - size.height())
    return QPoint(screen.right() + 1 - size.width(), max(top, screen.top()))


def place_beside(dialog: QWidget, window: QWidget) -> None:
    """Move a shown top-level dialog beside `window` on the window's screen."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    dialog.move(beside(window.frameGeometry(), dialog.frameGeometry().size(), screen.availableGeometry()))
