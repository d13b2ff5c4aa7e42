"""Command line: ``python -m analysis run|evaluate|lists ...``.

User errors (bad paths, formats, a locked output folder, a broken vocabulary)
print one line on stderr and exit with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analysis import settings

EXIT_USER_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="process articles into finding tables")
    run.add_argument("inputs", nargs="+", help="CSV, JSON Lines (.gz), Parquet files or folders")
    run.add_argument("--out", required=True, type=Path, help="output folder for the Parquet tables")
    run.add_argument("--chunk-size", type=int, default=settings.get_int("chunk_size"),
                     help="articles per chunk (bounds memory)")
    run.add_argument("--full", action="store_true", help="re-tag every article, ignoring the previous run")
    run.add_argument("--engine", choices=("pandas", "dask"), default="pandas",
                     help="pandas (one machine) or dask (partitions on a LocalCluster or --scheduler)")
    run.add_argument("--scheduler", default=None, help="address of a Dask distributed scheduler")
    run.add_argument("--workers", type=int, default=settings.get_int("workers"),
                     help="processes tagging chunks in parallel (pandas engine)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    evaluate = sub.add_parser("evaluate", help="score findings against gold labels")
    evaluate.add_argument("--gold", required=True, type=Path, help="gold JSONL (see ../shared/eval)")
    evaluate.add_argument("--corpus", required=True, nargs="+", help="files or folders holding the gold articles")
    evaluate.add_argument("--json", action="store_true", help="machine-readable output")
    evaluate.add_argument("--errors", action="store_true", help="list every false positive and negative")

    lists = sub.add_parser("lists", help="sanctions-list index: import official files")
    lists.add_argument("args", nargs=argparse.REMAINDER, help="import PATH... [--out DIR]")
    return parser


def _run(args: argparse.Namespace) -> int:
    from analysis import pipeline

    bars: list = []  # created on the first chunk, so user errors print alone

    def progress(rows: int, rejected: int) -> None:
        if args.quiet:
            return
        if not bars:
            from tqdm import tqdm
            bars.append(tqdm(unit=" art", file=sys.stderr, desc="articles", smoothing=0.1))
        bars[0].update(rows)

    try:
        if args.engine == "dask":
            from analysis import dask_engine
            report = dask_engine.run(args.inputs, args.out, chunk_size=args.chunk_size,
                                     scheduler=args.scheduler, incremental=not args.full)
        else:
            report = pipeline.run(args.inputs, args.out, chunk_size=args.chunk_size, progress=progress,
                                  incremental=not args.full, workers=args.workers)
    finally:
        for bar in bars:
            bar.close()
    print(f"{report['rows_in']} rows in: {report['accepted']} accepted, {report['rejected']} rejected"
          f" ({', '.join(f'{k} {v}' for k, v in report['rejects_by_reason'].items()) or 'none'});"
          f" {report['unchanged_reused']} unchanged articles re-used from the previous run", file=sys.stderr)
    counts = ", ".join(f"{t} {n}" for t, n in report["counts"].items())
    print(f"wrote {args.out}: {counts} ({report['elapsed_s']} s)", file=sys.stderr)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from analysis import evaluate

    if not args.gold.exists():
        raise FileNotFoundError(f"gold file not found: {args.gold}")
    report = evaluate.evaluate(args.gold, args.corpus)
    if args.json:
        payload = report.as_dict()
        if args.errors:
            payload["errors"] = report.errors
        print(json.dumps(payload, indent=2, default=list))
    else:
        print(evaluate.format_report(report, errors=args.errors))
    return 0


def main(argv: list[str] | None = None) -> int:
    from analysis.ingest import InputError
    from analysis.store import StoreLocked
    from analysis.vocab import VocabError

    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "evaluate":
            return _evaluate(args)
        from analysis import lists
        return lists.cli_lists(args.args)
    except (InputError, StoreLocked, VocabError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted: previous tables left unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
