"""Official sanctions lists -> one normalised screening index (Parquet), and the ``lists`` CLI.

The index has one row per name (primary name or alias) so the matcher can
block and score names without knowing any list's layout; every row keeps
its list, id, as-of date, programmes and country so a match explains itself.
Readers for each layout live in ``analysis.lists_import``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pycountry

from analysis import lists_import as li

INDEX_FILE = "index.parquet"
PROBLEMS_FILE = "problems.csv"
AS_OF_FILE = "as_of.json"
# CSL rows from these Treasury lists duplicate OFAC's own files when both are imported.
CSL_TREASURY = frozenset({"CSL SDN", "CSL SSI", "CSL PLC", "CSL CMIC", "CSL CAP", "CSL NS-MBS", "CSL FSE"})

INDEX_SCHEMA = pa.schema([
    ("list_source", pa.string()), ("list_id", pa.string()), ("list_as_of", pa.string()),
    ("entity_type", pa.string()), ("list_name", pa.string()), ("name", pa.string()),
    ("name_kind", pa.string()), ("programs", pa.list_(pa.string())), ("country", pa.string()),
])


@dataclass(frozen=True)
class ListFile:
    """One importable input: its kind (sdn, non_sdn, csl, un, opensanctions) and main path."""

    kind: str
    path: Path


def detect(path: Path) -> list[ListFile]:
    """The list files in ``path`` (a file or a folder searched recursively), by name and header.

    OFAC sets are found by their main file; alt/add/comments siblings are read with it.
    """
    if path.is_dir():
        return [f for child in sorted(path.rglob("*")) if child.is_file() for f in detect(child)]
    name = path.name.lower()
    if name == "sdn.csv":
        return [ListFile("sdn", path)]
    if name == "cons_prim.csv":
        return [ListFile("non_sdn", path)]
    if name.endswith(".xml") and "CONSOLIDATED_LIST" in path.read_text(encoding="utf-8", errors="replace")[:2000]:
        return [ListFile("un", path)]
    if name.endswith(".csv"):
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            header = handle.readline().strip().split(",")
        if header[:2] == ["_id", "source"]:
            return [ListFile("csl", path)]
        if header[:3] == ["id", "schema", "name"]:
            return [ListFile("opensanctions", path)]
    return []


def read(item: ListFile) -> li.Imported:
    """Run the reader for one detected file."""
    folder = item.path.parent
    if item.kind == "sdn":
        return li.read_ofac(item.path, "OFAC SDN", folder / "alt.csv", folder / "add.csv",
                            folder / "sdn_comments.csv")
    if item.kind == "non_sdn":
        return li.read_ofac(item.path, "OFAC non-SDN", folder / "cons_alt.csv", folder / "cons_add.csv",
                            folder / "cons_comments.csv")
    if item.kind == "csl":
        return li.read_csl(item.path)
    if item.kind == "un":
        return li.read_un(item.path)
    return li.read_opensanctions(item.path)


def country_codes(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Lower-cased country names, ISO2 and ISO3 codes -> ISO3, from pycountry plus ``extra`` aliases."""
    codes: dict[str, str] = {}
    for country in pycountry.countries:
        for label in (country.alpha_2, country.alpha_3, country.name,
                      getattr(country, "common_name", None), getattr(country, "official_name", None)):
            if label:
                codes[label.lower()] = country.alpha_3
    codes.update({k.lower(): v for k, v in (extra or {}).items()})
    return codes


def to_iso3(value: str | None, codes: dict[str, str]) -> str | None:
    """ISO3 for a list's country text; OFAC's ``Korea, North`` is read as ``North Korea``. Unknown -> None."""
    if not value:
        return None
    text = value.strip().lower()
    if text in codes:
        return codes[text]
    if ", " in text:
        head, tail = text.split(", ", 1)
        return codes.get(f"{tail} {head}")
    return None


def entries_frame(entries: list[li.Entry], as_of: str, codes: dict[str, str]) -> pd.DataFrame:
    """One row per distinct name of each entry."""
    rows = []
    for entry in entries:
        country = to_iso3(entry.country, codes)
        seen: set[str] = set()
        for name, kind in [(entry.name, "primary"), *entry.aliases]:
            if name.upper() in seen:
                continue
            seen.add(name.upper())
            rows.append((entry.list_source, entry.list_id, as_of, entry.entity_type, entry.name, name, kind,
                         list(entry.programs), country))
    return pd.DataFrame(rows, columns=INDEX_SCHEMA.names)


def build(paths: list[Path], as_of: dict[str, str], codes: dict[str, str],
          programs: set[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Import every list file under ``paths`` into (index, problems, as-of per list source).

    ``as_of`` maps a kind (sdn, csl, ...) or ``*`` to a date for files that do not state
    their own. When OFAC files are imported, CSL rows of Treasury lists are left out as
    duplicates (counted under problems as ``superseded``, not lost silently). ``programs``,
    when given, keeps only entries with at least one programme in it (plus CSL lists
    without programme tags, which are export-control lists kept whole).
    """
    items = [item for path in paths for item in detect(Path(path))]
    if not items:
        raise ValueError(f"no list files recognised in {[str(p) for p in paths]}")
    has_ofac = any(i.kind in ("sdn", "non_sdn") for i in items)
    frames, problems, dates = [], [], {}
    for item in items:
        result = read(item)
        date = result.as_of or as_of.get(item.kind) or as_of.get("*") or "unknown"
        keep = []
        for entry in result.entries:
            if has_ofac and entry.list_source in CSL_TREASURY:
                problems.append(li.Problem(entry.list_source, item.path.name, 0, "superseded by the OFAC file",
                                           f"{entry.list_id} {entry.name}"[:120]))
            elif programs is not None and entry.programs and not set(entry.programs) & programs:
                continue  # outside the product's scope by request; counted in the CLI summary
            else:
                keep.append(entry)
        frames.append(entries_frame(keep, date, codes))
        problems.extend(result.problems)
        for entry in keep:
            dates[entry.list_source] = date
    index = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=INDEX_SCHEMA.names)
    problem_frame = pd.DataFrame([p.__dict__ for p in problems],
                                 columns=["list_source", "file", "row", "reason", "preview"])
    return index, problem_frame, dates


def write(index: pd.DataFrame, problems: pd.DataFrame, dates: dict[str, str], out: Path,
          provenance: dict[str, str] | None = None) -> None:
    """Write index, problems and as-of file into ``out`` (each written whole, then renamed)."""
    out.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(index, schema=INDEX_SCHEMA, preserve_index=False)
    tmp = out / (INDEX_FILE + ".tmp")
    pq.write_table(table, tmp, compression="zstd", compression_level=19)
    tmp.replace(out / INDEX_FILE)
    superseded = problems["reason"] == "superseded by the OFAC file"
    problems[~superseded].to_csv(out / PROBLEMS_FILE, index=False)
    counts = problems[superseded].groupby("list_source").size().astype(int).to_dict()
    payload = {"as_of": dates, "entries": index.drop_duplicates(["list_source", "list_id"])
               .groupby("list_source").size().astype(int).to_dict(),
               "superseded_by_ofac": counts, **({"provenance": provenance} if provenance else {})}
    (out / AS_OF_FILE).write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_index(folder: Path) -> pd.DataFrame:
    """The screening index written by ``write`` (raises FileNotFoundError naming the file)."""
    path = Path(folder) / INDEX_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path}: no screening index; build one with `python -m analysis lists import`")
    return pq.read_table(path).to_pandas()


def summary(index: pd.DataFrame, problems: pd.DataFrame) -> str:
    """Counts per list, per programme within each list, and problems per reason (the CLI output)."""
    lines = []
    entries = index.drop_duplicates(["list_source", "list_id"])
    for source, group in entries.groupby("list_source", sort=True):
        n_names = int((index["list_source"] == source).sum())
        lines.append(f"{source}: {len(group)} entries, {n_names} names (as of {group['list_as_of'].iloc[0]})")
        counts = Counter(p for progs in group["programs"] for p in progs)
        for program, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {program}: {n}")
    if len(problems):
        lines.append(f"problems: {len(problems)} rows not used")
        for (source, reason), n in problems.groupby(["list_source", "reason"]).size().items():
            lines.append(f"  {source}: {reason}: {n}")
    return "\n".join(lines)


def _gazetteer_countries(data_dir: Path) -> dict[str, str]:
    """Country names and aliases of data/gazetteer/countries.csv -> ISO3 (Russia, Iran, Burma...)."""
    from analysis.vocab import read_csv_rows

    path = data_dir / "gazetteer" / "countries.csv"
    if not path.exists():
        return {}
    out = {}
    for row in read_csv_rows(path, ["code", "name"]):
        for label in [row["name"], *(row.get("aliases") or "").split("|")]:
            if label.strip():
                out[label.strip()] = row["code"]
    return out


def cli_lists(argv: list[str]) -> int:
    """``python -m analysis lists import PATH... [--out DIR] [--as-of [KIND=]DATE]... [--programs FILE]``."""
    parser = argparse.ArgumentParser(prog="python -m analysis lists")
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="import official list files into a screening index")
    imp.add_argument("paths", nargs="+", type=Path, help="list files or folders (layout detected)")
    imp.add_argument("--out", type=Path, default=None, help="index folder (default: data/lists)")
    imp.add_argument("--as-of", action="append", default=[],
                     help="DATE or KIND=DATE (sdn, non_sdn, csl, un, opensanctions) for files without a date")
    imp.add_argument("--programs", type=Path, default=None,
                     help="text file of programme tags to keep (one per line); default keeps all")
    args = parser.parse_args(argv)
    from analysis.vocab import DATA_DIR

    as_of = dict(a.split("=", 1) if "=" in a else ("*", a) for a in args.as_of)
    keep = None
    if args.programs:
        keep = {line.strip() for line in args.programs.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")}
    try:
        index, problems, dates = build(args.paths, as_of, country_codes(_gazetteer_countries(DATA_DIR)), keep)
    except (ValueError, OSError) as error:
        print(f"lists import: {error}", file=sys.stderr)
        return 2
    out = args.out or DATA_DIR / "lists"
    write(index, problems, dates, out, {"inputs": " ".join(str(p) for p in args.paths)})
    print(summary(index, problems))
    print(f"index: {out / INDEX_FILE} ({len(index)} names); problems listed in {out / PROBLEMS_FILE}")
    return 0
