"""Texts for the About and Model card boxes: plain HTML built from versions and the model card."""
from __future__ import annotations

import html
import platform
from typing import Any

from .. import __version__, figures as keys
from ..preprocess import PREPROCESS_VERSION
from ..recipe import member_recipes
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


# Figure names as a person reads them.
FIGURE_NAMES = {
    keys.MNIST_TEST: "MNIST test set",
    keys.VALIDATION: "validation set (held-out MNIST train)",
    keys.PEN_MEAN: "pen-drawn digits, mean over brush widths",
    keys.PEN_WORST: "pen-drawn digits, worst brush width",
    keys.PEN_SPREAD: "pen-drawn digits, best − worst width (points)",
    keys.PEN_SET: "pen-drawn digits used",
    keys.CORRECTIONS_COUNT: "your drawings used",
}
PER_WIDTH_NAMES = {keys.PEN: "pen-drawn digits, {w} px brush", keys.CORRECTIONS: "your drawings, {w} px brush"}


def figure_name(key: str) -> str:
    """A readable name for a model card figure key; unknown keys with _ as spaces."""
    if key in FIGURE_NAMES:
        return FIGURE_NAMES[key]
    parsed = keys.parse(key)
    if isinstance(parsed, keys.WidthKey) and parsed.source in PER_WIDTH_NAMES:
        return PER_WIDTH_NAMES[parsed.source].format(w=f"{parsed.width:g}")
    if isinstance(parsed, keys.KernelKey):
        change = "thinned" if parsed.kernel < 0 else "thickened"
        return f"MNIST test, strokes {change} (kernel {abs(parsed.kernel)})"
    return key.replace("_", " ")


def figure_value(key: str, value: Any) -> str:
    """Accuracies as percentages, other numbers as they are."""
    if isinstance(value, float) and key.endswith("_accuracy"):
        return f"{value:.2%}"
    return _format(value) if not isinstance(value, str) else value


def model_card_rows(info: ModelInfo) -> list[tuple[str, str]]:
    """(what, value) rows of the model card as plain text, figures last."""
    card = info.card
    recipe = card.get("recipe") if isinstance(card.get("recipe"), dict) else {}
    rows = [("Name", info.name), ("Description", str(card.get("description", "")))]
    rows += [("Architecture", str(card.get("arch", ""))), ("Trained on", "\n".join(map(str, card.get("training_data", []))))]
    if recipe:
        rows.append(("Training", _recipe_text(recipe)))
    for number, member in enumerate(member_recipes(recipe), start=1):  # a combined model: each network's own recipe
        rows.append((f"Network {number}", _recipe_text(member)))
    rows.append(("Trained with", str(card.get("trained_on", ""))))
    rows += [("Date", str(card.get("date", "")).replace("T", " ")[:16]), ("Preprocessing", f"v{card.get('preprocess_version', '?')}"),
             ("File", info.source), ("Runs on", info.device)]
    figures = card.get("figures") if isinstance(card.get("figures"), dict) else {}
    rows += [(figure_name(key), figure_value(key, value)) for key, value in figures.items()]
    return [(what, value) for what, value in rows if value]


def model_card_commands(info: ModelInfo) -> str:
    """The commands that reproduce the model and its figures, one per line."""
    recipe = info.card.get("recipe") if isinstance(info.card.get("recipe"), dict) else {}
    members = [member.get("command") for member in member_recipes(recipe)]  # a combined model: its networks first
    return "\n".join(str(c) for c in (*members, recipe.get("command"), info.card.get("figures_command")) if c)


def _recipe_text(recipe: dict) -> str:
    """A recipe's settings in words ("seed 0, epochs 40, ..."); its command has a box of its own."""
    if members := member_recipes(recipe):
        return f"the average of {len(members)} networks trained apart (below), seed {recipe.get('seed')}"
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in recipe.items()
                     if k not in ("command", "options") and v is not None)


def preprocess_warning(info: ModelInfo) -> str:
    """A warning when the model was trained on other preprocessing than this app's; '' otherwise."""
    trained_on = info.card.get("preprocess_version")
    if isinstance(trained_on, int) and trained_on != PREPROCESS_VERSION:
        return (f"Trained with preprocessing v{trained_on}; this app uses v{PREPROCESS_VERSION}: "
                "predictions may be off.")
    return ""


def about_html(info: ModelInfo | None) -> str:
    """What the app is, the versions it runs on, and which model is in use."""
    parts = " · ".join(f"{name} {html.escape(version)}" for name, version in versions())
    model = (f"<p>Model in use: <b>{html.escape(info.name)}</b> ({html.escape(str(info.card.get('arch', '')))}). "
             "Model → Model card… tells what it was trained on and how well it does.</p>") if info else (
        "<p>No model is loaded.</p>")
    return ("<h3>mnist-pad</h3><p>Draw a digit and watch a ConvNet read it; move the brush slider "
            "to see how stroke thickness changes its mind.</p>"
            f"{model}<p style='color:#66666b'>{parts}</p>")


READING_GUIDE = """
<h3>How to read this window</h3>
<ul>
<li><b>The big digit</b> is the network's answer, with how sure it is. The <b>ten bars</b> are its
probability for every digit.</li>
<li><b>The network sees</b>: your strokes rendered at the brush width, shrunk into 20x20 px and
centred in 28x28, the way MNIST's digits were made. This, not the canvas, is what the network reads.</li>
<li><b>Thin → thick</b>: the same strokes at every brush width. Solid curves are the model in use,
dashed ones the model chosen under <i>Compare with</i> (the plain tutorial model by default): where
the curves part, stroke thickness alone changes what a network believes. Click the chart to use a width.</li>
<li><b>View → Show why</b>: red over the strokes marks what the answer rests on (hiding it lowers the
probability), blue what speaks against it. Each stroke's line says what the network reads without it;
point at a stroke to find its line.</li>
<li><b>How MNIST-like</b>: your digit's stroke thickness, slant, width and height beside MNIST's own
(grey band: the middle 90% of its digits). <b>View → Match MNIST</b> sets the brush to MNIST's median
thickness.</li>
<li><b>Pictures</b> (File → Open image) are read the same way once paper, shadows and ruled lines are
taken out; Show why maps them too. A drawing saved with <i>Save drawing as PNG</i> opens as strokes
again, so the slider still re-renders it.</li>
</ul>
"""


def _format(value: Any) -> str:
    if isinstance(value, dict):
        return "<br>".join(f"{html.escape(str(k))}: {_format(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return html.escape(" ".join(map(str, value)))
    return html.escape(str(value))
