"""The Runs tab: the runs table (:mod:`.table`), its pages (:mod:`.compare`, :mod:`.scrub`, :mod:`.lr_finder`,
:mod:`.sweep`), their background task (:mod:`.tasks`), and the panel that composes them (:mod:`.panel`)."""

from nnstudio.gui.panels.runs.panel import RunsPanel
from nnstudio.gui.panels.runs.table import COLUMNS, RUN_ROLE

__all__ = ["COLUMNS", "RUN_ROLE", "RunsPanel"]
