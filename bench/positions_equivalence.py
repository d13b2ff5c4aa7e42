"""Does a speed change leave the positions rows unchanged? Old and new taggers run in this process, same input.

Positions code is shared: one engineer may change its behaviour (positions.py, positions_sender.py,
stance.py, data files) while another makes it faster. So the reference is not an older commit
but the same working tree with only the swapped files (by default the attribution modules and
stance_lexicon.py) taken from ``REF``. Both sides are copies of analysis/taggers' positions
modules made at the same moment into two temporary packages (imports rewritten to point at
them) and read the same data files, articles, sentences and gazetteer, so any difference comes
from the swapped files alone. Every article of ../shared/corpus/news.jsonl.gz,
procurement.jsonl.gz and data/sample is tagged; the rows (every column but the evidence text)
must be identical, in the same order.
Usage: python bench/positions_equivalence.py [REF] [--swap GLOB ...]   (REF defaults to HEAD; exit 1
on any difference). A speed change to the orchestrator alone: ``REF --swap positions.py``, so the
rule changes teammates make meanwhile in the other modules are the same on both sides.

Caveat: the modules import one another, so a swapped file runs with the working tree's copies of
the files not swapped (``--swap attribution.py`` mixes an old attribution.py with a new
attribution_phrase.py); it is not that file's behaviour in isolation. To compare against a whole
older state, give REF as a directory (a worktree: ``git worktree add /tmp/base HEAD``): every
positions module (``positions*.py stance*.py attribution*.py``) then comes from it unless
``--swap`` says otherwise. Modules outside those (schemas, gazetteer, vocab) are the working tree's
on both sides.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import gazetteer, sentences  # noqa: E402
from bench.equivalence_inputs import SHARED, load_articles, report  # noqa: E402
from bench.equivalence_inputs import rows as _rows  # noqa: E402

MODULES = ("positions*.py", "stance*.py", "attribution*.py")   # the positions tagger's modules
SWAP = ("attribution*.py", "stance_lexicon.py")                 # the speed work's files


def _git(ref: str, path: str) -> str | None:
    """The file at ``path`` in commit ``ref``, or in the tree at directory ``ref``; None when absent."""
    if Path(ref).is_dir():
        file = Path(ref) / path
        return file.read_text() if file.is_file() else None
    done = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:{path}"], capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else None


def _listing(ref: str) -> list[str]:
    """File names in analysis/taggers of commit or directory ``ref``."""
    if Path(ref).is_dir():
        return sorted(p.name for p in (Path(ref) / "analysis" / "taggers").glob("*.py"))
    listing = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", ref, "analysis/taggers/"],
                             capture_output=True, text=True, check=True).stdout.split()
    return [Path(p).name for p in listing]


def default_swap(ref: str | None) -> tuple[str, ...]:
    """Whole positions package from a directory REF (a worktree); the speed work's files from a commit."""
    return MODULES if ref is not None and Path(ref).is_dir() else SWAP


def tagger(tmp: Path, package: str, ref: str | None = None, swap: tuple[str, ...] = SWAP) -> types.ModuleType:
    """The positions module of the working tree as package ``package``; with ``ref``, the files matching
    ``swap`` come from that commit (a swapped file missing there is left out)."""
    folder = tmp / package
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    taggers = ROOT / "analysis" / "taggers"
    names = sorted({p.name for pattern in MODULES for p in taggers.glob(pattern)})
    if ref is not None:
        names += [n for n in _listing(ref) if any(fnmatch.fnmatch(n, g) for g in swap)]
    for name in sorted(set(names)):
        swapped = ref is not None and any(fnmatch.fnmatch(name, g) for g in swap)
        source = _git(ref, f"analysis/taggers/{name}") if swapped else (taggers / name).read_text()
        if source is None:
            continue
        source = source.replace("from analysis.taggers import ", f"from {package} import ")
        (folder / name).write_text(source.replace("analysis.taggers.", f"{package}."))
    if str(tmp) not in sys.path:
        sys.path.insert(0, str(tmp))
    return importlib.import_module(f"{package}.positions")


def rows(frame: pd.DataFrame) -> pd.DataFrame:
    return _rows(frame, sort=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", nargs="?", default="HEAD",
                        help="a commit, or a directory holding a whole older tree (a git worktree)")
    parser.add_argument("--swap", nargs="+", default=None, metavar="GLOB",
                        help=f"files of analysis/taggers taken from REF (default: {' '.join(MODULES)} for a "
                             f"directory REF, else {' '.join(SWAP)}); the files not swapped, which the swapped "
                             "ones import, are the working tree's, so one swapped file is not isolated")
    args = parser.parse_args(argv)
    args.swap = args.swap or list(default_swap(args.ref))
    if not (SHARED / "news.jsonl.gz").exists():
        print(f"skipped: {SHARED} is absent")
        return 0
    articles = load_articles()
    data = ROOT / "data"
    sents = sentences.split_sentences(articles, sentences.load_splitter(data))
    gaz = gazetteer.load(data)
    tmp = Path(tempfile.mkdtemp())
    try:
        old = tagger(tmp, "eq_positions_old", args.ref, tuple(args.swap))
        new = tagger(tmp, "eq_positions_new")
        before = old.tag(articles, sents, types.SimpleNamespace(gazetteer=gaz, positions=old.load(data)))
        after = new.tag(articles, sents, types.SimpleNamespace(gazetteer=gaz, positions=new.load(data)))
    finally:
        shutil.rmtree(tmp)
    same = report(rows(before), rows(after),
                  f"articles: {len(articles)}, sentences: {len(sents)}; rows with {' '.join(args.swap)} of {args.ref}",
                  ["article_id", "sentence", "speaker_country", "topic", "stance", "rule"])
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
