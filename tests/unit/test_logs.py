"""Structured log lines: logfmt and JSON, with the fields given in `extra`."""

from __future__ import annotations

import json
import logging

from pipeline.logs import JsonFormatter, LogfmtFormatter


def record(msg: str, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("wirewatch.test", logging.WARNING, __file__, 1, msg, None, None)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_logfmt_quotes_what_needs_it() -> None:
    line = LogfmtFormatter().format(record('retry "soon"\nplease', event_id="ev-1", alerts=3))
    assert line.startswith("ts=")
    assert ' level=warning logger=wirewatch.test msg="retry \\"soon\\"\\nplease"' in line
    assert line.endswith(" event_id=ev-1 alerts=3")
    assert "\n" not in line


def test_json_has_one_object_per_line_with_the_extras() -> None:
    fields = json.loads(JsonFormatter().format(record("delivered", event_id="ev-1", alerts=3)))
    assert fields["level"] == "warning" and fields["msg"] == "delivered"
    assert (fields["event_id"], fields["alerts"]) == ("ev-1", 3)
    assert fields["ts"].endswith("Z")
