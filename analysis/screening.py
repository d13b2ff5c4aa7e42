"""Name screening: normalise, block on a token index, score with rapidfuzz, explain.

A name is reduced to its kept tokens (transliterated, lower-case, punctuation,
legal-form and stop words removed); word order is ignored by pairing tokens
rather than comparing strings. Blocking uses the prefix and suffix of the
mention's rarest distinctive token, which is exact for this scorer: a match
must pair every distinctive token, so any true candidate shares a token
whose start or end survives a one- or two-letter spelling variant.
Generic words ("Department", "Bank", country names) never match on their own.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from pathlib import Path

import pandas as pd
from rapidfuzz.distance import Indel
from unidecode import unidecode

from analysis.vocab import VocabError, read_csv_rows

RULE_COLUMNS = ["rule_id", "kind", "value", "label", "weight", "rationale", "example_positive", "example_negative"]
KINDS = frozenset({"fold", "setting", "match", "legal_form", "stop", "common", "org_word", "program", "list_source"})
_DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_POSSESSIVE = re.compile(r"'s\b", re.IGNORECASE)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_DOT_LETTER_DOT = re.compile(r"\.[A-Za-z]\.")  # in every _DOTTED match; searched for its literal first dot
_WORD_CHARS = re.compile(r"[a-z0-9]+")
_SPACE_NON_WORD = bytes(c if chr(c).isascii() and (chr(c).isdigit() or "a" <= chr(c) <= "z") else 32 for c in range(256))
_SIZE_SPREAD = 8  # a wider length slack (tiny penalty) reads the whole block instead of one slice per length
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
    legal = {tuple(_tokens(w)) for w in words("legal_form")}
    stop = frozenset(words("stop"))
    folds = tuple(tuple(f.split(">", 1)) for f in words("fold"))
    fold = lambda w: _apply_folds(w, folds)  # noqa: E731 - word lists compare with folded tokens
    generic = frozenset(fold(w) for w in words("common"))
    geo_codes = {fold(k): v for k, v in _geo_words(Path(data_dir), stop | generic).items()}
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


def _geo_words(data_dir: Path, skip: frozenset[str]) -> dict[str, frozenset[str]]:
    """Distinctive tokens of country names, aliases and demonyms -> the ISO3 codes they can name.

    Generic for screening (many firms are 'Iran ...'), and the article context for generic names.
    Tokens that are generic anyway (West *Bank*, *New* Zealand) or shorter than 3 letters are skipped.
    """
    path = data_dir / "gazetteer" / "countries.csv"
    if not path.exists():
        return {}
    out: dict[str, set[str]] = defaultdict(set)
    for row in read_csv_rows(path, ["code", "name"]):
        for field in ("name", "aliases", "demonyms"):
            for surface in (row.get(field) or "").split("|"):
                for token in _tokens(surface):
                    if token not in skip and len(token) >= 3:
                        out[token].add(row["code"])
    return {k: frozenset(v) for k, v in out.items()}


def country_context(text: str, rules: Rules) -> frozenset[str]:
    """ISO3 codes of the countries a text names (by name, alias or demonym token)."""
    plain = _plain(text)
    if plain.isascii() and all(_WORD_CHARS.fullmatch(old) and _WORD_CHARS.fullmatch(new or "x")
                               for old, new in rules.folds):
        # Every non-word character made a space by one byte-table pass, then the folds applied to
        # the whole text: a fold of word characters cannot reach across a space, so each token
        # folds as it would alone (a token folded to nothing names no country either way).
        spaced = _apply_folds(plain.encode().translate(_SPACE_NON_WORD).decode(), rules.folds)
        tokens = set(spaced.split())
    else:
        tokens = set(_fold_all(list(set(_tokens(text))), rules.folds))  # fold each distinct token once
    geo_codes = rules.geo_codes
    return frozenset(code for token in geo_codes.keys() & tokens for code in geo_codes[token])


def _tokens(text: str) -> list[str]:
    """Transliterated, lower-cased word tokens; dotted abbreviations (S.A., U.K.) become one token."""
    return [t for t in _NON_WORD.split(_plain(text)) if t]


def _plain(text: str) -> str:
    """The lower-case ASCII text ``_tokens`` splits: dotted abbreviations and possessives undone."""
    ascii_text = text if text.isascii() else _to_ascii(text)
    if "." in ascii_text:  # the regex substitutions cost more than the test when they cannot match
        ascii_text = _undot(ascii_text)
    if "'" in ascii_text:
        ascii_text = _POSSESSIVE.sub("", ascii_text).replace("'", "")  # Korea's -> Korea, People's -> People
    return ascii_text.replace("&", " and ").lower()


def _undot(text: str) -> str:
    """``_DOTTED`` applied, reading only the space-delimited words holding a ".X." (every match
    does): a match never crosses a space and a space before a word is a word boundary, so each
    such word is substituted on its own exactly as in the whole text."""
    pieces, done = [], 0
    for hit in _DOT_LETTER_DOT.finditer(text):
        if hit.start() < done:
            continue
        start = max(text.rfind(" ", done, hit.start()), text.rfind("\n", done, hit.start())) + 1
        start = max(start, done)
        end = min((i for i in (text.find(" ", hit.end()), text.find("\n", hit.end())) if i >= 0), default=len(text))
        pieces.append(text[done:start])
        pieces.append(_DOTTED.sub(lambda m: m.group(0).replace(".", ""), text[start:end]))
        done = end
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _to_ascii(text: str) -> str:
    """``unidecode(text)``, fast: unidecode maps each character on its own and leaves ASCII as is,
    so replacing each distinct non-ASCII character by its transliteration gives the same text
    (it loops in Python per character: on whole articles that cost ~20x more)."""
    for char in set("".join(_NON_ASCII.findall(text))):
        text = text.replace(char, unidecode(char))
    return text


def _apply_folds(token: str, folds: tuple[tuple[str, str], ...]) -> str:
    """Apply the transliteration folds, so Rosoboroneksport and Rosoboronexport share one spelling."""
    for old, new in folds:
        token = token.replace(old, new)
    return token


def fold_token(token: str, rules: Rules) -> str:
    return _apply_folds(token, rules.folds)


def _fold_all(tokens: list[str], folds: tuple[tuple[str, str], ...]) -> list[str]:
    """``[_apply_folds(t, folds) for t in tokens]`` in one pass over the space-joined tokens.

    Tokens hold no spaces, so when no fold pattern or replacement does either, no replacement can
    reach across a space and each token folds exactly as it would alone."""
    if not folds or not tokens:
        return list(tokens)
    if any(not old or " " in old or " " in new for old, new in folds):
        return [_apply_folds(t, folds) for t in tokens]
    return _apply_folds(" ".join(tokens), folds).split(" ")


@dataclass(frozen=True)
class Name:
    tokens: tuple[str, ...]  # kept tokens, in written order
    dropped: tuple[str, ...]  # legal-form phrases removed
    key: str  # sorted kept tokens: equal keys are the same name up to order


def normalise(text: str, rules: Rules) -> Name:
    """Reduce a name to the tokens that identify it, remembering which legal-form words were dropped."""
    tokens = _tokens(text)
    kept, dropped, i = [], [], 0
    by_first = rules.legal_by_first
    while i < len(tokens):
        for form in by_first.get(tokens[i], ()):
            if tuple(tokens[i:i + len(form)]) == form:
                dropped.append(" ".join(form))
                i += len(form)
                break
        else:
            if tokens[i] not in rules.stop:
                kept.append(tokens[i])
            i += 1
    kept = _fold_all(kept, rules.folds)
    return Name(tuple(kept), tuple(dropped), " ".join(sorted(kept)))


@dataclass(frozen=True)
class Match:
    """One list name matched by a mention, with everything needed to explain the score."""

    row: int  # position in Screener.index
    score: float
    rule: str  # screening.match.exact / fuzzy / generic_exact
    pairs: tuple[tuple[str, str, float], ...]  # (mention token, list token, similarity)
    extra: tuple[str, ...]  # generic words on one side only (each costs the penalty)
    dropped_mention: tuple[str, ...]
    dropped_list: tuple[str, ...]


def compare(query: Name, cand: Name, rules: Rules, trusted: bool = False) -> tuple[float, str, tuple, tuple] | None:
    """Score two normalised names, or None when a gate fails (the reason a lookalike is not a match)."""
    if not query.tokens or not cand.tokens:
        return None
    distinct_q = [t for t in query.tokens if t not in rules.common]
    if distinct_q and not trusted and sum(map(len, distinct_q)) < rules.min_single_chars:
        return None
    if not distinct_q:
        has_geo = any(t in rules.geo for t in query.tokens)
        ok = query.key == cand.key and len(query.tokens) >= (2 if has_geo else rules.generic_min_tokens)
        return (1.0, "screening.match.generic_exact", tuple((t, t, 1.0) for t in query.tokens), ()) if ok else None
    scored = []
    short, token_min = rules.short_token, rules.token_min
    for qi, qt in enumerate(query.tokens):
        q_short = len(qt) <= short  # per query token once: this loop runs for every candidate name
        for ci, ct in enumerate(cand.tokens):
            if qt == ct:
                sim = 1.0
            elif q_short or len(ct) <= short:
                sim = 0.0
            else:
                sim = Indel.normalized_similarity(qt, ct)
            if sim >= token_min:
                scored.append((sim, qi, ci))
    scored.sort(reverse=True)
    used_q, used_c, pairs = set(), set(), []
    for sim, qi, ci in scored:
        if qi not in used_q and ci not in used_c:
            used_q.add(qi)
            used_c.add(ci)
            pairs.append((query.tokens[qi], cand.tokens[ci], sim))
    extra_q = [t for i, t in enumerate(query.tokens) if i not in used_q]
    extra_c = [t for i, t in enumerate(cand.tokens) if i not in used_c]
    if any(t not in rules.common or t in rules.geo for t in extra_q + extra_c):
        return None  # a distinctive word, or a country (a national branch), on one side only
    if not any(q not in rules.common for q, _, _ in pairs):
        return None
    weight = sum(len(q) for q, _, _ in pairs)
    score = sum(len(q) * s for q, _, s in pairs) / weight - rules.penalty * (len(extra_q) + len(extra_c))
    exact = not extra_q and not extra_c and all(s == 1.0 for _, _, s in pairs)
    return (max(score, 0.0), "screening.match.exact" if exact else "screening.match.fuzzy",
            tuple(pairs), tuple(extra_q + extra_c))


def _keys(token: str) -> tuple[str, str]:
    return "p:" + token[:4], "s:" + token[-4:]


def _pairable(token: str, cand: tuple[str, ...], rules: Rules) -> bool:
    """Whether ``compare`` could pair ``token`` with some candidate token (same similarity test)."""
    if token in cand or rules.token_min <= 0.0:
        return True
    short = rules.short_token
    if len(token) <= short:
        return False
    return any(len(c) > short and Indel.normalized_similarity(token, c) >= rules.token_min for c in cand)


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
        key = ("screen", mention, trusted)
        found = self.memo.get(key)
        if found is None:
            if len(self.memo) >= _MEMO_LIMIT:
                self.memo.clear()
            found = self.memo[key] = self.screen(mention, trusted)
        return found

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
        key = ("row", position)
        found = self.memo.get(key)
        if found is None:
            if len(self.memo) >= _MEMO_LIMIT:
                self.memo.clear()
            found = self.memo[key] = self.index.iloc[position].to_dict()
        return found

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
            token, total = distinct[0], -1
            for t in distinct:  # the rarest token (the first of equals), as min() would pick it
                n = sum(len(self.postings.get(k, ())) for k in _keys(t))
                if total < 0 or n < total:
                    token, total = t, n
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
        """The rows of ``token``'s block worth comparing with a name of ``size`` tokens: within
        ``slack`` tokens of its length and holding a token ``token`` can pair with (else compare()
        rejects the row: a distinctive token left unpaired). Memoised: names share their rarest
        token ("Trump Foundation", "Trump Organization")."""
        key = ("candidates", token, size)
        found = self.memo.get(key)
        if found is None:
            if len(self.memo) >= _MEMO_LIMIT:
                self.memo.clear()
            names, rules = self.names, self.rules
            found = self.memo[key] = [
                row for row in self._block(token, size, slack, total)
                if abs(len(names[row].tokens) - size) <= slack
                and (token in names[row].tokens or _pairable(token, names[row].tokens, rules))]
        return found

    def _block(self, token: str, size: int, slack: int, total: int) -> "list[int] | tuple[int, ...]":
        """The rows sharing ``token``'s prefix or suffix key, first ``max_candidates`` in row order.

        When the block is not truncated, only rows within ``slack`` tokens of ``size`` are read
        (the others are skipped by ``screen`` anyway); a truncated block is cut exactly as before."""
        keys = _keys(token)
        limit = self.rules.max_candidates
        if self.by_size and slack <= _SIZE_SPREAD and total <= limit:  # total: the postings' summed lengths
            found: set[int] = set()
            for count in range(size - slack, size + slack + 1):
                for key in keys:
                    found.update(self.by_size.get((key, count), ()))
            return sorted(found)
        return sorted({r for k in keys for r in self.postings.get(k, ())})[:limit]

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
    exact: dict[str, list[int]] = defaultdict(list)
    postings: dict[str, list[int]] = defaultdict(list)
    by_size: dict[tuple[str, int], list[int]] = defaultdict(list)
    for row, name in enumerate(names):
        if name.tokens:
            exact[name.key].append(row)
        for token in {t for t in name.tokens if t not in rules.common}:
            for key in set(_keys(token)):
                postings[key].append(row)
                by_size[(key, len(name.tokens))].append(row)
    return Screener(rules, frame, names, {k: tuple(v) for k, v in exact.items()},
                    {k: tuple(v) for k, v in postings.items()}, tuple(frame["list_source"]),
                    tuple(frame["list_id"]), tuple(frame["name_kind"]), tuple(frame["country"]),
                    {k: tuple(v) for k, v in by_size.items()})
