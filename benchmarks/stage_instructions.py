"""Instructions an article costs in the event stage, counted by valgrind's cachegrind.

Unlike a time, the count does not move with the machine's load: two runs of the same code
agree to about a part in a million (the figure per article to a hundredth of a per cent),
where two timed bench runs differ by a tenth. A change worth a few per cent, which no
timing here can show, shows in it.

    python benchmarks/stage_instructions.py [--articles 1600] [--model static]

It makes the bench's seeded feed (no copies) and takes it through the dedup and
embedding stages once. What the event stage reads is kept in the system's temporary
directory, named after the model and the number of articles; later counts reuse it, so
that two versions of the code are counted on the same records (delete it to make it
anew). It then runs the event stage alone under `valgrind --tool=cachegrind` twice: on
the first SKIPPED articles, and on the whole feed. It prints the difference per article,
which leaves out start-up and the first batches. BLAS and numba run on one thread, and
hashing is seeded, so that nothing but the code decides the count; a short run under
valgrind first compiles the loops (or loads them) for its processor. Needs valgrind
(Debian: `apt-get install valgrind`). A count takes about a minute per thousand articles.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SKIPPED = 320  # five batches of 64: the index fills, nothing compiled is left to load
ONE_THREAD = {
    "PYTHONHASHSEED": "0",
    "OPENBLAS_NUM_THREADS": "1",  # BLAS threads that wait by spinning count as work
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1600)
    parser.add_argument("--model", default="static")
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)  # the counted child
    parser.add_argument("--records", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run is not None:
        place(args.records, args.run, args.model)
        return
    if args.articles <= SKIPPED:
        parser.error(f"--articles must be above {SKIPPED}")
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")
    records = Path(tempfile.gettempdir()) / f"wirewatch-stage-{args.model}-{args.articles}.json"
    if not records.exists():
        print(f"making {args.articles} records for the event stage ({args.model})", flush=True)
        prepare(records, args.articles, args.model)
    print("compiling the stage's loops for valgrind's processor", flush=True)
    warm_compiled_loops(records, args.model)
    counts = {}
    for articles in (SKIPPED, args.articles):
        print(f"counting the event stage on {articles} articles under cachegrind", flush=True)
        counts[articles] = instructions(records, articles, args.model)
    per_article = (counts[args.articles] - counts[SKIPPED]) / (args.articles - SKIPPED)
    print(
        f"event stage: {per_article / 1e6:.4f} M instructions an article "
        f"(articles {SKIPPED + 1} to {args.articles}; {args.model})"
    )


def prepare(path: Path, articles: int, model: str) -> None:
    """The feed through the dedup and embedding stages, as the event stage reads it."""
    from pipeline.bench.run import BenchConfig, build_feed, encode_lines
    from pipeline.bench.stages import dedup_alone
    from pipeline.embedding.encoder import load_encoder
    from pipeline.settings import Settings
    from pipeline.stages import with_vectors

    settings = Settings(model=model)
    feed, _ = build_feed(BenchConfig(articles=articles, dup_share=0.0))
    with tempfile.TemporaryDirectory() as workdir:
        deduped = dedup_alone(settings, encode_lines(feed), Path(workdir))
    encoder = load_encoder(model, batch_size=settings.embed_batch_size, threads=1)
    vectors = encoder.encode(deduped.texts)
    records = [r.model_dump_json() for r in with_vectors(deduped.forward, vectors)]
    partial = path.with_suffix(".partial")  # an interrupted run leaves no half file
    partial.write_text(json.dumps(records))
    partial.replace(path)


def warm_compiled_loops(records: Path, model: str) -> None:
    """Fill numba's cache for the processor valgrind presents, which is not the machine's
    own, with every loop the stage calls, as it calls them: otherwise the first count
    after a change to the loops, or on a new machine, includes compiling them (a count of
    320 articles once came out higher than one of 1,600)."""
    under_valgrind(["--tool=none"], records, 64, model, "the run that compiles the loops")


def instructions(records: Path, articles: int, model: str) -> int:
    """Instructions of a child placing the first `articles` records, start-up included."""
    tool = ["--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    stderr = under_valgrind(tool, records, articles, model, "the counted run")
    found = re.search(r"I\s+refs:\s+([\d,]+)", stderr)
    if found is None:
        sys.exit(f"the counted run gave no count:\n{stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def under_valgrind(tool: list[str], records: Path, articles: int, model: str, what: str) -> str:
    """Run a child placing the first `articles` records under valgrind with `tool`, one
    thread and seeded hashing; returns valgrind's report (its stderr), or exits with it."""
    command = [
        *("valgrind", *tool, sys.executable, __file__),
        *("--run", str(articles), "--records", str(records), "--model", model),
    ]
    done = subprocess.run(
        command, env={**os.environ, **ONE_THREAD}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"{what} failed:\n{done.stderr[-2000:]}")
    return done.stderr


def place(records: Path, articles: int, model: str) -> None:
    """The event stage as the bench's `events_alone` runs it, on a store of its own."""
    from pipeline.bench.stages import place_records
    from pipeline.runtime.collector import tune_garbage_collector
    from pipeline.settings import Settings
    from pipeline.stages import InProcessPipeline
    from pipeline.store.store import Store

    tune_garbage_collector()  # as every wirewatch command, the worker included
    settings = Settings(model=model)
    raw = json.loads(records.read_text())[:articles]
    now = datetime(2026, 12, 7, tzinfo=UTC)  # fixed: nothing but the code decides the count
    with tempfile.TemporaryDirectory() as workdir:
        store = Store(f"sqlite:///{Path(workdir) / 'events.db'}")
        store.create_schema()
        place_records(InProcessPipeline(settings, store, None), raw, now)
        store.close()


if __name__ == "__main__":
    main()
