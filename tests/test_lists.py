"""Importers for each official list layout, the index they build, and the ``lists import`` CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import lists, lists_import

FIXTURES = Path(__file__).parent / "fixtures" / "lists"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "lists"
DATA = Path(__file__).resolve().parents[1] / "data"


def test_ofac_sdn_reads_entries_aliases_addresses_and_reports_bad_rows():
    result = lists.read(lists.ListFile("sdn", FIXTURES / "ofac" / "sdn.csv"))
    acme = {e.list_id: e for e in result.entries}["100"]
    assert acme.programs == ["RUSSIA-EO14024", "CAATSA - RUSSIA"]
    assert ("ACME ROCKET WORKS", "aka") in acme.aliases and ("ACME RW", "remarks") in acme.aliases
    assert acme.country == "Russia" and acme.entity_type == "entity"
    reasons = sorted(p.reason for p in result.problems)
    assert reasons == ["alias for no listing in the main file", "ent_num missing or not a number",
                       "expected 12 fields, found 5", "expected 5 fields, found 3", "name missing"]
    assert {e.list_id for e in result.entries} == {"100", "101"}


def test_non_sdn_csl_un_and_opensanctions_layouts():
    non_sdn = lists.read(lists.ListFile("non_sdn", FIXTURES / "ofac_non_sdn" / "cons_prim.csv"))
    assert [a for a, _ in non_sdn.entries[0].aliases] == ["WIDGET INDUSTRIES PRESIDENCY", "PWI"]
    csl = lists_import.read_csl(FIXTURES / "csl" / "csl.csv")
    assert [(e.list_source, e.name, e.country) for e in csl.entries][0] == ("CSL EL", "Gadget Shipyard JSC", "RU")
    assert sorted(p.reason for p in csl.problems) == ["expected 29 fields, found 4", "id, name or source missing"]
    un = lists_import.read_un(FIXTURES / "un" / "consolidated.xml")
    assert un.as_of == "2025-01-02" and un.entries[0].programs == ["UN-DPRK"]
    assert len(un.problems) == 1
    os_ = lists_import.read_opensanctions(FIXTURES / "opensanctions" / "targets.simple.csv")
    assert os_.entries[0].list_source == "OpenSanctions us_ofac_sdn" and os_.entries[0].programs == ["IRAN"]
    assert [p.reason for p in os_.problems] == ["id or name missing"]


def test_build_counts_every_row_and_drops_csl_treasury_copies_as_superseded(tmp_path):
    index, problems, dates = lists.build([FIXTURES], {"*": "2024-01-01"}, lists.country_codes({"Russia": "RUS"}))
    assert set(index["list_source"]) == {"OFAC SDN", "OFAC non-SDN", "CSL EL", "UN", "OpenSanctions us_ofac_sdn"}
    assert "superseded by the OFAC file" in set(problems["reason"])
    assert dates["UN"] == "2025-01-02" and dates["OFAC SDN"] == "2024-01-01"
    acme = index[index["list_id"] == "100"]
    assert set(acme["country"]) == {"RUS"} and len(acme) == 3  # primary + alt.csv alias + remarks a.k.a.
    lists.write(index, problems, dates, tmp_path)
    assert len(lists.read_index(tmp_path)) == len(index)


def test_cli_prints_counts_per_list_and_programme(tmp_path, capsys):
    assert lists.cli_lists(["import", str(FIXTURES / "ofac"), "--out", str(tmp_path), "--as-of", "2024-05-03"]) == 0
    out = capsys.readouterr().out
    assert "OFAC SDN: 2 entries" in out and "CAATSA - RUSSIA: 1" in out and "problems: 5 rows not used" in out
    assert lists.cli_lists(["import", str(tmp_path / "nothing-here")]) == 2


def test_bundled_index_has_its_as_of_dates_and_the_seed_entities():
    index = lists.read_index(DATA / "lists")
    assert (DATA / "lists" / lists.AS_OF_FILE).exists()
    usc = index[(index["list_source"] == "OFAC SDN") & (index["list_id"] == "16886")]
    assert set(usc["list_as_of"]) == {"2024-05-03"}
    assert list(usc["programs"].iloc[0]) == ["UKRAINE-EO13661", "RUSSIA-EO14024"]


@pytest.mark.skipif(not (SHARED / "ofac" / "sdn.csv").exists(), reason="../shared/lists snapshot not present")
def test_shared_sdn_snapshot_imports_without_malformed_rows():
    result = lists.read(lists.ListFile("sdn", SHARED / "ofac" / "sdn.csv"))
    assert len(result.entries) == 14965
    assert {p.reason for p in result.problems} <= {"alias for no listing in the main file",
                                                   "address for no listing in the main file",
                                                   "remarks row for no listing"}
