"""Readable information windows: the model card as a table, keyboard shortcuts, how to read the window, About."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QMessageBox, QPlainTextEdit, QPushButton, QTableWidget,
    QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget,
)

from . import texts
from .worker import ModelInfo


def _table(rows: list[tuple[str, str]], name: str) -> QTableWidget:
    table = QTableWidget(len(rows), 2)
    table.setObjectName(name)
    table.horizontalHeader().hide()
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(True)
    for row, cells in enumerate(rows):
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)  # a label beside its text's first line
            table.setItem(row, column, item)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    # Rows as tall as their text wraps at the width the dialog gives the values, whenever that changes: sized
    # once, before the table was laid out, a few lines sat in a row four times their height.
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _dialog(parent: QWidget, title: str, name: str) -> tuple[QDialog, QVBoxLayout]:
    dialog = QDialog(parent)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.close)
    dialog.finished.connect(dialog.deleteLater)
    layout.addWidget(buttons)  # moved to the end by the caller's inserts
    return dialog, layout


def model_card_dialog(info: ModelInfo | None, parent: QWidget) -> QDialog:
    """The model card: a table of what the model is and how well it does, and its commands to copy."""
    dialog, layout = _dialog(parent, "Model card", "modelCard")
    if info is None:
        layout.insertWidget(0, QLabel("No model is loaded. Pick one in the Model menu, or Model → Load model file…"))
        return dialog
    layout.insertWidget(0, _table(texts.model_card_rows(info), "modelCardTable"), 1)
    warning = texts.preprocess_warning(info)
    if warning:
        note = QLabel(warning)
        note.setStyleSheet("color: #b00020;")
        layout.insertWidget(1, note)
    commands = texts.model_card_commands(info)
    if commands:
        box = QPlainTextEdit(commands)
        box.setObjectName("modelCardCommand")
        box.setReadOnly(True)
        box.setMaximumHeight(box.fontMetrics().lineSpacing() * 5 + 12)
        copy = QPushButton("Copy commands")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(commands))
        layout.insertWidget(layout.count() - 1, QLabel("Reproduce it (model, then figures):"))
        layout.insertWidget(layout.count() - 1, box)
        layout.insertWidget(layout.count() - 1, copy)
    dialog.resize(640, 560)
    return dialog


def shortcuts_dialog(actions: list[QAction], parent: QWidget) -> QDialog:
    """Every action with a shortcut, read from the actions themselves so the list is never out of date."""
    rows = []
    for action in actions:
        keys = [key.toString(QKeySequence.SequenceFormat.NativeText) for key in action.shortcuts()]
        if keys and action.text():
            rows.append((action.text().replace("&", ""), " or ".join(keys)))
    rows += [("Brush thinner / thicker", "[ and ], or Ctrl+wheel on the canvas")]
    dialog, layout = _dialog(parent, "Keyboard shortcuts", "shortcutsDialog")
    layout.insertWidget(0, _table(rows, "shortcutsTable"), 1)
    dialog.resize(460, 520)
    return dialog


def reading_guide_dialog(parent: QWidget) -> QDialog:
    """A short guide to the window's parts."""
    dialog, layout = _dialog(parent, "How to read this window", "readingGuide")
    browser = QTextBrowser()
    browser.setHtml(texts.READING_GUIDE)
    layout.insertWidget(0, browser, 1)
    dialog.resize(560, 460)
    return dialog


def about_box(info: ModelInfo | None, parent: QWidget) -> QMessageBox:
    """Help → About: what the app is, with the model in use."""
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About mnist-pad", texts.about_html(info),
                      QMessageBox.StandardButton.Close, parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box
