"""Does the sanctions tagger give the same rows as an earlier commit? Both run in this process, on the same input.

The tagger modules and the rule table of ``REF`` are extracted from git into a temporary
package (imports rewritten to point at it) and run beside the working tree's tagger on the same
articles, sentences and gazetteer, so a teammate's gazetteer edit cannot pass for a difference.
Every article of ../shared/corpus/news.jsonl.gz, procurement.jsonl.gz and data/sample is tagged;
the rows (every column but the evidence text, which is the sentence) must be identical.
Usage: python bench/sanctions_equivalence.py [REF]   (REF defaults to HEAD; exit 1 on any difference)
"""

from __future__ import annotations

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
from analysis.taggers import sanctions  # noqa: E402

MODULES = ("sanctions", "sanctions_rules", "sanctions_resolve")


def _git(ref: str, path: str) -> str | None:
    done = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:{path}"], capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else None


def old_tagger(ref: str, tmp: Path) -> tuple[types.ModuleType, Path]:
    """The sanctions module of ``ref`` and a data folder holding its rule files (the gazetteer is today's)."""
    package = tmp / "old_sanctions"
    package.mkdir()
    (package / "__init__.py").write_text("")
    listing = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", ref, "analysis/taggers/", "data/rules/"],
                             capture_output=True, text=True, check=True).stdout.split()
    for path in listing:
        name = Path(path).name
        if path.startswith("analysis/") and name.startswith("sanctions") and name.endswith(".py"):
            source = _git(ref, path) or ""
            (package / name).write_text(source.replace("analysis.taggers.sanctions", "old_sanctions.sanctions"))
    data = tmp / "data"
    (data / "rules").mkdir(parents=True)
    for path in listing:
        if path.startswith("data/rules/sanctions"):
            (data / "rules" / Path(path).name).write_text(_git(ref, path) or "")
    for sub in (ROOT / "data").iterdir():
        if sub.name != "rules":
            (data / sub.name).symlink_to(sub)
    sys.path.insert(0, str(tmp))
    return importlib.import_module("old_sanctions.sanctions"), data


def rows(frame: pd.DataFrame) -> pd.DataFrame:
    return _rows(frame, sort=True)


def main() -> int:
    ref = sys.argv[1] if len(sys.argv) > 1 else "HEAD"
    if not (SHARED / "news.jsonl.gz").exists():
        print(f"skipped: {SHARED} is absent")
        return 0
    articles = load_articles()
    sents = sentences.split_sentences(articles, sentences.load_splitter(ROOT / "data"))
    gaz = gazetteer.load(ROOT / "data")
    tmp = Path(tempfile.mkdtemp())
    try:
        old, old_data = old_tagger(ref, tmp)
        before = old.tag(articles, sents, types.SimpleNamespace(gazetteer=gaz, sanctions=old.load(old_data),
                                                                catalogue=None))
    finally:
        shutil.rmtree(tmp)
    after = sanctions.tag(articles, sents, types.SimpleNamespace(gazetteer=gaz, sanctions=sanctions.load(ROOT / "data"),
                                                                 catalogue=None))
    same = report(rows(before), rows(after), f"articles: {len(articles)}, sentences: {len(sents)}; rows {ref}",
                  ["article_id", "sentence", "sender", "target", "action", "regime", "rule"])
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
