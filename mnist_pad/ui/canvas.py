"""The drawing canvas: mouse and pen input into a Drawing, painted with QPainter for looks.

Strokes live in a fixed logical canvas (CANVAS_SIZE px square) scaled to fit the widget, so
resizing never loses the drawing and any brush width can be applied afterwards. The model never
sees these pixels: it gets the strokes, rasterized by the core. About 450 lines: input (mouse,
tablet, wheel) and the cached, partial repaints that keep long drawings smooth belong together.
The finished strokes are kept on a sheet (a pixmap of the paper), the stroke being drawn on a copy
of it that only its new points are added to, and the attribution map at screen size: a repaint
copies them to the screen rather than stroking or scaling anything.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor, QCursor, QImage, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen, QPixmap, QRegion,
    QTabletEvent, QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..drawing import SCREEN_TOLERANCE, Drawing, Stroke
from ..raster import CANVAS_SIZE
from .pacing import update_paced
from .qimages import argb_view, resized_argb

PAPER = QColor("#ffffff")
INK = QColor("#1d1d1f")
EDGE = QColor("#c8c8cc")
HINT = QColor("#9a9aa0")
HIGHLIGHT = QColor("#0a66c2")  # the stroke under the mouse, also named in the stroke effects list
PATH_POINTS = 256  # a stroke is stroked in paths of at most this many segments (see _draw_strokes)


class Canvas(QWidget):
    """A square sheet of paper: draw with the left button or a pen; Ctrl+wheel changes the brush."""

    aspect = 1.0  # paper width / height: CANVAS_SIZE px tall, CANVAS_SIZE * aspect wide
    hint = "Draw a digit here"  # shown on the empty sheet
    strokes_changed = Signal(bool)  # True when a change is complete (release, undo, clear), False mid-stroke
    wheel_steps = Signal(int)       # Ctrl+wheel: +1 thicker per notch, -1 thinner
    stroke_hovered = Signal(int)    # index of the stroke under the mouse, -1 for none

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("canvas")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(CANVAS_SIZE, CANVAS_SIZE)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("Draw a digit. Ctrl+wheel or [ and ] change the brush; Esc clears.")
        self.drawing = Drawing()
        self.brush_width = 16.0
        self.picture: QImage | None = None
        self.picture_pixels: object = None  # what the picture was made from (the window's grey array)
        self._covered: tuple[QImage, object, int] | None = None  # a picture drawn over, and the undo depth under it
        self._finished_cache: tuple[tuple, tuple, QPixmap] | None = None  # (look, strokes, the sheet with them)
        # (look, the finished sheet it was drawn on, the stroke being drawn so far, the sheet with it)
        self._drawing_cache: tuple[tuple, QPixmap, Stroke, QPixmap] | None = None
        self.overlay: QImage | None = None  # e.g. the attribution map, CANVAS_SIZE square, over the ink
        self._screen_overlay: tuple[QImage, np.ndarray, QImage] | None = None  # (overlay, its pixels on screen, their image)
        self.highlighted_stroke = -1
        self._hovered = -1
        self.setMouseTracking(True)  # to say which stroke is under the mouse
        self._cursor_size = None  # (diameter, screen ratio) of the brush ring the cursor shows
        self._update_cursor()

    # -- public --------------------------------------------------------------------------
    def strokes(self) -> tuple[Stroke, ...]:
        """A snapshot of the strokes, the one being drawn included, in canvas pixels."""
        return self.drawing.strokes

    def is_empty(self) -> bool:
        return self.drawing.is_empty()

    def set_brush_width(self, width: float) -> None:
        """Re-render every stroke at this width (canvas pixels)."""
        self.brush_width = float(width)
        if self.underMouse():  # else when the mouse comes in: dragging the slider makes no cursors
            self._update_cursor()
        self.update(self.drawing_area())

    def set_picture(self, image: QImage | None, pixels: object = None) -> None:
        """Show a picture (an opened file) instead of strokes; drawing again replaces it, Undo brings it back.

        `pixels` is kept beside it (picture_pixels) for whoever reads the picture.
        """
        self.picture, self.picture_pixels, self._covered = image, pixels if image is not None else None, None
        if image is not None:
            self.drawing.clear()
        self.update(self.drawing_area())

    def load_strokes(self, strokes) -> None:
        """Replace the drawing with these strokes (canvas pixels); Undo goes back stroke by stroke, then to the old drawing."""
        self.picture = self.picture_pixels = self._covered = None
        self.drawing.clear()
        for stroke in strokes:
            self.drawing.begin_stroke(*stroke[0])
            for point in stroke[1:]:
                self.drawing.add_point(*point)
            self.drawing.end_stroke()
        self._changed(True)

    def set_overlay(self, image: QImage | None, on_screen: np.ndarray | None = None) -> None:
        """Paint `image` (CANVAS_SIZE square, with alpha) over the paper; None removes it. `on_screen`: the same
        image already at overlay_size() (premultiplied ARGB32 bytes (H, W, 4), kept), so that no repaint
        has to resize it (1.5 ms of the UI thread per map on an 800 px canvas)."""
        self.overlay = image
        if image is not None and on_screen is not None:
            screen = argb_view(on_screen)
            screen.setDevicePixelRatio(self.devicePixelRatioF())
            self._screen_overlay = (image, on_screen, screen)
        update_paced(self, self.paper_rect().toAlignedRect())  # it lies on the paper: the margin stays

    def drawing_area(self) -> QRect:
        """What a change of the drawing, brush or picture repaints: the paper. The margin around it stays as it
        is: it was filled again at each stroke's end (~0.4 ms on a 1060x720 window), in the frames that are
        the heaviest already, where the sweep and the map come in too."""
        return self.paper_rect().toAlignedRect()

    def overlay_size(self) -> tuple[int, int]:
        """(width, height) of the overlay on screen, in device pixels: the paper's."""
        paper, ratio = self.paper_rect(), self.devicePixelRatioF()
        return round(paper.width() * ratio), round(paper.height() * ratio)

    def set_highlighted_stroke(self, index: int) -> None:
        """Draw one stroke in the highlight colour (-1: none)."""
        if index != self.highlighted_stroke:
            self.highlighted_stroke = index
            self.update(self.drawing_area())

    def clear(self) -> None:
        self.picture = self.picture_pixels = self._covered = None
        self.drawing.clear()
        self._changed(True)

    def undo(self) -> bool:
        done = self.drawing.undo()
        if done:
            self._show_covered_picture()
            self._changed(True)
        return done

    def redo(self) -> bool:
        done = self.drawing.redo()
        if done:
            self._show_covered_picture()
            self._changed(True)
        return done

    def _show_covered_picture(self) -> None:
        """After Undo or Redo: the picture a stroke covered is back exactly where the history stood under it."""
        if self._covered is not None and self.drawing.undo_depth == self._covered[2]:
            self.picture, self.picture_pixels = self._covered[:2]
        else:
            self.picture = self.picture_pixels = None

    def sheet_size(self) -> tuple[int, int]:
        """The logical canvas (width, height) in canvas pixels: CANVAS_SIZE tall, `aspect` times as wide."""
        return int(CANVAS_SIZE * self.aspect), CANVAS_SIZE

    def paper_rect(self) -> QRectF:
        """Where the logical canvas lies in widget coordinates: the largest centred rectangle of its aspect."""
        return self._centred_paper(self.height())

    def _centred_paper(self, room: float) -> QRectF:
        """The largest rectangle of the paper's aspect at most `room` tall, centred, 1 px clear of the edges,
        on whole pixels: the sheet of strokes is then copied to the screen, not resampled."""
        side = max(1, int(min(self.width() / self.aspect, room) - 2))
        width = round(side * self.aspect)
        return QRectF((self.width() - width) // 2, (self.height() - side) // 2, width, side)

    def to_canvas(self, position: QPointF) -> tuple[float, float]:
        """Widget coordinates -> logical canvas pixels."""
        paper = self.paper_rect()
        scale = CANVAS_SIZE / paper.height()
        return ((position.x() - paper.x()) * scale, (position.y() - paper.y()) * scale)

    def to_widget(self, x: float, y: float) -> QPointF:
        """Logical canvas pixels -> widget coordinates."""
        paper = self.paper_rect()
        scale = paper.height() / CANVAS_SIZE
        return QPointF(paper.x() + x * scale, paper.y() + y * scale)

    # -- input -----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        # Our own stroke state, not event.buttons(): robust to synthetic and compressed events.
        if self.drawing.drawing_stroke:
            self._extend(event.position())
        else:
            self._hover(stroke_at(self.drawing.strokes, self.to_canvas(event.position()), self.brush_width / 2 + 4))

    def enterEvent(self, event) -> None:
        self._update_cursor()
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:
        self._hover(-1)
        super().leaveEvent(event)

    def _hover(self, index: int) -> None:
        if index != self._hovered:
            self._hovered = index
            self.stroke_hovered.emit(index)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._end(event.position())

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self._begin(event.position())
        elif kind == QTabletEvent.Type.TabletMove and self.drawing.drawing_stroke:
            self._extend(event.position())
        elif kind == QTabletEvent.Type.TabletRelease:
            self._end(event.position())
        event.accept()  # no synthesized mouse events: the pen already drew

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            notches = round(event.angleDelta().y() / 120) or (1 if event.angleDelta().y() > 0 else -1)
            if event.angleDelta().y():
                self.wheel_steps.emit(notches)
            event.accept()
        else:
            super().wheelEvent(event)

    def _begin(self, position: QPointF) -> None:
        if self.picture is not None:
            self._covered = (self.picture, self.picture_pixels, self.drawing.undo_depth)
            self.picture = self.picture_pixels = None
        elif self._covered is not None and self.drawing.undo_depth <= self._covered[2]:
            self._covered = None  # a new history from before the picture: that point is gone
        self.drawing.begin_stroke(*self.to_canvas(position))
        self._changed(False)

    def _extend(self, position: QPointF) -> None:
        before = self.drawing.strokes[-1]
        self.drawing.add_point(*self.to_canvas(position), self._tolerance())
        after = self.drawing.strokes[-1]
        # repaint only around the new segment, or where the end moved on, the last segment as it was and is
        changed = before[-2:] + after[-1:] if len(after) == len(before) else before[-1:] + after[-1:]
        margin = self.brush_width * self.paper_rect().height() / CANVAS_SIZE / 2 + 2
        corners = np.asarray(changed, np.float64)
        low, high = self.to_widget(*corners.min(axis=0)), self.to_widget(*corners.max(axis=0))
        update_paced(self, QRectF(low, high).adjusted(-margin, -margin, margin, margin).toAlignedRect())
        self.strokes_changed.emit(False)

    def _end(self, position: QPointF) -> None:
        if not self.drawing.drawing_stroke:
            return
        self.drawing.add_point(*self.to_canvas(position), self._tolerance())
        self.drawing.end_stroke()
        self._changed(True)

    def _tolerance(self) -> float:
        """A screen pixel (SCREEN_TOLERANCE), in canvas pixels: how far a stroke may stray from the points the
        mouse or pen gave (see Drawing.add_point); a slow mouse's strokes keep a tenth of their points."""
        return SCREEN_TOLERANCE * CANVAS_SIZE / self.paper_rect().height()

    def _changed(self, complete: bool) -> None:
        self.update(self.drawing_area())
        self.strokes_changed.emit(complete)

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        paper = self.paper_rect()
        # The window's colour around the paper only, and paper white only where no sheet of strokes is
        # copied over it: filling all of a large canvas twice cost ~1 ms a repaint. Most repaints are of a
        # stroke's new segment, inside the paper: they leave the margin alone (~0.5 ms each otherwise).
        margin = event.region().subtracted(QRegion(paper.toRect()))
        if not margin.isEmpty():
            painter.setClipRegion(margin)
            painter.fillRect(self.rect(), self.palette().window())
            painter.setClipping(False)
            painter.setPen(QPen(EDGE, 1))
            painter.drawRect(paper.adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.setClipRect(paper)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self.picture is not None or self.drawing.is_empty():
            painter.fillRect(paper, PAPER)
        if self.picture is not None:
            self._paint_picture(painter, paper)
        elif self.drawing.is_empty():
            painter.setPen(HINT)
            font = painter.font()
            font.setPointSizeF(font.pointSizeF() * 1.3)
            painter.setFont(font)
            painter.drawText(paper, Qt.AlignmentFlag.AlignCenter, self.hint)
        else:
            self._paint_strokes(painter, paper)
            strokes = self.drawing.strokes
            if 0 <= self.highlighted_stroke < len(strokes):
                _draw_strokes(painter, [strokes[self.highlighted_stroke]], self.brush_width, paper, HIGHLIGHT)
        if self.overlay is not None:
            painter.drawImage(paper.topLeft(), self._overlay_on_screen())
        painter.end()

    def _overlay_on_screen(self) -> QImage:
        """The overlay at the paper's size in screen pixels, made once per overlay and size (or given with it)."""
        width, height = self.overlay_size()
        cached = self._screen_overlay
        if cached is None or cached[0] is not self.overlay or cached[2].size() != QSize(width, height):
            pixels, image = resized_argb(self.overlay, width, height, cached[1] if cached is not None else None)
            image.setDevicePixelRatio(self.devicePixelRatioF())
            cached = self._screen_overlay = (self.overlay, pixels, image)
        return cached[2]

    def _paint_strokes(self, painter: QPainter, paper: QRectF) -> None:
        strokes = self.drawing.strokes
        finished = strokes[:-1] if self.drawing.drawing_stroke else strokes
        sheet = self._finished_sheet(finished, paper)
        if self.drawing.drawing_stroke:
            sheet = self._sheet_with(strokes[-1], sheet, paper)
        painter.drawPixmap(paper.topLeft(), sheet)

    def _look(self, paper: QRectF) -> tuple:
        """What a cached sheet depends on besides the strokes: brush, paper size, screen."""
        return (self.brush_width, paper.size().toSize(), self.devicePixelRatioF())

    def _finished_sheet(self, finished: tuple, paper: QRectF) -> QPixmap:
        """The paper with the finished strokes on it: a new stroke is painted onto it (the stroke just drawn
        comes with the sheet it was drawn on); a change of brush, size, or an undo or clear, paints it afresh."""
        look = self._look(paper)
        cached = self._finished_cache
        if cached is not None and cached[0] == look and finished[:len(cached[1])] == cached[1]:
            sheet, new = cached[2], finished[len(cached[1]):]
        else:
            ratio = self.devicePixelRatioF()
            sheet, new = QPixmap((paper.size() * ratio).toSize()), finished
            sheet.setDevicePixelRatio(ratio)
            sheet.fill(PAPER)  # opaque: painted by copying, with no blending
        drawn = self._drawing_cache
        if len(new) == 1 and drawn is not None and drawn[0] == look and drawn[1] is sheet:
            sheet = self._sheet_with(new[0], sheet, paper)  # the stroke just drawn, brought up to its end
        elif new:
            painter = QPainter(sheet)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            _draw_strokes(painter, new, self.brush_width, QRectF(0, 0, paper.width(), paper.height()))
            painter.end()
        if new:
            self._drawing_cache = None  # the stroke drawn is finished now (or gone)
        self._finished_cache = (look, finished, sheet)
        return sheet

    def _sheet_with(self, stroke: Stroke, finished: QPixmap, paper: QRectF) -> QPixmap:
        """The finished sheet with the stroke being drawn on it, brought up to date by stroking only around
        the stroke's new points (and the end they moved on from): the sheet there is copied back from the
        finished one and the segments that reach it are stroked again. Stroking the whole growing path in each
        repaint cost more the longer it got (5 ms for 60 points on an 800 px sheet, each time a new
        attribution map repaints the canvas)."""
        look = self._look(paper)
        cached = self._drawing_cache
        if cached is not None and cached[0] == look and cached[1] is finished:
            sheet, old, painted = cached[3], cached[2], _shared_prefix(stroke, cached[2])
        else:
            sheet, old, painted = finished.copy(), (), 0
            sheet.setDevicePixelRatio(finished.devicePixelRatio())
        if painted < max(len(stroke), len(old)):
            whole = QRectF(0, 0, paper.width(), paper.height())
            painter = QPainter(sheet)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            if painted == 0:
                if old:  # another stroke was drawn on this sheet: back to the finished one first
                    painter.drawPixmap(0, 0, finished)
                _draw_strokes(painter, [stroke], self.brush_width, whole)
            else:
                scale = paper.height() / CANVAS_SIZE
                reach = self.brush_width / 2 + 2 / scale  # the brush's radius and its soft rim, in canvas pixels
                new = np.asarray(stroke[painted - 1:] + old[painted - 1:], np.float64)
                low, high = (new.min(axis=0) - reach) * scale, (new.max(axis=0) + reach) * scale
                area = QRectF(QPointF(*low), QPointF(*high)).toAlignedRect()
                painter.setClipRect(area)
                painter.drawPixmap(0, 0, finished)
                corner, far = QRectF(area).topLeft() / scale, QRectF(area).bottomRight() / scale
                _draw_strokes(painter, _runs_within(stroke, (corner.x(), corner.y()), (far.x(), far.y()), reach),
                              self.brush_width, whole)
            painter.end()
        self._drawing_cache = (look, finished, stroke, sheet)
        return sheet

    def picture_frame(self) -> tuple[float, float, float]:
        """Where the picture lies, in canvas pixels: (scale, left, top) of its pixel grid, fitted whole
        into the paper and centred. A reading of the picture maps onto the canvas by it."""
        width, height = self.picture.width(), self.picture.height()
        paper_width, paper_height = self.sheet_size()
        scale = min(paper_width / width, paper_height / height)
        return scale, (paper_width - width * scale) / 2, (paper_height - height * scale) / 2

    def _paint_picture(self, painter: QPainter, paper: QRectF) -> None:
        scale, left, top = self.picture_frame()
        right, bottom = left + self.picture.width() * scale, top + self.picture.height() * scale
        painter.drawImage(QRectF(self.to_widget(left, top), self.to_widget(right, bottom)), self.picture)

    def resizeEvent(self, event) -> None:
        if self.underMouse():
            self._update_cursor()
        super().resizeEvent(event)

    def _update_cursor(self) -> None:
        """A ring the size of the brush on screen, visible on white ink-free paper and on ink."""
        diameter = max(4, round(self.brush_width * self.paper_rect().height() / CANVAS_SIZE))
        ratio = self.devicePixelRatioF()
        if self._cursor_size == (diameter, ratio):
            return
        self._cursor_size = (diameter, ratio)
        side = diameter + 4
        pixmap = QPixmap(round(side * ratio), round(side * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        ring = QRectF(2, 2, diameter, diameter)
        painter.setPen(QPen(QColor(255, 255, 255, 220), 3))
        painter.drawEllipse(ring)
        painter.setPen(QPen(QColor(40, 40, 40, 230), 1.2))
        painter.drawEllipse(ring)
        painter.end()
        self.setCursor(QCursor(pixmap, side // 2, side // 2))


def _shared_prefix(one: Stroke, other: Stroke) -> int:
    """How many points two strokes share from their start (a stroke being drawn grows, or its end moves on)."""
    count = min(len(one), len(other))
    if one[:count] == other[:count]:
        return count
    if one[:count - 1] == other[:count - 1]:
        return count - 1
    return next(index for index in range(count) if one[index] != other[index])


def _runs_within(stroke: Stroke, top_left: tuple[float, float], bottom_right: tuple[float, float],
                 margin: float) -> list[Stroke]:
    """The runs of consecutive segments of a stroke that come within `margin` of a rectangle."""
    points = np.asarray(stroke, dtype=np.float64)
    low, high = np.asarray(top_left) - margin, np.asarray(bottom_right) + margin
    if len(points) == 1:
        return [stroke] if ((points[0] >= low) & (points[0] <= high)).all() else []
    starts, ends = points[:-1], points[1:]
    near = ((np.maximum(starts, ends) >= low) & (np.minimum(starts, ends) <= high)).all(axis=1)
    runs, begin = [], None
    for index, inside in enumerate(near):
        if inside and begin is None:
            begin = index
        elif not inside and begin is not None:
            runs.append(stroke[begin:index + 1])
            begin = None
    if begin is not None:
        runs.append(stroke[begin:])
    return runs


def stroke_at(strokes, point: tuple[float, float], reach: float) -> int:
    """Index of the stroke nearest to `point` (canvas pixels) if it is within `reach`, else -1."""
    target = np.asarray(point, np.float64)
    best, best_distance = -1, reach
    for index, stroke in enumerate(strokes):
        points = np.asarray(stroke, np.float64)
        starts, ends = points[:-1], points[1:]
        if not len(starts):
            distance = float(np.hypot(*(points[0] - target)))
        else:
            direction = ends - starts
            length2 = np.maximum((direction ** 2).sum(axis=1), 1e-12)
            along = np.clip(((target - starts) * direction).sum(axis=1) / length2, 0, 1)
            distance = float(np.hypot(*(starts + along[:, None] * direction - target).T).min())
        if distance <= best_distance:
            best, best_distance = index, distance
    return best


def _draw_strokes(painter: QPainter, strokes, brush_width: float, paper: QRectF, colour: QColor = INK) -> None:
    """Strokes in canvas pixels onto `paper`: round caps and joins; a one-point stroke is a dot."""
    painter.save()
    painter.translate(paper.topLeft())
    painter.scale(paper.height() / CANVAS_SIZE, paper.height() / CANVAS_SIZE)
    painter.setPen(QPen(colour, brush_width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for stroke in strokes:
        if len(stroke) == 1:
            painter.drawPoint(QPointF(*stroke[0]))
            continue
        # In pieces sharing their end points: Qt's stroker slows down far more than linearly on one long,
        # self-crossing path (a 60,000-point stroke: 0.9 s as one path, 0.2 s in pieces). The ink is
        # opaque and a round cap covers a round join, so the pieces draw the same stroke.
        for start in range(0, len(stroke) - 1, PATH_POINTS):
            piece = stroke[start:start + PATH_POINTS + 1]
            path = QPainterPath(QPointF(*piece[0]))
            for x, y in piece[1:]:
                path.lineTo(x, y)
            painter.drawPath(path)
    painter.restore()
