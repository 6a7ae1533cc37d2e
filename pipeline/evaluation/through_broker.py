"""`wirewatch eval --through-broker`: the corpus through the real pipeline.

The local stack (an embedded broker on a free port, a `wirewatch run` worker process)
on a temporary SQLite store, the corpus ingested in replay order onto one partition;
when every article is stored, the store says where each went, exactly as in the
in-process replay.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr

from pipeline.errors import EvalError, StackError
from pipeline.evaluation.replay import Corpus, Prediction, predictions_in
from pipeline.kafka import ingest
from pipeline.runtime.stack import LocalStack
from pipeline.settings import Settings


def replay_through_broker(
    corpus: Corpus,
    settings: Settings,
    *,
    timeout_s: float = 900.0,
    on_progress: Callable[[int], None] | None = None,
) -> Prediction:
    with tempfile.TemporaryDirectory(prefix="wirewatch-eval-") as tmp:
        run = settings.model_copy(
            update={
                "database_url": SecretStr(f"sqlite:///{Path(tmp) / 'eval.db'}"),
                # One partition everywhere: the worker sees the corpus in replay order.
                "articles_partitions": 1,
                "work_partitions": 1,
                "session_timeout_s": min(settings.session_timeout_s, 6.0),
            }
        )
        feed = Path(tmp) / "corpus.jsonl"
        feed.write_bytes(b"\n".join(corpus.lines()) + b"\n")
        done = 0

        def progress(stored: int, _total: int) -> None:
            nonlocal done
            if on_progress and stored > done:
                on_progress(stored - done)
            done = max(done, stored)

        with LocalStack(run, Path(tempfile.gettempdir()), name="wirewatch-eval") as stack:
            ingest(stack.settings, feed, show_progress=False)
            try:
                stack.wait_until_stored(len(corpus), timeout_s, on_progress=progress)
            except StackError as exc:
                raise EvalError(str(exc)) from exc
            return predictions_in(stack.store)
