"""Texts for the About and Model card boxes: plain HTML built from versions and the model card."""
from __future__ import annotations

import html
import platform
from typing import Any

from .. import __version__
from ..preprocess import PREPROCESS_VERSION
from .worker import ModelInfo


def versions() -> list[tuple[str, str]]:
    """(component, version) for the About box."""
    import numpy
    import onnxruntime
    import PySide6
    import pyqtgraph
    from PySide6.QtCore import qVersion

    found = [("mnist-pad", __version__), ("Python", platform.python_version()),
             ("Qt", qVersion()), ("PySide6", PySide6.__version__), ("pyqtgraph", pyqtgraph.__version__),
             ("NumPy", numpy.__version__)]
    found.append(("ONNX Runtime", onnxruntime.__version__))
    return found


def model_card_html(info: ModelInfo | None) -> str:
    """The model card as a small HTML table; a note when no model is loaded."""
    if info is None:
        return "<p>No model is loaded. Use <b>Model → Load model file…</b> or pick a shipped model.</p>"
    rows = [("name", info.name), ("file", info.source), ("device", info.device)]
    rows += [(key, _format(value)) for key, value in info.card.items() if key != "name"]
    trained_on = info.card.get("preprocess_version")
    warning = ""
    if isinstance(trained_on, int) and trained_on != PREPROCESS_VERSION:
        warning = (f"<p style='color:#b00020'>Trained with preprocessing v{trained_on}; this app uses "
                   f"v{PREPROCESS_VERSION}: predictions may be off.</p>")
    body = "".join(f"<tr><td style='color:#66666b; padding-right:12px' valign='top'>{html.escape(str(k))}</td>"
                   f"<td>{v}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>{warning}"


def about_html(info: ModelInfo | None) -> str:
    """What the app is, the versions it runs on, and the model card."""
    parts = " · ".join(f"{name} {html.escape(version)}" for name, version in versions())
    return ("<h3>mnist-pad</h3><p>Draw a digit and watch a ConvNet read it; move the brush slider "
            "to see how stroke thickness changes its mind.</p>"
            f"<p style='color:#66666b'>{parts}</p><h4>Model</h4>{model_card_html(info)}")


def _format(value: Any) -> str:
    if isinstance(value, dict):
        return "<br>".join(f"{html.escape(str(k))}: {_format(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return html.escape(" ".join(map(str, value)))
    return html.escape(str(value))
