"""The `wirewatch` command."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from pipeline.errors import WirewatchError
from pipeline.runtime.collector import tune_garbage_collector
from pipeline.settings import Settings, default_of

MODEL_HELP = (
    "use-m3 (default, multilingual), static (the static lane, multilingual, fastest), "
    "minilm (English), minilm-onnx-int8, hashing, or a model directory"
)


def load_settings(**overrides: Any) -> Settings:
    """Environment variables, then the flags given on the command line."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise click.UsageError(f"invalid setting: {exc}") from exc


def _d(name: str) -> str:
    """A setting's default, in brackets, for a help text."""
    return f"[{default_of(name)}]"


def _opt_servers(f: Any) -> Any:
    return click.option(
        "--bootstrap-servers",
        help="Kafka bootstrap servers "
        "[env WIREWATCH_BOOTSTRAP_SERVERS; default: the embedded broker]",
    )(f)


def _opt_database(f: Any) -> Any:
    return click.option(
        "--database-url",
        help=f"SQLAlchemy URL [env WIREWATCH_DATABASE_URL; default {default_of('database_url')}]",
    )(f)


@click.group()
@click.version_option(package_name="wirewatch")
def main() -> None:
    """wirewatch: streaming news deduplication and event clustering."""
    # Every long command (run, eval, train, bench) makes many small objects that their
    # reference counts free: collect cycles rarely (pipeline/runtime/collector.py).
    tune_garbage_collector()


@main.command()
@_opt_servers
@_opt_database
@click.option(
    "--model",
    help=MODEL_HELP,
)
@click.option("--broker-port", type=int, help=f"port of the embedded broker {_d('broker_port')}")
@click.option("--web-port", type=int, help=f"the worker's web port (/metrics) {_d('web_port')}")
@click.option("--app-id", help=f"consumer group and internal topic prefix {_d('app_id')}")
@click.option("--topic-articles", help=f"input topic {_d('topic_articles')}")
@click.option("--topic-updates", help=f"output topic of event changes {_d('topic_updates')}")
@click.option("--topic-alerts", help=f"alerts topic {_d('topic_alerts')}")
@click.option("--topic-dlq", help=f"dead-letter topic {_d('topic_dlq')}")
@click.option(
    "--work-partitions", type=int, help=f"partitions of the embedding stage {_d('work_partitions')}"
)
@click.option(
    "--event-threshold",
    type=float,
    help="match score (probability) needed to join an event [the model's own]",
)
@click.option(
    "--live-window-h", type=float, help=f"hours an event stays open {_d('live_window_h')}"
)
@click.option("--dup-jaccard", type=float, help=f"Jaccard similarity of a copy {_d('dup_jaccard')}")
@click.option(
    "--stages",
    help="the stages this worker runs, comma-separated: dedup, embed, events "
    "[all; e.g. dedup,embed here and events in a second worker, on another core]",
)
@click.option(
    "--split",
    type=click.Choice(["auto", "on", "off"]),
    help="every stage as two processes, dedup and embedding in one, the event stage in "
    f"the other, each on a core of its own (auto: with two cores or more) {_d('split')}",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
)
def run(log_level: str, **overrides: Any) -> None:
    """Run a worker (and the embedded broker when no bootstrap servers are set)."""
    from pipeline.runtime.split import run_split, split_of

    settings = load_settings(**overrides)
    if groups := split_of(settings):
        from pipeline.logs import configure

        configure(settings.log_format, log_level)
        sys.exit(run_split(settings, groups, "--log-level", log_level))
    from agents import for_stages
    from pipeline.runtime.worker import run_worker

    run_worker(settings, for_stages(settings.stage_set), loglevel=log_level)


@main.command()
@click.option("--port", type=int, help=f"port to listen on {_d('broker_port')}")
@click.option("--host", help=f"address to listen on {_d('broker_host')}")
@click.option(
    "--stop",
    is_flag=True,
    help="stop the embedded broker that `wirewatch run` started on this port, and exit",
)
def broker(port: int | None, host: str | None, stop: bool) -> None:
    """Run the embedded broker alone, in the foreground (memory only); or, with --stop,
    stop the one `wirewatch run` left running."""
    from pipeline.kafka.broker import EmbeddedBroker

    settings = load_settings(broker_port=port, broker_host=host)
    if stop:
        from pipeline.kafka.detached import DetachedBroker

        stopped = DetachedBroker(settings).stop_if_unused()
        where = f"{settings.broker_host}:{settings.broker_port}"
        if stopped is None:
            click.echo(f"no embedded broker recorded on {where}")
        else:
            click.echo(f"embedded broker on {where} stopped (pid {stopped.pid})")
        return
    stop_event = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_event.set())
    with EmbeddedBroker(settings.broker_host, settings.broker_port) as embedded:
        click.echo(
            f"embedded broker listening on {embedded.bootstrap_servers} (memory only; "
            f"log {embedded.log_path}); Ctrl-C stops it"
        )
        while not stop_event.wait(0.5):
            if not embedded.running:
                raise click.ClickException(f"the broker exited; see {embedded.log_path}")
    click.echo("broker stopped")


@main.command()
@click.argument("feed", type=click.Path(dir_okay=False, allow_dash=True))
@_opt_servers
@click.option("--topic", "topic_articles", help=f"input topic {_d('topic_articles')}")
@click.option("--quiet", is_flag=True, help="no progress bar")
def ingest(feed: str, quiet: bool, **overrides: Any) -> None:
    """Produce a JSON Lines feed (or - for stdin) onto the input topic. A line over the
    message size limit is dead-lettered (reason message_too_large) and the rest is sent."""
    from pipeline.kafka.ingest import ingest as produce

    if feed != "-" and not Path(feed).exists():
        raise click.BadParameter(f"no such file: {feed}", param_hint="FEED")
    report = produce(load_settings(**overrides), feed, show_progress=not quiet)
    for note in report.notes:
        click.echo(note, err=True)
    blanks = f"{report.blank} blank line" + ("s" if report.blank != 1 else "")
    click.echo(
        f"sent {report.sent} messages"
        + (f", dead-lettered {report.dead_lettered}" if report.dead_lettered else "")
        + (f", skipped {blanks}" if report.blank else "")
        + (f", {report.failed} not sent (see above)" if report.failed else "")
    )
    if report.failed:
        sys.exit(1)


@main.command()
@_opt_servers
@_opt_database
@click.option("--topic", "topic_dlq", help=f"dead-letter topic {_d('topic_dlq')}")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object per dead letter")
@click.option("--follow", is_flag=True, help="keep reading as dead letters arrive")
@click.option(
    "--reason", "reasons", multiple=True, help="only this reason (repeatable), e.g. not_json"
)
@click.option("--article", "articles", multiple=True, help="only this article id (repeatable)")
@click.option(
    "--requeue",
    is_flag=True,
    help="send the originals of the dead letters chosen back to the topics they came from",
)
@click.option("--again", is_flag=True, help="with --requeue: also those sent back before")
def dlq(
    as_json: bool,
    follow: bool,
    reasons: tuple[str, ...],
    articles: tuple[str, ...],
    requeue: bool,
    again: bool,
    **overrides: Any,
) -> None:
    """Read the dead-letter topic: time, reason, detail, article id, start of the original,
    and when it was sent back. Without --follow it reads to the end and exits. With
    --requeue, once the cause is mended, the originals go back to be taken again, each
    once (the store records it; the dead letters stay on the topic)."""
    from pipeline.cli.dlq import run_dlq

    if requeue and follow:
        raise click.UsageError("--requeue reads the dead letters to the end: drop --follow")
    if again and not requeue:
        raise click.UsageError("--again goes with --requeue")
    try:
        code = run_dlq(
            load_settings(**overrides),
            as_json_lines=as_json,
            follow=follow,
            reasons=set(reasons),
            articles=set(articles),
            requeue=requeue,
            again=again,
        )
    except KeyboardInterrupt:
        code = 0
    sys.exit(code)


@main.command()
@_opt_database
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of tables")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="at most this many events, most recent first [all]",
)
def events(as_json: bool, limit: int | None, **overrides: Any) -> None:
    """Print the event clusters in the store (which it never creates)."""
    from pipeline.cli.present import print_events
    from pipeline.store.store import open_existing

    store = open_existing(load_settings(**overrides).database)
    clusters = store.event_clusters(limit)
    if as_json:
        click.echo(json.dumps(clusters, ensure_ascii=False, indent=2))
    else:
        print_events(clusters)


def _desk_options(f: Any) -> Any:
    """What every correction command takes."""
    for option in reversed(
        [
            click.option("--by", default=_default_editor(), show_default=True, help="who asks"),
            click.option("--note", default="", help="why, for the record"),
            click.option(
                "--timeout",
                "timeout_s",
                type=float,
                default=60.0,
                show_default=True,
                help="seconds to wait for a worker to apply it",
            ),
            click.option("--json", "as_json", is_flag=True, help="print the record as JSON"),
        ]
    ):
        f = option(f)
    return _opt_servers(_opt_database(f))


def _default_editor() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return ""


def _correct(action: Any, overrides: dict[str, Any], **fields: Any) -> None:
    from pipeline.cli.desk import run_correction
    from pipeline.newsroom.desk import make_correction

    by, note = overrides.pop("by"), overrides.pop("note")
    timeout_s, as_json = overrides.pop("timeout_s"), overrides.pop("as_json")
    correction = make_correction(action, by=by, note=note, **fields)
    run_correction(load_settings(**overrides), correction, timeout_s, as_json)


@main.command()
@click.argument("into_event")
@click.argument("from_event")
@_desk_options
def merge(into_event: str, from_event: str, **overrides: Any) -> None:
    """Merge FROM_EVENT into INTO_EVENT: one happening, one event from now on."""
    _correct("merge", overrides, event_id=into_event, from_event_id=from_event)


@main.command()
@click.argument("article_id")
@click.option("--to", "to_event", help="the event it belongs to")
@click.option("--new", "new_event", is_flag=True, help="an event of its own")
@_desk_options
def move(article_id: str, to_event: str | None, new_event: bool, **overrides: Any) -> None:
    """Move ARTICLE_ID (and its wire copies) to another event, or to a new one."""
    if bool(to_event) == new_event:
        raise click.UsageError("give either --to EVENT_ID or --new")
    _correct("move", overrides, event_id=to_event, article_ids=[article_id])


@main.command()
@click.argument("event_id")
@click.argument("article_ids", nargs=-1, required=True)
@_desk_options
def split(event_id: str, article_ids: tuple[str, ...], **overrides: Any) -> None:
    """Take the ARTICLE_IDS (and their wire copies) out of EVENT_ID, together, as a new event."""
    _correct("split", overrides, event_id=event_id, article_ids=list(article_ids))


@main.command()
@click.argument("event_id")
@click.argument("article_id")
@_desk_options
def pin(event_id: str, article_id: str, **overrides: Any) -> None:
    """Show EVENT_ID under ARTICLE_ID's headline (its canonical article) until unpinned."""
    _correct("pin", overrides, event_id=event_id, article_ids=[article_id])


@main.command()
@click.argument("event_id")
@_desk_options
def unpin(event_id: str, **overrides: Any) -> None:
    """Let the pipeline choose EVENT_ID's headline again."""
    _correct("unpin", overrides, event_id=event_id)


@main.command()
@_opt_database
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.option(
    "--export",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the applied ones as labelled pairs, JSON Lines (training data)",
)
def corrections(as_json: bool, export: Path | None, **overrides: Any) -> None:
    """List the desk's corrections (who, when, what, note, outcome)."""
    from pipeline.cli.desk import list_corrections

    list_corrections(load_settings(**overrides), as_json, export)


@main.command()
@_opt_database
@click.option(
    "--model",
    help=MODEL_HELP,
)
@click.option(
    "--feed",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a JSON Lines feed instead of the bundled sample",
)
def demo(feed: Path | None, **overrides: Any) -> None:
    """Start everything on embedded defaults, ingest the sample feed, print the events."""
    from pipeline.cli.demo import run_demo

    sys.exit(run_demo(load_settings(**overrides), feed))


@main.command()
@_opt_servers
@_opt_database
@click.option("--port", "dashboard_port", type=int, help=f"port of the page {_d('dashboard_port')}")
@click.option("--host", "dashboard_host", help=f"address to listen on {_d('dashboard_host')}")
def dashboard(**overrides: Any) -> None:
    """Serve the live dashboard of the event clusters (from the store, then live)."""
    from pipeline.logs import configure
    from pipeline.newsroom.dashboard import run_dashboard

    settings = load_settings(**overrides)
    configure(settings.log_format)
    run_dashboard(settings)


@main.command(name="eval")
@click.argument("corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--label-field",
    default="event_id",
    show_default=True,
    help="the field holding the gold event label",
)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@click.option(
    "--through-broker",
    is_flag=True,
    help="send the corpus through the real pipeline on an embedded broker",
)
@click.option("--sweep", is_flag=True, help="replay over a grid of thresholds; table and plot")
@click.option("--thresholds", help="sweep grid: 0.1,0.2 or start:stop:step [0.05:0.40:0.025]")
@click.option(
    "--vary",
    multiple=True,
    metavar="SETTING=V1,V2",
    help="also sweep this setting (repeatable), e.g. event_time_weight=0,0.4",
)
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default="sweep.png",
    show_default=True,
    help="where the sweep plot goes",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="embedding cache [~/.cache/wirewatch]",
)
@click.option("--no-cache", is_flag=True, help="embed everything again, cache nothing")
@click.option(
    "--model",
    help=MODEL_HELP,
)
@click.option("--quiet", is_flag=True, help="no progress bar")
def eval_command(
    corpus: Path,
    cache_dir: Path | None,
    no_cache: bool,
    model: str | None,
    vary: tuple[str, ...],
    **options: Any,
) -> None:
    """Replay a labelled corpus through the pipeline's stages and score the events
    (BCubed, pairwise) and the near-duplicates."""
    from pipeline.cli.eval import default_cache_dir, run_eval

    try:
        code = run_eval(
            corpus,
            load_settings(model=model),
            vary=vary,
            cache_dir=None if no_cache else cache_dir or default_cache_dir(),
            **options,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    sys.exit(code)


@main.command()
@click.argument(
    "corpora", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="the model file to write (then WIREWATCH_EVENT_MODEL=FILE)",
)
@click.option("--label-field", default="event_id", show_default=True, help="the gold event label")
@click.option(
    "--group-field",
    default="topic",
    show_default=True,
    help="cross-validation folds by this field (the label where it is missing)",
)
@click.option(
    "--thresholds",
    default="0.15:0.6:0.05",
    show_default=True,
    help="event thresholds (a part's score to join an event) to replay; the one whose worst "
    "corpus is best is kept ('' skips)",
)
@click.option(
    "--check",
    "checks",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a corpus the threshold is chosen on too, not learned from (repeatable)",
)
@click.option(
    "--c", "c", type=float, default=0.05, show_default=True, help="inverse regularisation"
)
@click.option(
    "--cross-language-cosine",
    type=click.FloatRange(0, 1),
    help="two parts in no common language match where their closest members reach this "
    "cosine (it depends on the embedding model) [default: use-m3's, CROSS_LANGUAGE_COSINE "
    "in pipeline/events/model.py]",
)
@click.option("--model", help=MODEL_HELP)
@click.option("--quiet", is_flag=True, help="no progress bar")
def train(
    corpora: tuple[Path, ...],
    out: Path,
    label_field: str,
    group_field: str,
    thresholds: str,
    checks: tuple[Path, ...],
    c: float,
    cross_language_cosine: float | None,
    model: str | None,
    quiet: bool,
) -> None:
    """Learn the event match scores from labelled corpora (JSON Lines, as for eval)."""
    from pipeline.cli.train import run_train

    run_train(
        list(corpora),
        out,
        load_settings(model=model),
        label_field=label_field,
        group_field=group_field,
        thresholds=thresholds,
        checks=list(checks),
        c=c,
        cross_language_cosine=cross_language_cosine,
        quiet=quiet,
        command=" ".join(["wirewatch", *sys.argv[1:]]),
    )


@main.command()
@click.option("--articles", type=click.IntRange(10), default=2000, show_default=True,
              help="articles in the feed")  # fmt: skip
@click.option("--dup-share", type=click.FloatRange(0, 0.95), default=0.5, show_default=True,
              help="share of the feed that is wire copies")  # fmt: skip
@click.option("--seed", type=int, default=7, show_default=True, help="seed of the feed")
@click.option(
    "--feed",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="originals from a JSON Lines file instead of generated ones",
)
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True,
              help="worker processes sharing the embedding; one is measured as `wirewatch "
              "run` runs it (two processes where WIREWATCH_SPLIT splits it)")  # fmt: skip
@click.option(
    "--stages",
    "worker_stages",
    multiple=True,
    help="the stages of one worker (WIREWATCH_STAGES), once per worker: "
    "--stages dedup,embed --stages events runs two workers so split",
)
@click.option("--torch-threads", type=click.IntRange(0), default=0,
              help="model threads per worker [cores / workers]")  # fmt: skip
@click.option(
    "--scale",
    "scale_sizes",
    default="1000,10000,100000",
    show_default=True,
    help="history sizes for the matching-cost table (empty: skip it)",
)
@click.option("--model", help=MODEL_HELP)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def bench(
    as_json: bool,
    scale_sizes: str,
    model: str | None,
    workers: int,
    worker_stages: tuple[str, ...],
    **options: Any,
) -> None:
    """Benchmark the real pipeline against the raw speed of its model."""
    from pipeline.bench.run import split_stages
    from pipeline.cli.bench import run_bench_command

    sizes = tuple(int(s) for s in scale_sizes.split(",") if s.strip())
    if worker_stages:
        if workers not in (1, len(worker_stages)):
            raise click.UsageError(f"--workers {workers} with {len(worker_stages)} --stages")
        try:
            worker_stages = split_stages(worker_stages)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        workers = len(worker_stages)
    settings = load_settings(model=model)
    sys.exit(
        run_bench_command(
            settings,
            as_json,
            scale_sizes=sizes,
            workers=workers,
            stages=worker_stages,
            **options,
        )
    )


def entry() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        main(standalone_mode=True)
    except WirewatchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    entry()
