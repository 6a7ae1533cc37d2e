"""A tiny local HTTP server that records webhook POSTs, for the webhook tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pipeline.kafka.broker import free_port


@dataclass
class Post:
    at: float
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Receiver:
    """Records every POST. `answers` are the statuses of the first POSTs (then 200)."""

    answers: list[int] = field(default_factory=list)
    url: str = ""
    posts: list[Post] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self) -> list[Post]:
        with self.lock:
            return [p for p in self.posts if 200 <= p.status < 300]

    def alert_ids(self) -> list[str]:
        return [a["alert_id"] for p in self.accepted() for a in p.body["alerts"]]


@contextmanager
def receiving(answers: list[int] | None = None) -> Iterator[Receiver]:
    record = Receiver(answers=list(answers or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with record.lock:
                n = len(record.posts)
                status = record.answers[n] if n < len(record.answers) else 200
                record.posts.append(Post(time.time(), status, body, dict(self.headers)))
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"try again")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    record.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()
