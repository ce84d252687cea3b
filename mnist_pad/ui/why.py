"""Seeing why, attached to the main window: the attribution map, stroke effects, MNIST likeness,
Match MNIST, and the comparison model's curves on the thin → thick chart.

Kept apart from the main window (like learning.py): it listens to the window's public signals,
asks the inference worker for the computations, and only presents their results.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QStyle, QVBoxLayout, QWidget

from .. import paths
from ..morphometry import ReferenceError, reference
from .settings import Keys, settings
from .qimages import argb_image
from .why_views import MnistLikeness, StrokeEffects, WhyMap

NUMBER_MODE_NOTE = "These views explain the digit canvas: press Number again to see them."
PICTURE_NOTE = "An opened picture has no strokes: draw a digit to see what each stroke does."
SEVERAL_DIGITS_NOTE = "This picture holds several digits: these views explain one. Crop it to one digit."
COMPARE_DEFAULT = "plain"  # the tutorial model: its curves show the lesson a robust model hides
SHOW_WHY_KEY = "Ctrl+E"
MATCH_MNIST_KEY = "Ctrl+M"


class Why(QObject):
    """Owns the why dock, the View actions and the comparison chooser of one main window."""

    explanation_shown = Signal(int)  # seq of the explanation now on screen

    def __init__(self, window: QMainWindow, sweep_widths: np.ndarray, brush_range: tuple[int, int]):
        super().__init__(window)
        self.window = window
        self.sweep_widths = sweep_widths
        self.match_widths = np.arange(brush_range[0], brush_range[1] + 1, dtype=float)
        self._explain_seq = self._compare_seq = self._match_seq = 0
        # seq -> the strokes it explains, for requests not yet answered; an answer drops the older ones,
        # so an answer older than the map on screen finds nothing here
        self._explaining: dict[int, tuple] = {}
        self._dock_offset: QPoint | None = None  # a floating dock's place relative to the window, which it follows
        self._floated_for_width = False  # floated because Number mode's canvas left no room: docks again after
        self._placing = False  # the dock is being moved by this object, not by the user
        self._build_dock()
        self._build_actions()
        self.compare_box = window.results.compare_box
        self._fill_compare_box(window.saved_models)
        self.compare_box.currentIndexChanged.connect(self._compare_choice_changed)
        inference = window.inference
        inference.explained.connect(self._on_explained)
        inference.matched.connect(self._on_matched)
        inference.compared.connect(self._on_compared)
        inference.comparison_failed.connect(self._on_comparison_failed)
        window.prediction_shown.connect(lambda _seq: self.request_explanation())
        window.sweep_shown.connect(lambda _seq: self.request_comparison())
        window.model_changed.connect(self._on_model_changed)
        window.saved_models_changed.connect(self._fill_compare_box)
        window.canvas_swapped.connect(self._canvas_swapped)
        window.picture_opened.connect(self._picture_opened)
        canvas = window.canvas
        canvas.strokes_changed.connect(self._on_strokes_changed)
        canvas.stroke_hovered.connect(self._highlight)
        self.effects.stroke_hovered.connect(self._highlight)

    # -- building -----------------------------------------------------------------------
    def _build_dock(self) -> None:
        self.why_map = WhyMap()
        self.effects = StrokeEffects()
        try:
            self.likeness = MnistLikeness(reference())
        except ReferenceError as error:  # a broken install: the rest of the window still works
            self.likeness = None
            self.window.statusBar().showMessage(str(error), 10000)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(_caption("What the network looks at"))
        layout.addWidget(self.why_map, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(_caption("Each stroke's part"))
        layout.addWidget(self.effects, 1)
        if self.likeness is not None:
            layout.addWidget(_caption("How MNIST-like is the drawing"))
            layout.addWidget(self.likeness)
        self.dock = QDockWidget("Why", self.window)
        self.dock.setObjectName("whyDock")
        self.dock.setWidget(content)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.window.installEventFilter(self)
        self.dock.installEventFilter(self)

    def _build_actions(self) -> None:
        window = self.window
        self.show_action = QAction("Show why", window, objectName="actionShowWhy", checkable=True)
        self.show_action.setShortcut(QKeySequence(SHOW_WHY_KEY))
        self.show_action.setToolTip("The attribution map over the canvas, each stroke's part, and MNIST likeness")
        self.show_action.toggled.connect(self.set_shown)
        self.dock.visibilityChanged.connect(self._dock_visibility_changed)
        self.match_action = QAction("Match MNIST's stroke thickness", window, objectName="actionMatchMnist")
        self.match_action.setShortcut(QKeySequence(MATCH_MNIST_KEY))
        self.match_action.triggered.connect(self.match_mnist)
        self.view_actions = [self.show_action, self.match_action]  # the window places them in its View menu

    # -- public ---------------------------------------------------------------------------
    def set_shown(self, shown: bool) -> None:
        """Show or hide the why views and the map over the canvas."""
        if shown and not self.dock.isVisible():
            self._place_dock()
        self.dock.setVisible(shown)
        if shown and self.dock.isFloating():
            self._float_at_screen_edge()
        elif shown:
            QTimer.singleShot(0, self._fit_on_screen)  # once the window has taken the dock's width
        if shown:
            self.request_explanation()
        else:
            self.window.canvas.set_overlay(None)
            self.window.canvas.set_highlighted_stroke(-1)

    def request_explanation(self) -> None:
        """Ask the worker why it reads the current drawing so (only while the views are shown); in Number
        mode, say instead that the views explain the digit canvas."""
        canvas = self.window.canvas
        if self.window.edited_canvas is not canvas:  # Number mode's canvas is shown instead
            self._clear_views()
            self.effects.show_note(NUMBER_MODE_NOTE)
            return
        if not self.show_action.isChecked() or self.window.model_info is None:
            return
        if canvas.picture is not None:
            self._explain_seq += 1
            self._explaining[self._explain_seq] = canvas.picture_pixels
            scale, left, top = canvas.picture_frame()
            frame = (scale, left, top, *canvas.sheet_size())
            self.window.inference.explain_picture(self._explain_seq, canvas.picture_pixels, frame, canvas.overlay_size())
            return
        strokes = canvas.strokes()
        if not strokes:
            self._clear_views()
            return
        self._explain_seq += 1
        self._explaining[self._explain_seq] = strokes
        self.window.inference.explain(self._explain_seq, strokes, float(self.window.brush_width), canvas.overlay_size())

    def request_comparison(self) -> None:
        """Ask for the comparison model's sweep of the drawing the chart sweeps (none when off or the same model)."""
        spec = self.compare_box.currentData()
        info = self.window.model_info
        strokes = self._swept_strokes()
        self._compare_seq += 1
        if not spec or info is None or spec == info.spec or not strokes:
            self.window.chart.clear_comparison()
            return
        self.window.inference.compare(self._compare_seq, spec, strokes, self.sweep_widths)

    def _swept_strokes(self):
        """What the chart's sweep is of: the digit canvas's drawing, or in Number mode the selected digit's
        strokes; none for a picture."""
        window = self.window
        if window.edited_canvas is not window.canvas:
            mode = window.number_mode
            return () if mode.canvas.picture is not None else mode.selected_strokes()
        return () if window.canvas.picture is not None else window.canvas.strokes()

    def match_mnist(self) -> None:
        """Set the brush to the width whose rendering is as thick as MNIST's median digit (in Number mode,
        the selected digit's rendering)."""
        strokes = self._swept_strokes()
        if not strokes:
            self.window.statusBar().showMessage("Draw a digit first: the match depends on its size.", 4000)
            return
        self._match_seq += 1
        self.window.inference.match_mnist(self._match_seq, strokes, self.match_widths)

    # -- results ----------------------------------------------------------------------------
    def _on_explained(self, seq: int, explanation) -> None:
        # While the pen moves, a newer drawing is always on its way: the newest finished explanation is
        # shown (a stroke or so behind, like the live prediction), else the map would wait for the pen to stop.
        # Behind, never beside: after Undo or Clear, a map of what the drawing no longer holds is not shown.
        canvas = self.window.canvas
        subject = self._explaining.pop(seq, None)  # the strokes explained, or the picture's pixels
        for older in [s for s in self._explaining if s < seq]:
            del self._explaining[older]  # their answers, if any come, are older than this one
        if subject is None or not self.show_action.isChecked() or self.window.edited_canvas is not canvas:
            return  # older than the one shown, or the views were closed
        if isinstance(subject, np.ndarray):
            if subject is not canvas.picture_pixels:
                return  # another picture, or a drawing, is on the canvas now
            if explanation is None:
                self._clear_views()
                self.effects.show_note(SEVERAL_DIGITS_NOTE)
                return
        elif canvas.is_empty() or canvas.picture is not None or not _leads_to(subject, canvas.strokes()):
            return  # the drawing is gone or changed
        why = explanation.attribution
        self.why_map.set_map(self.window.preview.image, why.heat)
        canvas.set_overlay(argb_image(explanation.canvas_overlay), explanation.screen_overlay)
        if isinstance(subject, np.ndarray):
            self.effects.show_note(PICTURE_NOTE)
        else:
            self.effects.set_effects(explanation.stroke_effects, why.digit)
        if self.likeness is not None:
            self.likeness.set_measures(explanation.morphometry)
        self.explanation_shown.emit(seq)

    def _on_matched(self, seq: int, width) -> None:
        if seq != self._match_seq or width is None:
            return
        self.window.set_brush_width(width)
        self.window.statusBar().showMessage(
            f"Brush set to {width:.0f} px: the 28x28 strokes are now as thick as MNIST's median digit "
            f"({reference().median('thickness'):.1f} px).", 6000)

    def _on_compared(self, seq: int, spec: str, name: str, widths, probabilities) -> None:
        if seq == self._compare_seq and spec == self.compare_box.currentData() and self.window.chart.top_digits():
            self.window.chart.set_comparison(widths, probabilities, name)

    def _on_comparison_failed(self, spec: str, message: str) -> None:
        self.window.chart.clear_comparison()
        self.window.statusBar().showMessage(f"Cannot compare with {spec}: {message}", 8000)

    def _on_model_changed(self, info) -> None:
        self.window.chart.model_name = info.name
        self.request_comparison()

    def _on_strokes_changed(self, _complete: bool) -> None:
        if self.window.canvas.is_empty():
            self._clear_views()

    def _picture_opened(self, _path: str) -> None:
        if self.window.edited_canvas is self.window.canvas:
            self._clear_views()  # the last drawing's map is not the picture's: its own follows its prediction

    def _clear_views(self) -> None:
        self.why_map.clear()
        self.effects.clear()
        if self.likeness is not None:
            self.likeness.set_measures(None)
        self.window.canvas.set_overlay(None)

    def _highlight(self, index: int) -> None:
        if self.show_action.isChecked():
            self.window.canvas.set_highlighted_stroke(index)
            self.effects.highlight(index)

    def _place_dock(self) -> None:
        """Docked, the views widen the window by ~370 px, to 1210 px at its smallest: they dock where the
        screen has room for that (a 1280 px laptop has), the window giving up width if it must. On a
        narrower screen they float at its right edge instead, over the window, which keeps its size.
        Decided while the dock is hidden: floating a shown dock hides it."""
        self.dock.setFloating(not self._fits_docked())

    def _fits_docked(self) -> bool:
        """Whether the screen has room for the window at its smallest with the views docked beside it."""
        screen = self.window.screen().availableGeometry()
        frame = self.window.frameGeometry().width() - self.window.width()
        separator = self.window.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent, None, self.window)
        needed = self.window.minimumSizeHint().width() + frame + separator + self.dock.minimumSizeHint().width()
        return needed <= screen.width()

    def _canvas_swapped(self) -> None:
        """The views explain the digit canvas: while Number mode's canvas is shown instead, they say so
        rather than explain a drawing out of sight. Number mode's canvas is wider, and so the window at
        its smallest: docked views that no longer fit beside it on the screen float at its edge, placed
        again as when they are first shown, and dock again when the digit canvas is back."""
        self.request_explanation()
        if not self.show_action.isChecked():
            return
        if not self.dock.isFloating() and not self._fits_docked():
            self._show_again()
            self._floated_for_width = True
            QTimer.singleShot(0, self._window_onto_screen)  # once the window has given the dock's width back
        elif self._floated_for_width and self.dock.isFloating() and self._fits_docked():
            self._show_again()  # docked again beside the digit canvas, as before Number mode
        self._floated_for_width = self._floated_for_width and self.dock.isFloating()

    def _show_again(self) -> None:
        """Hide and show the views: placed afresh, docked or floating (see _place_dock)."""
        self.show_action.setChecked(False)
        self.show_action.setChecked(True)

    def _fit_on_screen(self) -> None:
        """A window widened by the docked views past the screen's edge: narrowed (its canvas gives up
        width) and moved back onto the screen."""
        if not self.dock.isFloating():
            self._window_onto_screen()

    def _window_onto_screen(self) -> None:
        if self.window.isMaximized() or self.window.isFullScreen():
            return
        screen = self.window.screen().availableGeometry()
        frame = self.window.frameGeometry()
        if frame.width() > screen.width():
            self.window.resize(screen.width() - (frame.width() - self.window.width()), self.window.height())
            frame = self.window.frameGeometry()
        if frame.right() > screen.right():
            self.window.move(max(screen.left(), screen.right() + 1 - frame.width()), self.window.y())

    def _float_at_screen_edge(self) -> None:
        screen = self.window.screen().availableGeometry()
        self.dock.resize(self.dock.minimumSizeHint().width(), min(self.window.height(), screen.height()))
        self._move_dock(QPoint(screen.x() + screen.width() - self.dock.frameGeometry().width(),
                               max(screen.y(), self.window.geometry().y())))
        self._dock_offset = self.dock.pos() - self.window.pos()

    def _move_dock(self, where: QPoint) -> None:
        """Move the floating dock, kept on the window's screen."""
        screen = self.window.screen().availableGeometry()
        frame = self.dock.frameGeometry()
        x = min(max(where.x(), screen.left()), max(screen.left(), screen.right() + 1 - frame.width()))
        y = min(max(where.y(), screen.top()), max(screen.top(), screen.bottom() + 1 - frame.height()))
        self._placing = True
        try:
            self.dock.move(x, y)
        finally:
            self._placing = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A floating dock moves with the window, keeping its place beside or over it; where the user
        drags the dock, that is its new place."""
        if event.type() == QEvent.Type.Move and self.dock.isFloating() and self.dock.isVisible():
            if watched is self.window and self._dock_offset is not None:
                self._move_dock(self.window.pos() + self._dock_offset)
            elif watched is self.dock and not self._placing:
                self._dock_offset = self.dock.pos() - self.window.pos()
        return False

    def _dock_visibility_changed(self, visible: bool) -> None:
        # closing the dock by its own button unchecks the action; hiding with the window does not
        if not visible and not self.window.isMinimized() and self.window.isVisible():
            self.show_action.setChecked(False)

    # -- the comparison chooser ------------------------------------------------------------------
    def _fill_compare_box(self, saved_models) -> None:
        box = self.compare_box
        wanted = box.currentData() if box.count() else str(settings().value(Keys.COMPARE_MODEL, COMPARE_DEFAULT))
        box.blockSignals(True)
        box.clear()
        box.addItem("plain (tutorial model)", "plain")
        for name in paths.SHIPPED_MODELS:
            if name != "plain":
                box.addItem(name, name)
        for entry in saved_models:
            box.addItem(entry.label, entry.path)
        box.addItem("off", "")
        index = box.findData(wanted)
        box.setCurrentIndex(index if index >= 0 else 0)
        box.blockSignals(False)

    def _compare_choice_changed(self, _index: int) -> None:
        settings().setValue(Keys.COMPARE_MODEL, self.compare_box.currentData())
        self.request_comparison()


def _leads_to(earlier: tuple, current: tuple) -> bool:
    """Whether drawing on from `earlier` (strokes of points) gives `current`: the same strokes, the last
    one perhaps longer, and perhaps more strokes after it."""
    if not earlier:
        return True
    if len(earlier) > len(current) or earlier[:-1] != current[:len(earlier) - 1]:
        return False
    last, now = earlier[-1], current[len(earlier) - 1]
    return now[:len(last)] == last


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("color: #66666b; font-weight: 600;")
    return label
