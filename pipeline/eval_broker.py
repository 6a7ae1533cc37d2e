"""`wirewatch eval --through-broker`: the corpus through the real pipeline.

An embedded broker on a free port, a `wirewatch run` worker process on a temporary
SQLite store, the corpus ingested in replay order onto one partition; when every
article is stored, the store says where each went, exactly as in the in-process replay.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr

from pipeline.broker import EmbeddedBroker, free_port
from pipeline.evaluate import Corpus, EvalError, Prediction, predictions_in
from pipeline.ingest import ingest
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.worker import spawn_worker, stop_worker
from schemas.tables import articles


def replay_through_broker(
    corpus: Corpus,
    settings: Settings,
    *,
    timeout_s: float = 900.0,
    on_progress: Callable[[int], None] | None = None,
) -> Prediction:
    log_dir = Path(tempfile.gettempdir())
    with tempfile.TemporaryDirectory(prefix="wirewatch-eval-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'eval.db'}"
        store = Store(url)
        store.create_schema()
        port = free_port(settings.broker_host)
        with EmbeddedBroker(
            settings.broker_host, port, log_path=log_dir / f"wirewatch-eval-broker-{port}.log"
        ) as broker:
            run = settings.model_copy(
                update={
                    "bootstrap_servers": broker.bootstrap_servers,
                    "database_url": SecretStr(url),
                    "app_id": f"wirewatch-eval-{uuid.uuid4().hex[:8]}",
                    "web_port": free_port(settings.web_host),
                    # One partition everywhere: the worker sees the corpus in replay order.
                    "articles_partitions": 1,
                    "work_partitions": 1,
                    "session_timeout_s": min(settings.session_timeout_s, 6.0),
                }
            )
            feed = Path(tmp) / "corpus.jsonl"
            feed.write_bytes(b"\n".join(corpus.lines()) + b"\n")
            log_path = log_dir / f"wirewatch-eval-worker-{port}.log"
            worker = spawn_worker(run, log_path)
            try:
                ingest(run, feed, show_progress=False)
                _wait_until_stored(store, len(corpus), worker, log_path, timeout_s, on_progress)
            finally:
                stop_worker(worker)
        try:
            return predictions_in(store)
        finally:
            store.close()


def _wait_until_stored(
    store: Store,
    total: int,
    worker: subprocess.Popen[bytes],
    log_path: Path,
    timeout_s: float,
    on_progress: Callable[[int], None] | None,
) -> None:
    deadline = time.monotonic() + timeout_s
    done = 0
    while done < total:
        stored = store.count(articles)
        if on_progress and stored > done:
            on_progress(stored - done)
        done = max(done, stored)
        if done >= total:
            return
        if worker.poll() is not None:
            raise EvalError(f"the worker exited with code {worker.returncode}; see {log_path}")
        if time.monotonic() > deadline:
            raise EvalError(
                f"only {done}/{total} articles stored after {timeout_s:.0f}s "
                f"(rejected articles never are); see {log_path}"
            )
        time.sleep(0.5)
