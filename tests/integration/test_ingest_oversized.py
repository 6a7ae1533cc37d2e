"""Issue 13, items 2 and 3: `wirewatch ingest` never stops at a bad line (one over the
message size limit is dead-lettered with its line number, the rest is sent), and
`wirewatch dlq` reads the dead-letter topic back."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.feeds import SyntheticFeed
from pipeline.kafka.broker import port_open
from pipeline.kafka.topics import ensure_topics
from pipeline.store.store import Store
from schemas.messages import DeadLetter
from tests.support.cli import CLI, Default
from tests.support.paths import ROOT
from tests.support.workers import produce, unique_settings, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def default(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Default]:
    user = Default(tmp_path, request.node.name)
    yield user
    user.close()


def big_line(article_id: str, size: int) -> bytes:
    body = "word " * (size // 5)
    return json.dumps({"id": article_id, "source": "big.example", "body": body}).encode()


def test_a_line_over_a_mebibyte_is_dead_lettered_and_the_rest_is_stored(
    default: Default, tmp_path: Path
) -> None:
    lines = list(SyntheticFeed(23).lines(10))
    lines.insert(5, big_line("the-big-one", 1_200_000))  # line 6
    lines.insert(8, b"")  # line 9: blank
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"\n".join(lines) + b"\n")
    worker = default.run()

    sent = default.command("ingest", "--quiet", str(feed))
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "sent 10 messages, dead-lettered 1, skipped 1 blank line" in sent.stdout
    assert "line 6:" in sent.stderr and "message_too_large" in sent.stderr
    store = Store(default.database_url)
    wait_for(lambda: _stored(store) >= 10, 120, message="10 articles stored")

    out = default.command("dlq", "--json")
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(records) == 1
    (record,) = records
    assert record["reason"] == "message_too_large"
    assert record["article_id"] == "the-big-one"
    assert "line 6" in record["detail"]
    assert record["original_size"] == len(lines[5]) and record["truncated"]
    assert record["original_head"].startswith('{"id": "the-big-one"')

    table = default.command("dlq")
    assert table.returncode == 0, table.stderr
    assert "message_too_large" in table.stdout and "the-big-one" in table.stdout
    assert default.command("dlq", "--reason", "not_json", "--json").stdout == ""

    # The last run to stop leaves the embedded broker while a dead letter waits on it (a
    # person has yet to read it, or send it back once mended): it is still there after.
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    assert "dead letters wait on articles.dlq" in default.log_path("run").read_text()
    assert port_open("127.0.0.1", default.broker_port)
    assert len(default.command("dlq", "--json").stdout.splitlines()) == 1


def _stored(store: Store) -> int:
    try:
        return store.count_articles()
    except Exception:  # no schema yet
        return 0


def test_dlq_follow_prints_dead_letters_as_they_arrive(kafka_servers: str, tmp_path: Path) -> None:
    settings = unique_settings(kafka_servers, f"sqlite:///{tmp_path / 'unused.db'}")
    ensure_topics(settings)
    before = DeadLetter.of(b"{", "not_json", "first", topic="articles", received_at=NOW)
    produce(settings, [before.model_dump_json().encode()], topic=settings.topic_dlq)
    follow = ["--follow", "--json", "--topic", settings.topic_dlq, "--reason", "empty_body"]
    reader = subprocess.Popen(
        [*CLI, "dlq", "--bootstrap-servers", kafka_servers, *follow],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        later = DeadLetter.of(
            b'{"id": "later-1", "source": "s", "body": ""}',
            "empty_body",
            "body is empty",
            topic="articles",
            received_at=NOW,
        )
        time.sleep(2)  # the reader is at the end of the topic, following it
        produce(settings, [later.model_dump_json().encode()], topic=settings.topic_dlq)
        assert reader.stdout is not None
        ready, _, _ = select.select([reader.stdout], [], [], 60)
        assert ready, "nothing printed within 60 s"
        record = json.loads(reader.stdout.readline())
        assert record["reason"] == "empty_body" and record["article_id"] == "later-1"
    finally:
        reader.send_signal(signal.SIGINT)
        code = reader.wait(20)
    assert code == 0  # Ctrl-C ends --follow quietly
