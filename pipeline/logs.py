"""Structured log lines: logfmt (`key=value`, for people and grep) or JSON (one object a
line, for log collectors). Fields passed with `extra={...}` become keys of their own:

    log.info("webhook delivered", extra={"event_id": e, "alerts": 3})
    ts=2026-01-01T03:00:00.123Z level=info logger=wirewatch.webhook \
        msg="webhook delivered" event_id=... alerts=3
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["logfmt", "json"]

# Attributes every LogRecord has: anything else on a record came from `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "ts": datetime.fromtimestamp(record.created, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    for key, value in vars(record).items():
        if key not in _STANDARD and not key.startswith("_"):
            fields[key] = value
    if record.exc_info:
        fields["exc"] = logging.Formatter().formatException(record.exc_info)
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(record_fields(record), ensure_ascii=False, default=str)


class LogfmtFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return " ".join(
            f"{key}={_logfmt_value(value)}" for key, value in record_fields(record).items()
        )


def _logfmt_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text and not any(c in text for c in ' ="\\\n\t'):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("\t", "\\t") + '"'


def formatter(log_format: LogFormat) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else LogfmtFormatter()


# Libraries that narrate their internals at info (every connection attempt, every
# service starting, every model file loaded): their warnings only, unless at debug.
# `faust.worker` stays: its "Ready" line says the worker is up (and its "Starting...").
_CHATTY = (
    "kafka",
    "aiokafka",
    "mode",
    "faust.app",
    "faust.agents",
    "faust.assignor",
    "faust.sensors",
    "faust.tables",
    "faust.transport",
    "faust.web",
    "sentence_transformers",
    "transformers",
    "huggingface_hub",
)


class Tag(logging.Filter):
    """Puts the same fields on every record: which process of several wrote the line."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__()
        self.fields = fields

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in self.fields.items():
            setattr(record, key, value)
        return True


def logging_config(
    log_format: LogFormat, level: str = "info", tag: dict[str, str] | None = None
) -> dict[str, Any]:
    """A logging.config.dictConfig for the whole process (faust's worker takes it too);
    `tag`: fields on every line."""
    formatter_class = JsonFormatter if log_format == "json" else LogfmtFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": f"{__name__}.{formatter_class.__name__}"}},
        "filters": {"tag": {"()": f"{__name__}.Tag", "fields": tag or {}}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "stream": "ext://sys.stdout",
                "filters": ["tag"],
            }
        },
        "root": {"level": level.upper(), "handlers": ["default"]},
        "loggers": {name: {"level": "WARNING"} for name in _CHATTY} if level != "debug" else {},
    }


def configure(
    log_format: LogFormat, level: str = "info", tag: dict[str, str] | None = None
) -> None:
    import logging.config

    logging.config.dictConfig(logging_config(log_format, level, tag))


class RepeatLimiter(logging.Filter):
    """Quiets the chatter of a client that cannot reach its server: of each kind of record
    (same logger, same message template) from loggers under `prefixes`, the first passes,
    then at most one every `interval_s`, which carries `suppressed`, the number left out
    since. Records of other loggers all pass. A Kafka client retrying a dead broker
    writes the same line dozens of times a second; this leaves one a minute."""

    def __init__(
        self,
        prefixes: tuple[str, ...] = ("aiokafka", "kafka"),
        interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.prefixes = prefixes
        self.interval_s = interval_s
        self.clock = clock
        self._last: dict[tuple[str, str], tuple[float, int]] = {}  # kind -> (passed at, left out)

    def filter(self, record: logging.LogRecord) -> bool:
        if not any(record.name == p or record.name.startswith(p + ".") for p in self.prefixes):
            return True
        kind = (record.name, str(record.msg))
        now = self.clock()
        last = self._last.get(kind)
        if last is not None and now - last[0] < self.interval_s:
            self._last[kind] = (last[0], last[1] + 1)
            return False
        self._last[kind] = (now, 0)
        if last is not None and last[1]:
            record.suppressed = last[1]
        return True


def quiet_kafka_clients(interval_s: float = 60.0) -> RepeatLimiter:
    """Put a RepeatLimiter on every handler of the root logger (so on every record that
    reaches one, whichever logger it came from)."""
    limiter = RepeatLimiter(interval_s=interval_s)
    for handler in logging.getLogger().handlers:
        handler.addFilter(limiter)
    return limiter
