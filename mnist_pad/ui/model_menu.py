"""Model menu: the shipped models, the user's saved models, the model actions after them, and a
"Delete saved model" submenu (the user's models only: shipped ones are never offered)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from .. import paths
from .worker import SavedModelEntry


class ModelMenu(QMenu):
    """One checkable entry per model (shipped first, then "My models"); emits what was chosen."""

    model_chosen = Signal(str)  # a shipped model's name or a checkpoint path
    delete_requested = Signal(str)  # path of a saved model the user wants deleted (confirmation is the handler's)

    def __init__(self, trailing: list[QAction], parent: QWidget | None = None):
        super().__init__("&Model", parent)
        self.setObjectName("modelMenu")
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.trailing = trailing
        self.saved: list[SavedModelEntry] = []
        self.current: str | None = None
        self.rebuild()

    def set_saved_models(self, entries: list[SavedModelEntry]) -> None:
        """List these user models under "My models"."""
        self.saved = list(entries)
        self.rebuild()

    def set_current(self, spec: str | None) -> None:
        """Tick the entry of the model in use; a file loaded from elsewhere gets an entry of its own."""
        self.current = spec
        if spec is not None and spec not in [action.data() for action in self.group.actions()]:
            self.rebuild()  # adds the "Loaded file" entry
        for action in self.group.actions():
            action.setChecked(action.data() == spec)

    def rebuild(self) -> None:
        """List every model, then the trailing actions and the delete submenu."""
        self.clear()
        for action in self.group.actions():
            self.group.removeAction(action)
        sections = {len(paths.SHIPPED_MODELS): "My models"}
        entries = [(name, name) for name in paths.SHIPPED_MODELS]
        entries += [(entry.label, entry.path) for entry in self.saved]
        if self.current is not None and self.current not in [spec for _, spec in entries]:
            sections[len(entries)] = "Loaded file"
            entries.append((Path(self.current).name, self.current))
        for index, (label, spec) in enumerate(entries):
            if index in sections:
                self.addSection(sections[index])
            action = QAction(label, self.group, checkable=True)
            action.setData(spec)
            action.triggered.connect(lambda _=False, spec=spec: self.model_chosen.emit(spec))
            self.addAction(action)
        self.addSeparator()
        self.addActions(self.trailing)
        self.delete_menu = self.addMenu("Delete saved model")
        self.delete_menu.setObjectName("deleteModelMenu")
        self.delete_menu.setEnabled(bool(self.saved))
        for entry in self.saved:
            action = self.delete_menu.addAction(f"{entry.label}…")
            action.triggered.connect(lambda _=False, path=entry.path: self.delete_requested.emit(path))
        self.set_current(self.current)
