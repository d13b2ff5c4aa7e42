"""Readers for the official sanctions-list layouts, each into the same normalised entry records.

Every reader returns an ``Imported``: the entries it understood and a list of
``Problem`` rows for everything it could not use (wrong field count, missing
id or name, an alias or address pointing at no listing). Nothing is dropped
without a problem row, so ``rows read = entries + problems`` can be checked.
Each entry carries its primary name and all aliases; ``analysis.lists`` turns
them into one row per name for the screening index.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

OFAC_NULL = "-0-"
CSV_SEP = "; "


@dataclass
class Entry:
    """One listing: its id within its list, names and programmes (mutable while a file is read)."""

    list_source: str
    list_id: str
    entity_type: str  # entity, individual, vessel, aircraft
    name: str
    programs: list[str]
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (name, kind: aka/fka/nka/remarks)
    country: str | None = None  # country name or ISO2/ISO3 as the list writes it
    source_file: str = ""


@dataclass(frozen=True)
class Problem:
    """A row that was read but not used, with the reason an analyst can act on."""

    list_source: str
    file: str
    row: int  # 1-based line or record number in the file
    reason: str
    preview: str


@dataclass
class Imported:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    as_of: str | None = None  # as stated by the file itself, when it states one


def _ofac_value(raw: str) -> str:
    value = raw.strip()
    return "" if value == OFAC_NULL else value


def _read_ofac_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Rows of an OFAC legacy CSV (no header, latin-1, trailing Ctrl-Z line skipped)."""
    text = path.read_text(encoding="latin-1")
    rows = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or (len(row) == 1 and row[0].strip() in ("", "\x1a")):
            continue
        rows.append((number, row))
    return rows


def _remarks_akas(remarks: str) -> list[str]:
    """The ``a.k.a. 'NAME'`` items OFAC writes inside Remarks (aliases not repeated in alt.csv)."""
    names, marker = [], "a.k.a. '"
    start = remarks.find(marker)
    while start >= 0:
        end = remarks.find("'", start + len(marker))
        if end < 0:
            break
        names.append(remarks[start + len(marker):end].strip())
        start = remarks.find(marker, end)
    return [n for n in names if n]


OFAC_TYPES = {"": "entity", "individual": "individual", "vessel": "vessel", "aircraft": "aircraft"}


def read_ofac(main: Path, list_source: str, alt: Path | None = None, add: Path | None = None,
              comments: Path | None = None) -> Imported:
    """OFAC SDN or non-SDN legacy CSV set: main file (12 fields), aliases (5), addresses (6), remarks (2)."""
    out = Imported()
    by_id: dict[str, Entry] = {}
    remarks: dict[str, str] = {}

    def problem(file: Path, number: int, reason: str, row: list[str]) -> None:
        out.problems.append(Problem(list_source, file.name, number, reason, ",".join(row)[:120]))

    for number, row in _read_ofac_rows(main):
        if len(row) != 12:
            problem(main, number, f"expected 12 fields, found {len(row)}", row)
            continue
        ent, name = _ofac_value(row[0]), _ofac_value(row[1])
        if not ent.isdigit():
            problem(main, number, "ent_num missing or not a number", row)
            continue
        if not name:
            problem(main, number, "name missing", row)
            continue
        if ent in by_id:
            problem(main, number, f"duplicate ent_num {ent}", row)
            continue
        kind = OFAC_TYPES.get(_ofac_value(row[2]).lower())
        if kind is None:
            problem(main, number, f"unknown SDN_Type {row[2].strip()!r}", row)
            continue
        programs = [p.strip() for p in _ofac_value(row[3]).split("] [") if p.strip()]
        by_id[ent] = Entry(list_source, ent, kind, name, programs, source_file=main.name)
        remarks[ent] = _ofac_value(row[11])
    if comments and comments.exists():
        for number, row in _read_ofac_rows(comments):
            if len(row) != 2 or row[0].strip() not in by_id:
                problem(comments, number, "remarks row for no listing" if len(row) == 2
                        else f"expected 2 fields, found {len(row)}", row)
                continue
            remarks[row[0].strip()] += _ofac_value(row[1])
    if alt and alt.exists():
        for number, row in _read_ofac_rows(alt):
            if len(row) != 5:
                problem(alt, number, f"expected 5 fields, found {len(row)}", row)
            elif row[0].strip() not in by_id:
                problem(alt, number, "alias for no listing in the main file", row)
            elif not _ofac_value(row[3]):
                problem(alt, number, "alias name missing", row)
            else:
                by_id[row[0].strip()].aliases.append((_ofac_value(row[3]), _ofac_value(row[2]) or "aka"))
    if add and add.exists():
        for number, row in _read_ofac_rows(add):
            if len(row) != 6:
                problem(add, number, f"expected 6 fields, found {len(row)}", row)
            elif row[0].strip() not in by_id:
                problem(add, number, "address for no listing in the main file", row)
            else:
                entry = by_id[row[0].strip()]
                entry.country = entry.country or (_ofac_value(row[4]) or None)
    for ent, entry in by_id.items():
        known = {entry.name.upper(), *(a.upper() for a, _ in entry.aliases)}
        for name in _remarks_akas(remarks.get(ent, "")):
            if name.upper() not in known:
                entry.aliases.append((name, "remarks"))
                known.add(name.upper())
    out.entries = list(by_id.values())
    return out


CSL_REQUIRED = ("_id", "source", "name", "type", "programs", "alt_names", "addresses")
# Commerce and State lists leave ``type`` blank (people and firms alike): kept as "unknown".
CSL_TYPES = {"entity": "entity", "individual": "individual", "vessel": "vessel", "aircraft": "aircraft"}


def csl_short_source(source: str) -> str:
    """``Entity List (EL) - Bureau of Industry and Security`` -> ``CSL EL``: the list's own abbreviation."""
    head = source.split(" - ")[0]
    if "(" in head and ")" in head:
        return "CSL " + head[head.rfind("(") + 1:head.rfind(")")].replace(" List", "")
    return "CSL " + head


def read_csl(path: Path) -> Imported:
    """US Consolidated Screening List CSV (header row, 29 columns, ``; ``-joined multi-values)."""
    out = Imported()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        missing = [c for c in CSL_REQUIRED if c not in header]
        if missing:
            out.problems.append(Problem("CSL", path.name, 1, f"missing columns {missing}", ",".join(header)[:120]))
            return out
        col = {name: i for i, name in enumerate(header)}
        for number, row in enumerate(reader, start=2):
            if len(row) != len(header):
                out.problems.append(Problem("CSL", path.name, number,
                                            f"expected {len(header)} fields, found {len(row)}", ",".join(row)[:120]))
                continue
            get = lambda name: row[col[name]].strip()  # noqa: E731 - local column accessor
            source = csl_short_source(get("source")) if get("source") else ""
            if not get("_id") or not get("name") or not source:
                out.problems.append(Problem(source or "CSL", path.name, number, "id, name or source missing",
                                            ",".join(row)[:120]))
                continue
            kind = CSL_TYPES.get(get("type").lower(), "unknown")
            programs = [p.strip() for p in get("programs").split(";") if p.strip()]
            entry = Entry(source, get("entity_number") or get("_id"), kind, get("name"), programs,
                          source_file=path.name)
            entry.aliases = [(a.strip(), "aka") for a in get("alt_names").split(";") if a.strip()]
            address = get("addresses").split(";")[0].strip()
            code = address.rsplit(",", 1)[-1].strip() if "," in address else ""
            entry.country = code if len(code) == 2 and code.isalpha() else None
            out.entries.append(entry)
    return out


def read_un(path: Path) -> Imported:
    """UN Security Council Consolidated List XML (INDIVIDUALS/INDIVIDUAL and ENTITIES/ENTITY)."""
    out = Imported()
    root = ET.parse(path).getroot()
    stamp = root.get("dateGenerated") or ""
    out.as_of = stamp[:10] or None
    for tag, kind in (("INDIVIDUAL", "individual"), ("ENTITY", "entity")):
        for number, node in enumerate(root.iter(tag), start=1):
            parts = [(node.findtext(p) or "").strip() for p in
                     ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
            name, ref = " ".join(p for p in parts if p), (node.findtext("REFERENCE_NUMBER") or "").strip()
            if not name or not ref:
                out.problems.append(Problem("UN", path.name, number, f"{tag} without name or reference number",
                                            (node.findtext("DATAID") or "")[:120]))
                continue
            program = (node.findtext("UN_LIST_TYPE") or "").strip()
            entry = Entry("UN", ref, kind, name, [f"UN-{program}"] if program else [], source_file=path.name)
            for alias in node.iter(f"{tag}_ALIAS"):
                alias_name = (alias.findtext("ALIAS_NAME") or "").strip()
                if alias_name:
                    entry.aliases.append((alias_name, "aka"))
            address = node.find(f"{tag}_ADDRESS")
            entry.country = ((address.findtext("COUNTRY") or "").strip() or None) if address is not None else None
            out.entries.append(entry)
    return out


OPENSANCTIONS_TYPES = {"Person": "individual", "Vessel": "vessel", "Airplane": "aircraft"}


def read_opensanctions(path: Path) -> Imported:
    """OpenSanctions ``targets.simple.csv``: id, schema, name, aliases, countries, sanctions, dataset..."""
    out = Imported()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("id", "schema", "name") if c not in (reader.fieldnames or [])]
        if missing:
            out.problems.append(Problem("OpenSanctions", path.name, 1, f"missing columns {missing}", ""))
            return out
        for number, row in enumerate(reader, start=2):
            if None in row or any(v is None for v in row.values()):
                out.problems.append(Problem("OpenSanctions", path.name, number, "field count differs from header",
                                            str(row.get("id"))[:120]))
                continue
            if not row["id"].strip() or not row["name"].strip():
                out.problems.append(Problem("OpenSanctions", path.name, number, "id or name missing",
                                            str(row)[:120]))
                continue
            split = lambda v: [x.strip() for x in (v or "").split(";") if x.strip()]  # noqa: E731
            programs = split(row.get("program_ids")) or split(row.get("sanctions"))
            dataset = (row.get("dataset") or row.get("datasets") or "").split(";")[0].strip()
            entry = Entry("OpenSanctions" + (f" {dataset}" if dataset else ""), row["id"].strip(),
                          OPENSANCTIONS_TYPES.get(row["schema"].strip(), "entity"), row["name"].strip(), programs,
                          source_file=path.name)
            entry.aliases = [(a, "aka") for a in split(row.get("aliases"))]
            countries = split(row.get("countries"))
            entry.country = countries[0] if countries else None
            out.entries.append(entry)
    return out
