"""CPU cost of the shared tagger code (``findings.finalise`` and the gazetteer) against another commit's, same run.

The taggers call ``findings.finalise`` and ``vocab.gazetteer.find``; both are shared by every
tagger, so a change to them is measured through each tagger, not through one tagger's swap list.
This script loads ``REF``'s ``finalise`` (from ``analysis/findings.py`` where that file exists at
``REF``, else from ``analysis/schemas.py``, where it lived before) and ``analysis/gazetteer.py`` as stand-alone
modules next to the working tree's, and runs each tagger of the working tree in pipeline-sized
chunks, taking turns between the two sides: ``analysis.findings.finalise`` is pointed at one
side's function and ``vocab.gazetteer`` at one side's loaded gazetteer. It prints, per tagger,
the best CPU seconds of each side and the CPU seconds spent inside ``finalise`` during those runs;
then it times ``finalise`` alone on the captured calls, and checks that every table and every
captured ``finalise`` result is identical (values, column order, dtypes) on both sides.
Places that procurement adds itself ("the IAF") are built from the working tree's
``PlaceMention`` on both sides.
Usage: python bench/bench_finalise.py [CORPUS ...] [--against REF] [--runs N] [--taggers NAME ...]
       [--chunk-size N]   (exit 1 on any difference)
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any, Callable

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import findings, ingest, sentences  # noqa: E402
from analysis.normalise import normalise  # noqa: E402
from analysis.vocab import DATA_DIR, load_vocab  # noqa: E402

DEFAULT = [ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"]
TAGGERS = ("sanctions", "procurement", "positions", "entities")


def _module(ref: str, path: str, name: str, tmp: Path) -> types.ModuleType:
    """``path`` as it is at ``ref``, imported as module ``name`` (its own imports stay ``analysis.*``)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:{path}"],
                            capture_output=True, text=True, check=True).stdout
    file = tmp / f"{name}.py"
    file.write_text(source)
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _has(ref: str, path: str) -> bool:
    """Whether ``path`` exists at ``ref``."""
    return subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{ref}:{path}"],
                          capture_output=True).returncode == 0


def _chunks(paths: list[Path], size: int) -> list[pd.DataFrame]:
    """Articles normalised as the pipeline does, in chunks of ``size`` (rejects left out)."""
    state = ingest.IngestState()
    aliases = ingest.load_column_aliases()
    out = []
    for path in ingest.expand_inputs(paths, state):
        for raw in ingest.iter_raw(path, size, aliases):
            out.append(normalise(raw, str(path), state)[0])
    return out


class _Side:
    """One side's ``finalise`` and gazetteer, with the CPU seconds spent in ``finalise`` during a run."""

    def __init__(self, label: str, finalise: Callable[..., pd.DataFrame], gazetteer: Any, vocab: Any) -> None:
        self.label, self.plain_finalise, self.gazetteer = label, finalise, gazetteer
        self.vocab = dataclasses.replace(vocab, gazetteer=gazetteer)
        self.cpu = 0.0

    def finalise(self, records: Any, table: str, sents: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
        start = time.process_time()
        try:
            return self.plain_finalise(records, table, sents, articles)
        finally:
            self.cpu += time.process_time() - start


class _Recorder:
    """A gazetteer and a ``finalise`` that keep what the tagger asked them (one untimed pass)."""

    def __init__(self, gazetteer: Any) -> None:
        self.gazetteer = gazetteer
        self.texts: list[str] = []
        self.calls: list[tuple[Any, ...]] = []

    def find(self, text: str) -> list[Any]:
        self.texts.append(text)
        return self.gazetteer.find(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.gazetteer, name)

    def finalise(self, records: Any, table: str, sents: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
        records = list(records)
        self.calls.append((records, table, sents, articles))
        return _CURRENT(records, table, sents, articles)


_CURRENT = findings.finalise


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, pd.DataFrame):
        return list(a.columns) == list(b.columns) and list(a.dtypes) == list(b.dtypes) and a.equals(b)
    return [tuple(m) for m in a] == [(m.start, m.end, m.code, m.kind, m.surface) for m in b]


def _alone(label: str, work: list[Any], functions: list[Callable[[Any], Any]], runs: int) -> bool:
    """Best CPU seconds of each side's function over the same captured arguments, and whether results match."""
    cpu: list[list[float]] = [[] for _ in functions]
    results: list[list[Any]] = [[] for _ in functions]
    for _ in range(runs):
        for i, function in enumerate(functions):
            start = time.process_time()
            results[i] = [function(item) for item in work]
            cpu[i].append(time.process_time() - start)
    new, old = min(cpu[0]), min(cpu[1])
    equal = all(_same(a, b) for a, b in zip(*results))
    print(f"  {label} alone on its {len(work)} calls: {old:.3f} -> {new:.3f} CPU-s "
          f"({old / max(new, 1e-9):.2f}x); results {'identical' if equal else 'DIFFERENT'}")
    return equal


def _tagger(name: str, chunks: list[tuple[pd.DataFrame, pd.DataFrame]], sides: list[_Side], vocab: Any,
            runs: int) -> bool:
    """Time one tagger with each side in turn, then its finalise calls and find texts alone."""
    tag = importlib.import_module(f"analysis.taggers.{name}").tag
    recorder = _Recorder(vocab.gazetteer)
    findings.finalise = recorder.finalise
    [tag(c, s, dataclasses.replace(vocab, gazetteer=recorder)) for c, s in chunks]
    cpu: dict[str, list[float]] = {s.label: [] for s in sides}
    fin: dict[str, list[float]] = {s.label: [] for s in sides}
    tables: dict[str, list[pd.DataFrame]] = {}
    for _ in range(runs):
        for side in sides:
            findings.finalise, side.cpu = side.finalise, 0.0
            start = time.process_time()
            tables[side.label] = [tag(c, s, side.vocab) for c, s in chunks]
            cpu[side.label].append(time.process_time() - start)
            fin[side.label].append(side.cpu)
    findings.finalise = _CURRENT
    (new, old), (fnew, fold) = ([min(d[s.label]) for s in sides] for d in (cpu, fin))
    equal = all(_same(a, b) for a, b in zip(*tables.values()))
    rows = sum(len(t) for t in tables[sides[0].label])
    print(f"{name}: {rows} rows; tagger CPU-s {old:.2f} -> {new:.2f} ({old / new:.3f}x); "
          f"finalise inside it {fold:.3f} -> {fnew:.3f} CPU-s; tables {'identical' if equal else 'DIFFERENT'}")
    equal &= _alone("finalise", recorder.calls, [lambda c, f=s.plain_finalise: f(*c) for s in sides], runs)
    if recorder.texts:
        equal &= _alone("gazetteer.find", recorder.texts, [s.gazetteer.find for s in sides], runs)
    return equal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--against", metavar="REF", default="HEAD",
                        help="commit whose finalise and gazetteer.py are the reference (default HEAD)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--taggers", nargs="+", default=list(TAGGERS), choices=TAGGERS)
    parser.add_argument("--chunk-size", type=int, default=2000)
    args = parser.parse_args(argv)

    vocab = load_vocab()
    splitter = sentences.load_splitter(DATA_DIR)
    chunks = [(c, sentences.split_sentences(c, splitter)) for c in _chunks(args.corpus, args.chunk_size)]
    with tempfile.TemporaryDirectory() as tmp:
        home = "analysis/findings.py" if _has(args.against, "analysis/findings.py") else "analysis/schemas.py"
        old_code = _module(args.against, home, "bench_old_finalise", Path(tmp))
        old_gazetteer = _module(args.against, "analysis/gazetteer.py", "bench_old_gazetteer", Path(tmp))
    sides = [_Side("working tree", _CURRENT, vocab.gazetteer, vocab),
             _Side(args.against, old_code.finalise, old_gazetteer.load(DATA_DIR), vocab)]
    print(f"articles: {sum(len(c) for c, _ in chunks)} in {len(chunks)} chunks "
          f"({', '.join(p.name for p in args.corpus)}), best of {args.runs} runs; {args.against} -> working tree")
    try:
        same = all([_tagger(name, chunks, sides, vocab, args.runs) for name in args.taggers])
    finally:
        findings.finalise = _CURRENT
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
