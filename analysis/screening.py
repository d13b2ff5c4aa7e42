"""Name screening: normalise, block on a token index, score with rapidfuzz, explain.

A name is reduced to its kept tokens (transliterated, lower-case, punctuation,
legal-form and stop words removed); word order is ignored by pairing tokens
rather than comparing strings. Blocking uses the prefix and suffix of the
mention's rarest distinctive token, which is exact for this scorer: a match
must pair every distinctive token, so any true candidate shares a token
whose start or end survives a one- or two-letter spelling variant.
Generic words ("Department", "Bank", country names) never match on their own.

This module keeps the public API (``Rules``, ``load_rules``, ``Screener``, ``build_screener``,
and, re-exported, ``normalise``, ``compare``, ``Match``, ``country_context``); the steps live
in ``screening_names`` (text to tokens), ``screening_context`` (country words),
``screening_score`` (pairing and score) and ``screening_blocks`` (blocking maps and candidates),
so each can be read and tested on its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from pathlib import Path

import pandas as pd

from analysis.screening_blocks import build_blocks, candidate_rows, rarest_token
from analysis.screening_context import country_context, geo_words
from analysis.screening_names import Name, apply_folds, fold_token, normalise, word_tokens
from analysis.screening_score import Match, compare
from analysis.vocab import VocabError, read_csv_rows

__all__ = ["KINDS", "RULE_COLUMNS", "Match", "Name", "Rules", "Screener", "build_screener", "compare",
           "country_context", "fold_token", "load_rules", "normalise"]

RULE_COLUMNS = ["rule_id", "kind", "value", "label", "weight", "rationale", "example_positive", "example_negative"]
KINDS = frozenset({"fold", "setting", "match", "legal_form", "stop", "common", "org_word", "program", "list_source"})
_MEMO_LIMIT = 200_000  # memoised screenings and rows per process (a few hundred MB at most)


@dataclass(frozen=True)
class Rules:
    """The screening table (data/rules/screening.csv) plus geographic words from the country gazetteer."""

    threshold: float
    token_min: float
    short_token: int
    min_single_chars: int
    penalty: float
    max_candidates: int
    keep_within: float
    types: frozenset[str]
    legal_forms: tuple[tuple[str, ...], ...]  # longest first
    legal_by_first: dict[str, tuple[tuple[str, ...], ...]]  # first token -> forms, longest first
    stop: frozenset[str]
    common: frozenset[str]
    geo: frozenset[str]
    geo_codes: dict[str, frozenset[str]]  # country word -> ISO3 codes it can name
    generic_min_tokens: int
    max_per_mention: int
    org_words: frozenset[str]
    folds: tuple[tuple[str, str], ...]  # spelling folds applied to kept tokens on both sides (ks -> x)
    programs: dict[str, str]
    sources: dict[str, str]
    rows: tuple[dict[str, str], ...]


def load_rules(data_dir: Path) -> Rules:
    """Read and validate the screening table; raises VocabError naming the file and row."""
    path = Path(data_dir) / "rules" / "screening.csv"
    rows = read_csv_rows(path, RULE_COLUMNS)
    by_kind: dict[str, list[dict[str, str]]] = defaultdict(list)
    for number, row in enumerate(rows, start=2):
        if row["kind"] not in KINDS or not row["rule_id"] or not row["value"]:
            raise VocabError(f"{path}: row {number}: bad kind, rule_id or value ({row['rule_id']!r})")
        by_kind[row["kind"]].append(row)
    settings = {r["rule_id"].rsplit(".", 1)[-1]: r["value"] for r in by_kind["setting"]}
    words = lambda kind: {w.strip() for r in by_kind[kind] for w in r["value"].split("|") if w.strip()}  # noqa: E731
    legal = {tuple(word_tokens(w)) for w in words("legal_form")}
    stop = frozenset(words("stop"))
    folds = tuple(tuple(f.split(">", 1)) for f in words("fold"))
    fold = lambda w: apply_folds(w, folds)  # noqa: E731 - word lists compare with folded tokens
    generic = frozenset(fold(w) for w in words("common"))
    geo_codes = {fold(k): v for k, v in geo_words(Path(data_dir), stop | generic).items()}
    geo = frozenset(geo_codes)
    try:
        return Rules(
            threshold=float(settings["threshold"]), token_min=float(settings["token_min"]),
            short_token=int(settings["short_token"]), min_single_chars=int(settings["min_single_chars"]),
            penalty=float(settings["extra_generic_penalty"]), max_candidates=int(settings["max_candidates"]),
            keep_within=float(settings["keep_within"]), types=frozenset(settings["types"].split("|")),
            legal_forms=tuple(sorted(legal, key=len, reverse=True)), stop=stop,
            legal_by_first={first: tuple(f for f in sorted(legal, key=len, reverse=True) if f[0] == first)
                            for first in {f[0] for f in legal}},
            common=generic | geo, geo=geo, geo_codes=geo_codes,
            generic_min_tokens=int(settings["generic_min_tokens"]),
            max_per_mention=int(settings["max_per_mention"]),
            org_words=frozenset(words("org_word")),
            folds=folds,  # type: ignore[arg-type]
            programs={r["value"]: r["label"] for r in by_kind["program"]},
            sources={r["value"]: r["label"] for r in by_kind["list_source"]},
            rows=tuple(rows),
        )
    except (KeyError, ValueError) as error:
        raise VocabError(f"{path}: setting missing or not a number: {error}") from error


@dataclass(frozen=True)
class Screener:
    """The index rows screened (by entity type), their normalised names and the blocking maps."""

    rules: Rules
    index: pd.DataFrame
    names: tuple[Name, ...]
    exact: dict[str, tuple[int, ...]]
    postings: dict[str, tuple[int, ...]]
    sources: tuple[str, ...]  # index columns as tuples: read per candidate without pandas overhead
    ids: tuple[str, ...]
    kinds: tuple[str, ...]
    countries: tuple[str, ...] = ()
    # The blocking map split by name length (postings key, kept-token count) -> rows: a name can only
    # reach the threshold against names of nearly its own length, so screening reads those rows only.
    by_size: dict[tuple[str, int], tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)
    # Results of pure lookups, kept per process: screening a name gives the same matches every
    # time, and names repeat across chunks. Bounded (cleared when full), never part of equality.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def screen_cached(self, mention: str, trusted: bool = False) -> list[Match]:
        """``screen``, memoised across calls (and chunks) in this process."""
        return self._remembered(("screen", mention, trusted), self.screen, mention, trusted)

    def scratch(self, name: str) -> dict[Any, Any]:
        """A caller's own memo for results that depend only on this screener (kept per process like
        the others; a new one when it fills up)."""
        key = ("scratch", name)
        found = self.memo.get(key)
        if found is None or len(found) >= _MEMO_LIMIT:
            if len(self.memo) >= _MEMO_LIMIT:
                self.memo.clear()
            found = self.memo[key] = {}
        return found

    def row(self, position: int) -> dict[str, Any]:
        """One index row as a plain dict (memoised): a pandas row per finding cost more than screening it."""
        return self._remembered(("row", position), self._plain_row, position)

    def _plain_row(self, position: int) -> dict[str, Any]:
        """``row`` without the memo."""
        return self.index.iloc[position].to_dict()

    def screen(self, mention: str, trusted: bool = False) -> list[Match]:
        """Best list names for a mention, at or above the threshold, one per list entry."""
        rules = self.rules
        query = normalise(mention, rules)
        if not query.tokens:
            return []
        size = len(query.tokens)
        # Each token on one side only costs the penalty, so names whose lengths differ by more than
        # this cannot reach the threshold: an exact bound that skips most of a block unscored.
        slack = int((1.0 - rules.threshold) / rules.penalty + 1e-9) if rules.penalty > 0 else 1 << 30
        rows = self.exact.get(query.key, ())
        distinct = [t for t in query.tokens if t not in rules.common]
        if not rows and distinct:
            token, total = rarest_token(distinct, self.postings)
            rows = self._candidates(token, size, slack, total)
        best: dict[tuple[str, str], Match] = {}
        sources, ids, names = self.sources, self.ids, self.names
        for row in rows:
            cand = names[row]
            if abs(len(cand.tokens) - size) > slack:
                continue
            result = compare(query, cand, rules, trusted)
            if result is None or result[0] < rules.threshold:
                continue
            score, rule, pairs, extra = result
            entry = (sources[row], ids[row])
            if entry not in best or score > best[entry].score:
                best[entry] = Match(row, round(score, 4), rule, pairs, extra, query.dropped, cand.dropped)
        if not best:
            return []
        top = max(m.score for m in best.values())
        kinds = self.kinds
        kept = sorted((m for m in best.values() if m.score >= top - rules.keep_within),
                      key=lambda m: (-m.score, len(m.extra), kinds[m.row] != "primary",
                                     str(sources[m.row]), str(ids[m.row])))
        return kept[:rules.max_per_mention]

    def _candidates(self, token: str, size: int, slack: int, total: int) -> list[int]:
        """``screening_blocks.candidate_rows``, memoised: names share their rarest token
        ("Trump Foundation", "Trump Organization")."""
        return self._remembered(("candidates", token, size), candidate_rows, self, token, size, slack, total)

    def _remembered(self, key: tuple[Any, ...], compute: Callable[..., Any], *args: Any) -> Any:
        """``compute(*args)`` kept in ``memo`` under ``key``; the memo is emptied first when it is full.

        Only a miss computes, so a hit costs one dict lookup; a stored None counts as a miss.
        """
        found = self.memo.get(key)
        if found is None:
            if len(self.memo) >= _MEMO_LIMIT:
                self.memo.clear()
            found = self.memo[key] = compute(*args)
        return found

    def explain(self, mention: str, match: Match) -> str:
        """One readable paragraph: which list name matched, which tokens, what was dropped, the programmes."""
        row = self.row(match.row)
        rules = self.rules
        kind = "primary name" if row["name_kind"] == "primary" else f"alias ({row['name_kind']})"
        pairs = ", ".join(q if q == c else f"{q}~{c} {s:.2f}" for q, c, s in match.pairs)
        parts = [f"'{mention}' matched the {kind} '{row['name']}' of {row['list_source']} entry {row['list_id']} "
                 f"'{row['list_name']}' ({rules.sources.get(row['list_source'], row['list_source'])}, "
                 f"as of {row['list_as_of']}); score {match.score:.2f} by {match.rule}",
                 f"tokens: {pairs}"]
        if match.extra:
            parts.append(f"generic words on one side only: {', '.join(match.extra)} (-{rules.penalty:.2f} each)")
        if match.dropped_mention or match.dropped_list:
            parts.append("legal-form words dropped: article [" + ", ".join(match.dropped_mention) + "], list ["
                         + ", ".join(match.dropped_list) + "]")
        programs = list(row["programs"])
        if programs:
            parts.append("programmes: " + "; ".join(f"{p} = {rules.programs.get(p, 'no description')}"
                                                    for p in programs))
        return "; ".join(parts)


def build_screener(index: pd.DataFrame, rules: Rules) -> Screener:
    """Normalise every screened name once and build the exact-key and prefix/suffix blocking maps."""
    frame = index[index["entity_type"].isin(rules.types)].reset_index(drop=True)
    names = tuple(normalise(n, rules) for n in frame["name"])
    exact, postings, by_size = build_blocks(names, rules)
    return Screener(rules, frame, names, exact, postings, tuple(frame["list_source"]),
                    tuple(frame["list_id"]), tuple(frame["name_kind"]), tuple(frame["country"]), by_size)
