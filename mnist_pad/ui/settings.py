"""The app's QSettings, the same store whatever QApplication's names are."""
from __future__ import annotations

from PySide6.QtCore import QSettings

from .. import paths


def settings() -> QSettings:
    """The app's settings (brush width, geometry, last model, MNIST folder)."""
    return QSettings(paths.APP, paths.APP)
