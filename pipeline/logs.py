"""Structured log lines: logfmt (`key=value`, for people and grep) or JSON (one object a
line, for log collectors). Fields passed with `extra={...}` become keys of their own:

    log.info("webhook delivered", extra={"event_id": e, "alerts": 3})
    ts=2026-01-01T03:00:00.123Z level=info logger=wirewatch.webhook \
        msg="webhook delivered" event_id=... alerts=3
"""

from __future__ import annotations

import json
import logging
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


def logging_config(log_format: LogFormat, level: str = "info") -> dict[str, Any]:
    """A logging.config.dictConfig for the whole process (faust's worker takes it too)."""
    formatter_class = JsonFormatter if log_format == "json" else LogfmtFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": f"{__name__}.{formatter_class.__name__}"}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"level": level.upper(), "handlers": ["default"]},
        "loggers": {name: {"level": "WARNING"} for name in _CHATTY} if level != "debug" else {},
    }


def configure(log_format: LogFormat, level: str = "info") -> None:
    import logging.config

    logging.config.dictConfig(logging_config(log_format, level))
