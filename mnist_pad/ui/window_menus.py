"""The main window's menu bar, built from the actions its parts hand it.

The window owns File, Edit and Help; Learning hands it the Model menu's learning actions, Why its
View actions. No part edits another's menu.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from .model_menu import ModelMenu


@dataclass
class EditActions:
    """Edit → Undo, Redo, Clear (enabled as the drawing allows)."""

    undo: QAction
    redo: QAction
    clear: QAction


def make_action(window: QMainWindow, text: str, slot: Callable | None, shortcut, name: str) -> QAction:
    """An action of the window; its shortcuts work even where the menu bar is hidden."""
    action = QAction(text, window)
    action.setObjectName(name)
    if shortcut is not None:
        action.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
    if slot is not None:
        action.triggered.connect(slot)
    window.addAction(action)
    return action


def build_menus(window, model_actions: list[QAction], view_actions: list[QAction]) -> tuple[EditActions, ModelMenu]:
    """File, Edit, Model, View and Help for `window` (a MainWindow); returns the Edit actions and the Model menu."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(make_action(window, "Open image…", window.files.choose_picture, QKeySequence.StandardKey.Open, "actionOpenImage"))
    file_menu.addAction(make_action(window, "Save drawing as PNG…", window.files.choose_png, QKeySequence.StandardKey.Save, "actionSavePng"))
    file_menu.addSeparator()
    file_menu.addAction(make_action(window, "Quit", window.close, QKeySequence.StandardKey.Quit, "actionQuit"))
    edit = EditActions(
        make_action(window, "Undo", window.undo, QKeySequence("Ctrl+Z"), "actionUndo"),
        make_action(window, "Redo", window.redo, [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")], "actionRedo"),
        make_action(window, "Clear", window.clear, [QKeySequence("Esc"), QKeySequence("Delete")], "actionClear"))
    bar.addMenu("&Edit").addActions([edit.undo, edit.redo, edit.clear])
    load = make_action(window, "Load model file…", window.files.choose_model_file, None, "actionLoadModel")
    card = make_action(window, "Model card…", window.show_model_card, None, "actionModelCard")
    window.addActions(model_actions + view_actions)  # their shortcuts too work without the menu bar
    model_menu = ModelMenu([load, card, *model_actions], window)
    bar.addMenu(model_menu)
    view = bar.addMenu("&View")
    view.setObjectName("viewMenu")
    view.addActions(view_actions)
    help_menu = bar.addMenu("&Help")
    help_menu.setObjectName("helpMenu")
    help_menu.addAction(make_action(window, "How to read this window", lambda: _info_dialogs().reading_guide_dialog(window).open(),
                                    None, "actionReadingGuide"))
    help_menu.addAction(make_action(window, "Keyboard shortcuts", lambda: _info_dialogs().shortcuts_dialog(window.actions(), window).open(),
                                    None, "actionShortcuts"))
    help_menu.addAction(make_action(window, "About mnist-pad", window.show_about, None, "actionAbout"))
    return edit, model_menu


class UndoKeysToTheDrawing(QObject):
    """Lets Ctrl+Z / Ctrl+Y / Ctrl+Shift+Z reach the window's Undo and Redo from a number box,
    whose own text undo would otherwise swallow them while it has the focus."""

    KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and (
                any(event.matches(key) for key in self.KEYS) or event.keyCombination().toCombined()
                == QKeySequence("Ctrl+Y")[0].toCombined()):
            event.ignore()  # not overridden: the window's shortcut fires
            return True
        return False


def _info_dialogs():
    """The Help dialogs' module, imported when one is first opened: its widget classes and texts cost the
    window ~40 ms on its way to the screen (the median of five launches on the issues' 2-core machine)."""
    from . import info_dialogs

    return info_dialogs
