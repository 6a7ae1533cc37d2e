"""The newsroom's side: the live dashboard (board, server, static page in `web/`) and
webhook alerts (rules, and the outbox the workers deliver from)."""

from pipeline.newsroom.alerting import AlertRules
from pipeline.newsroom.board import Board
from pipeline.newsroom.dashboard import run_dashboard
from pipeline.newsroom.webhook import Notifier

__all__ = ["AlertRules", "Board", "Notifier", "run_dashboard"]
