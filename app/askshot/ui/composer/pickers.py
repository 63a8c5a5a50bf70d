"""The model and effort pickers beside the message box.

The model box is editable: any id can be typed. It lists what the provider offers (its catalog,
core.catalog): the recent choices on top, then the models that take images, each with its price
in a tooltip; typing filters the list by any part of the id (OpenRouter lists hundreds), through
a completer over the same item model. The effort box shows only for reasoning models.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QStyledItemDelegate, QWidget

from askshot.core import providers
from askshot.core.providers import effort_for
from askshot.core.settings import with_recent
from askshot.ui.qt.lazy import Qt

if TYPE_CHECKING:  # the value types load after the first paint
    from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QStyleOptionViewItem

    from askshot.core.catalog import CatalogModel
    from askshot.core.types import Effort

BUILTIN_MODELS: tuple[str, ...] = ("o4-mini", "gpt-4o-mini")
DETAIL_ROLE = 0x0100 + 1  # Qt.ItemDataRole.UserRole + 1: a listed model's price and images
POPUP_WIDTH = 380


class ModelPicker(QWidget):
    """`model_box` and `effort_box` side by side; `modelChanged` fires when a new id is
    committed (picked, or typed and confirmed), `effortChanged` when the effort changes."""

    modelChanged = Signal(str)
    effortChanged = Signal(str)

    def __init__(
        self,
        model: str,
        effort: str,
        recent: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model.strip() or providers.DEFAULT_MODEL

        self.model_box = QComboBox()
        self.model_box.setEditable(True)
        self.model_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_box.setAccessibleName(self.tr("Model"))
        self.model_box.setToolTip(self.tr("Model (type any model id your endpoint offers)"))
        self.model_box.setMinimumContentsLength(12)
        self.model_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self._recent = list(recent) if self._model in recent else with_recent(recent, self._model)
        self.model_box.addItems(
            [*self._recent, *(m for m in BUILTIN_MODELS if m not in self._recent)]
        )
        self.model_box.setCurrentIndex(self.model_box.findText(self._model))
        self.model_box.activated.connect(self.commit)
        self.model_box.setMaxVisibleItems(16)
        line_edit = self.model_box.lineEdit()
        if line_edit is not None:
            line_edit.setAccessibleName(self.tr("Model"))
            line_edit.editingFinished.connect(self.commit)

        self.effort_box = QComboBox()
        self.effort_box.setAccessibleName(self.tr("Reasoning effort"))
        self.effort_box.setToolTip(
            self.tr("Reasoning effort: more thinking is slower and costs more")
        )
        self._wanted_effort: Effort = effort  # the user's choice; each model gets its nearest
        self.effort_box.currentIndexChanged.connect(self._on_effort_changed)

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.model_box)
        row.addWidget(self.effort_box)
        QWidget.setTabOrder(self.model_box, self.effort_box)
        self._update_effort()

    def model(self) -> str:
        return self._model

    def recent(self) -> list[str]:
        """The recent choices, latest first (kept in the settings: Settings.recent_models)."""
        return list(self._recent)

    def effort(self) -> Effort | None:
        """The reasoning effort, or None when the model does not reason."""
        if not providers.model(self._model).reasoning:
            return None
        value = self.effort_box.currentData()
        return providers.effort_for(self._model, value if isinstance(value, str) else None)

    def set_model(self, model_id: str) -> None:
        self.model_box.setEditText(model_id)
        self.commit()

    def set_models(self, model_ids: list[str]) -> None:
        """Offer more ids (from a connection test); the current one stays."""
        for model_id in model_ids:
            if model_id and self.model_box.findText(model_id) < 0:
                self.model_box.addItem(model_id)

    def after_first_paint(self) -> None:
        """Typing filters the list by any part of the id, case-insensitively, in a popup (the
        completer needs Qt's enum namespace, which waits for the first paint)."""
        from PySide6.QtWidgets import QCompleter, QListView

        completer = QCompleter(self.model_box.model(), self.model_box)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(12)
        self.model_box.setCompleter(completer)
        # Each row says what the model costs and whether it reads images, in the list and in
        # the filtered popup alike; both are wide enough for a vendor/model id and its price.
        for view in (self.model_box.view(), completer.popup()):
            if view is None:
                continue
            view.setItemDelegate(_ModelDelegate(view))
            view.setMinimumWidth(POPUP_WIDTH)
            if isinstance(view, QListView):  # one row's size for all: no measuring 400 rows
                view.setUniformItemSizes(True)

    def set_catalog(self, models: Sequence[CatalogModel]) -> None:
        """List what the provider offers after the recent choices: image-capable models, then
        the rest; each with what it costs. The current id stays, offered or not."""
        from askshot.core.catalog import with_builtin

        known = {m.id: with_builtin(m) for m in models}
        order = list(self._recent)  # listed or not: the user chose them (typing any id works)
        order += sorted(
            (i for i in known if i not in order), key=lambda i: (known[i].vision is not True, i)
        )
        box = self.model_box
        box.blockSignals(True)
        try:
            box.clear()
            for model_id in order:
                box.addItem(model_id)
                info = known.get(model_id)
                if info is not None:
                    row = box.count() - 1
                    box.setItemData(row, _describe(info), Qt.ItemDataRole.ToolTipRole)
                    box.setItemData(row, _detail(info), DETAIL_ROLE)
            box.setCurrentIndex(box.findText(self._model))
        finally:
            box.blockSignals(False)

    def commit(self) -> None:
        """Take what the model box shows as the model (an empty box goes back to the last)."""
        model_id = self.model_box.currentText().strip()
        if not model_id:
            self.model_box.setEditText(self._model)
            return
        if self.model_box.findText(model_id) < 0:
            self.model_box.addItem(model_id)
        self.model_box.setCurrentIndex(self.model_box.findText(model_id))
        if model_id == self._model:
            return
        self._model = model_id
        self._recent = with_recent(self._recent, model_id)
        self._update_effort()
        self.modelChanged.emit(model_id)

    def _update_effort(self) -> None:
        """The efforts this model takes (its family's), the wanted one or its nearest chosen."""
        info = providers.model(self._model)
        self.effort_box.setVisible(info.reasoning)
        if info.reasoning:
            self.effort_box.blockSignals(True)
            try:
                fill_efforts(
                    self.effort_box, info.efforts, effort_for(self._model, self._wanted_effort)
                )
            finally:
                self.effort_box.blockSignals(False)

    def _on_effort_changed(self, _index: int) -> None:
        value = self.effort_box.currentData()
        if value:
            self._wanted_effort = str(value)
            self.effortChanged.emit(str(value))


def effort_label(value: Effort) -> str:
    """How an effort reads in a list: "medium effort"; "none" is "no reasoning"."""
    return "no reasoning" if value == "none" else f"{value} effort"


def fill_efforts(box: QComboBox, efforts: Sequence[Effort], chosen: Effort | None) -> None:
    """Offer these efforts (lowest first) in `box`, `chosen` selected; kept as they are when the
    list is the same, so a focused box does not jump."""
    if [box.itemData(i) for i in range(box.count())] != list(efforts):
        box.clear()
        for value in efforts:
            box.addItem(box.tr(effort_label(value)), value)
    box.setCurrentIndex(max(0, box.findData(chosen)))


def _detail(m: CatalogModel) -> str:
    """The short line beside a listed model: "text only" where it takes no images, and its
    price in and out per 1M tokens."""
    parts = ["text only"] if m.vision is False else []
    if m.price is not None:
        parts.append(f"${m.price.input:g} / ${m.price.output:g}")
    if m.shutdown is not None:
        parts.append(f"until {m.shutdown.isoformat()}")
    return " · ".join(parts)


class _ModelDelegate(QStyledItemDelegate):
    """A model id, and its detail (price, images, shutdown) right-aligned in a muted colour."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)
        detail = index.data(DETAIL_ROLE)
        if not detail:
            return
        from PySide6.QtGui import QPalette
        from PySide6.QtWidgets import QStyle

        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = (
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText
        )
        painter.save()
        painter.setPen(option.palette.color(role))
        rect = option.rect.adjusted(0, 0, -8, 0)
        painter.drawText(
            rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), detail
        )
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        detail = index.data(DETAIL_ROLE)
        if detail:
            size.setWidth(size.width() + option.fontMetrics.horizontalAdvance(detail) + 24)
        return size


def _describe(m: CatalogModel) -> str:
    """The tooltip of a listed model: images, context, price, shutdown."""
    parts = [
        {True: "takes images", False: "text only", None: "images: unknown"}[m.vision],
    ]
    if m.context:
        parts.append(f"{m.context:,} tokens of context")
    if m.price is not None:
        parts.append(f"${m.price.input:g} in / ${m.price.output:g} out per 1M tokens")
    if m.shutdown is not None:
        parts.append(f"shuts down {m.shutdown.isoformat()}")
    return f"{m.id}: " + ", ".join(parts)
