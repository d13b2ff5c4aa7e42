"""The sanctions tagger on hand-written sentences, its own rule examples, the seed article and spans."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import gazetteer, sentences
from analysis.taggers import sanctions, sanctions_shapes
from analysis.vocab import VocabError, read_csv_rows

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
CASES = [json.loads(line) for line in (ROOT / "tests/cases/sanctions_cases.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]


@pytest.fixture(scope="module")
def vocab():
    return types.SimpleNamespace(gazetteer=gazetteer.load(DATA), sanctions=sanctions.load(DATA), catalogue=None)


@pytest.fixture(scope="module")
def splitter():
    return sentences.load_splitter(DATA)


def run(vocab, splitter, texts: list[str], titles: list[str] | None = None,
        published: str = "2019-01-01") -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    articles = pd.DataFrame({
        "article_id": [f"a{i}" for i in range(len(texts))], "published": pd.Timestamp(published),
        "title": titles or [""] * len(texts), "text": texts})
    sents = sentences.split_sentences(articles, splitter)
    return articles, sents, sanctions.tag(articles, sents, vocab)


def tuples(frame: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    return {(r.sender, r.target, r.action, r.regime) for r in frame.itertuples()}


def test_at_least_eighty_cases_cover_every_action_and_regime():
    assert len(CASES) >= 80
    expected = [e for c in CASES for e in c["expected"]]
    assert {e[2] for e in expected} == {"threat", "imposed", "waiver", "lifted"}
    assert {e[3] for e in expected} == {"CAATSA", "OFAC", "EU", "UN", "UK", "EXPORT_CONTROL", "OTHER"}
    assert sum(1 for c in CASES if not c["expected"]) >= 15


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=f"known gap: {c['known_gap']}"))
                                  if c.get("known_gap") else c for c in CASES], ids=[c["text"][:60] for c in CASES])
def test_case(vocab, splitter, case):
    _, _, found = run(vocab, splitter, [case["text"]], [case.get("title", "")])
    assert tuples(found) == {tuple(e) for e in case["expected"]}


@pytest.mark.parametrize("rule", sanctions.load(DATA).rules, ids=lambda r: r.rule_id)
def test_rule_examples(rule):
    assert rule.regex.search(rule.example_positive), "positive example must match"
    assert not rule.regex.search(rule.example_negative), "negative example must not match"


@pytest.mark.parametrize("rule", sanctions.load(DATA).rules, ids=lambda r: r.rule_id)
def test_merged_matcher_finds_each_positive_example(vocab, rule):
    """The per-kind alternation (with its word-start guard) must still find every rule's own example."""
    matcher = vocab.sanctions.matcher(rule.kind)
    text = rule.example_positive
    assert any(r.rule_id == rule.rule_id for r, _ in matcher.finditer(text, sanctions.fold(text)))


def test_modality_is_recorded(vocab, splitter):
    _, _, found = run(vocab, splitter, ["India could face sanctions under CAATSA.",
                                        "The US imposed sanctions on Iran."])
    assert dict(zip(found["article_id"], found["modality"])) == {"a0": "hypothetical", "a1": "asserted"}


def test_sender_and_target_carry_over_within_an_article(vocab, splitter):
    text = "The US imposed sanctions on Iran in May. The sanctions were later eased."
    _, _, found = run(vocab, splitter, [text])
    assert tuples(found) == {("USA", "IRN", "imposed", "OFAC"), ("USA", "IRN", "lifted", "OFAC")}


def test_seed_article_end_to_end(vocab, splitter):
    seed = ROOT.parent / "shared" / "seed" / "000_8aed4a6b8f8527c2.txt"
    if not seed.exists():
        pytest.skip(f"needs {seed} (the read-only shared folder is absent)")
    raw = seed.read_text(encoding="utf-8")
    _, date, body = raw.split(maxsplit=2)  # "date YYYY-MM-DD" then the text
    _, _, found = run(vocab, splitter, [body], published=date)
    assert {(r.sender, r.target, r.action) for r in found.itertuples()} == {("USA", "IND", "threat")}
    assert set(found["regime"]) == {"CAATSA"}


words = st.sampled_from(["the", "US", "sanctions", "on", "Iran", "imposed", "India", "could", "face", "waiver",
                         "EU", "lifted", "embargo", ".", ",", "Russia", "no", "NCAA", "Turkey's", "\n"])


@settings(max_examples=60, deadline=None)
@given(st.lists(words, min_size=1, max_size=40))
def test_no_finding_without_a_valid_span(vocab, splitter, tokens):
    text = " ".join(tokens).strip() or "x"
    articles, sents, found = run(vocab, splitter, [text])
    for row in found.itertuples():
        assert 0 <= row.char_start < row.char_end <= len(text)
        sentence = sents[sents["sentence"] == row.sentence].iloc[0]
        assert sentence.char_start <= row.char_start and row.char_end <= sentence.char_end
        assert row.rule and row.evidence == text[sentence.char_start:sentence.char_end]


def _reference(matcher, text: str, lo: int, hi: int) -> list[tuple[str, tuple[int, int]]]:
    """What the merged alternation itself finds (named groups, word-start guard): the scan must agree."""
    low = sanctions.fold(text)
    out = [(matcher.rules[int(m.lastgroup[1:])].rule_id, m.span()) for m in matcher.folded.finditer(low, lo, hi)] \
        if matcher.folded is not None else []
    if matcher.exact is not None:
        out += [(matcher.rules[int(m.lastgroup[1:])].rule_id, m.span()) for m in matcher.exact.finditer(text, lo, hi)]
        out.sort(key=lambda x: x[1][0])
    return out


def test_fast_scan_finds_what_the_merged_alternation_finds(vocab):
    """The scan spread out on first letters (sanctions_scan) must give the same rows and spans, in any window."""
    texts = [t for r in vocab.sanctions.rules for t in (r.example_positive, r.example_negative)] + [c["text"] for c in CASES]
    for kind, matcher in vocab.sanctions.kinds.items():
        for text in texts:
            low = sanctions.fold(text)
            for lo, hi in ((0, len(text)), (len(text) // 3, len(text)), (0, 2 * len(text) // 3)):
                got = [(r.rule_id, m.span()) for r, m in matcher.finditer(text, low, lo, hi)]
                assert got == _reference(matcher, text, lo, hi), (kind, text, lo, hi)


def test_fast_scan_keeps_order_lookbehinds_and_gives_up_on_other_shapes():
    from analysis.taggers.sanctions_scan import fast_scan
    scan = fast_scan([r"\b(?:(?<!no )risks?|rise)\b", r"\brisk\w*"], r"\w")
    assert scan is not None
    text = "no risk, a rise, the risky risks"
    # "risk" after "no " is left to the second rule; "risky" is not "risks?\b": the second rule again
    assert [(m.group(0), m.end() - m.start()) for m in scan.finditer(text)] == [
        ("risk", 4), ("rise", 4), ("risky", 5), ("risks", 5)]
    assert scan.search("no risk") is not None and scan.search("no risk").group(0) == "risk"
    assert [m.group(0) for m in scan.finditer("arisk risky")] == ["risky"]  # word starts only
    assert fast_scan([r"\b\w+ sanctions"], r"\w") is None  # no literal first letter: the guarded pattern is kept
    assert fast_scan([r"\bs?anction"], r"\w") is None  # an optional first letter cannot be dispatched on


SHAPE_ROWS = read_csv_rows(DATA / sanctions_shapes.SHAPES_FILE, sanctions_shapes.COLUMNS)


@pytest.mark.parametrize("row", SHAPE_ROWS, ids=lambda r: r["name"])
def test_shape_examples(row):
    assert sanctions_shapes.example_matches(row, row["example_positive"]), "positive example must match"
    assert not sanctions_shapes.example_matches(row, row["example_negative"]), "negative example must not match"


def test_every_trigger_example_passes_the_prefilter(vocab):
    """A trigger whose sentence holds no cue word would never be read."""
    for rule in vocab.sanctions.of("trigger"):
        assert vocab.sanctions.prefilter.find_matches_as_indexes(rule.example_positive.lower()), rule.rule_id


def test_broken_shapes_file_names_the_row(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    text = (DATA / sanctions_shapes.SHAPES_FILE).read_text(encoding="utf-8")
    (rules / "sanctions_shapes.csv").write_text(text.replace("clause_end,regex,", "clause_end,words,"), encoding="utf-8")
    with pytest.raises(VocabError, match="clause_end"):
        sanctions_shapes.load_shapes(tmp_path)


def test_candidates_handed_out_are_the_prefilter_sentences_exposure_would_find(vocab, splitter):
    """tag_with_candidates gives the same rows as tag and the very sentences exposure would scan itself,
    so the exposed flag and its reason are the same whether the pipeline hands them over or not."""
    from analysis import exposure

    texts = ["The United States imposed sanctions on Iran. Tehran called them illegal.",
             "Officials met in Paris. Sanctions on Iran's oil hurt exports, traders said.",
             "The NCAA imposed sanctions on the team after the scandal.",
             "The weather in Oslo was fine. Nobody mentioned trade at all.",
             "Washington warned Ankara of penalties. The EU said an embargo on Syria stays."]
    articles, sents, found = run(vocab, splitter, texts)
    frame, candidates = sanctions.tag_with_candidates(articles, sents, vocab)
    pd.testing.assert_frame_equal(frame, found)
    assert candidates == sanctions.candidate_sentences(articles, sents, vocab.sanctions)
    assert set(candidates) == {"a0", "a1", "a2", "a4"}  # the weather report holds no cue
    assert [s for s, _, _ in candidates["a1"]] == [1]  # only the sentence with the cue
    own = exposure.flag_exposure(articles, sents, {"sanctions": frame}, vocab)
    handed = exposure.flag_exposure(articles, sents, {"sanctions": frame}, vocab, candidates=candidates)
    pd.testing.assert_frame_equal(own, handed)
    assert dict(zip(handed["article_id"], handed["exposed"])) == {
        "a0": True, "a1": True, "a2": False, "a3": False, "a4": True}
