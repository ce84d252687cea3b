"""The app's QSettings, the same store whatever QApplication's names are, and the keys it holds."""
from __future__ import annotations

from PySide6.QtCore import QSettings

from .. import paths


class Keys:
    """Every key the app stores, named once."""

    LAST_MODEL = "model/last"          # spec of the model in use when the app was last closed
    BRUSH_WIDTH = "brush/width"
    GEOMETRY = "window/geometry"
    COMPARE_MODEL = "compare/model"    # the model whose curves are drawn dashed on the chart
    MNIST_DIR = "retrain/data_dir"     # where MNIST is kept for retraining and the accuracy view
    PICTURE_DIR = "files/picture_dir"  # the folder a picture was last opened from or a drawing saved to


def settings() -> QSettings:
    """The app's settings (brush width, geometry, last model, MNIST folder)."""
    return QSettings(paths.APP, paths.APP)
