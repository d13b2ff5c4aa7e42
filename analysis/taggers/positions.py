"""Stated positions: who (for which country) said what about sanctions, a deal or the partnership.

The article is scanned once for topic cues; only articles with one go further,
and only quotes and sentences that carry a topic cue get the attribution rules
(analysis/taggers/attribution.py) and the stance reading
(analysis/taggers/stance.py). That prefilter is what keeps the tagger fast.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import schemas
from analysis.taggers import attribution as attr
from analysis.taggers import positions_sender as sender
from analysis.taggers.stance import (Lexicon, Reading, ScopeCue, StanceCue, StanceRules, TopicCue, fold,
                                     read_statement, topics_in)
from analysis.taggers.stance_lexicon import names_topic, topic_hits_unfolded
from analysis.vocab import VocabError, read_csv_rows

RULE_COLUMNS = ["rule_id", "weight", "rationale", "example_positive", "example_negative"]
WEAK_TOPIC = 0.6          # topic cues below this weight count only where a strong cue names the topic
SANCTIONS_PRIOR = 0.35    # evidence given to a default stance on sanctions when no cue decides


@dataclass(frozen=True)
class PositionRules:
    """Everything the positions tagger reads, loaded once from data/rules."""

    attribution: attr.AttributionRules
    stance: StanceRules
    rule_rows: tuple[dict[str, str], ...]    # every rule row with its examples (run as tests)
    target_words: tuple[str, ...]            # "sanctions on X": X is the target
    sender: sender.SenderRules               # who sends the sanctions a sentence names


def _weight(path: Path, row: dict[str, str]) -> float:
    try:
        value = float(row["weight"])
    except ValueError as exc:
        raise VocabError(f"{path}: rule {row.get('rule_id')}: weight {row['weight']!r} is not a number") from exc
    if not 0.0 <= value <= 1.0:
        raise VocabError(f"{path}: rule {row.get('rule_id')}: weight {value} outside 0-1")
    return value


def _check_rule(path: Path, row: dict[str, str]) -> None:
    for column in ("rule_id", "rationale", "example_positive", "example_negative"):
        if not row[column]:
            raise VocabError(f"{path}: rule {row.get('rule_id') or '?'} has no {column}")


def load(data_dir: Path) -> PositionRules:
    """Read and validate the positions data files; raises VocabError naming the file and row."""
    rules = Path(data_dir) / "rules"
    rows: list[dict[str, str]] = []

    path = rules / "speech_verbs.csv"
    verbs = []
    for row in read_csv_rows(path, RULE_COLUMNS + ["forms", "kind", "stance"]):
        _check_rule(path, row)
        verb = attr.Verb(row["rule_id"], row["kind"], row["stance"], _weight(path, row))
        verbs += [(form, verb) for form in row["forms"].split("|")]
        rows.append({**row, "file": path.name})

    path = rules / "titles.csv"
    titles = [attr.Title(r["title"], r["kind"], r["country"]) for r in read_csv_rows(path, ["title", "kind", "country"])]
    kinds = {"official", "institution", "lawmaker", "media", "nonofficial", "anaphor", "pair", "modifier"}
    for title in titles:
        if title.kind not in kinds:
            raise VocabError(f"{path}: title {title.surface!r} has unknown kind {title.kind!r}")
    title_words = frozenset(w for t in titles for w in t.surface.split())

    path = rules / "positions_officials.csv"
    officials: dict[str, list[attr.Official]] = {}
    for r in read_csv_rows(path, ["name", "aliases", "country", "role", "valid_from", "valid_to"]):
        person = attr.Official(r["name"], r["country"], r["role"], r["valid_from"], r["valid_to"])
        for key in [r["name"], *filter(None, r["aliases"].split("|"))]:
            officials.setdefault(key, []).append(person)

    path = rules / "positions_not_names.csv"
    not_names = {r["word"]: r["kind"] for r in read_csv_rows(path, ["word", "kind"])}
    if set(not_names.values()) - {"lead", "org", "junk"}:
        raise VocabError(f"{path}: unknown kind in {sorted(set(not_names.values()))}")

    path = rules / "positions_topics.csv"
    topic_cues = []
    for row in read_csv_rows(path, RULE_COLUMNS + ["topic", "cues"]):
        _check_rule(path, row)
        if row["topic"] not in {"sanctions", "deal", "partnership", "none"}:
            raise VocabError(f"{path}: rule {row['rule_id']}: unknown topic {row['topic']!r}")
        cue = TopicCue(row["rule_id"], row["topic"], _weight(path, row))
        topic_cues += [(c, cue) for c in row["cues"].split("|")]
        rows.append({**row, "file": path.name})

    path = rules / "stance_cues.csv"
    stance_cues = []
    for row in read_csv_rows(path, RULE_COLUMNS + ["topic", "applies", "cues", "stance", "negated"]):
        _check_rule(path, row)
        for column in ("stance", "negated"):
            if row[column] not in {"support", "oppose", "neutral", "none"}:
                raise VocabError(f"{path}: rule {row['rule_id']}: bad {column} {row[column]!r}")
        cue = StanceCue(row["rule_id"], row["topic"], row["applies"], row["stance"], row["negated"], _weight(path, row))
        stance_cues += [(c, cue) for c in row["cues"].split("|")]
        rows.append({**row, "file": path.name})

    path = rules / "stance_scope.csv"
    scope = []
    target_words: list[str] = []
    for row in read_csv_rows(path, RULE_COLUMNS + ["kind", "cues", "window"]):
        _check_rule(path, row)
        if row["kind"] == "target":
            target_words += row["cues"].split("|")
            rows.append({**row, "file": path.name})
            continue
        cue = ScopeCue(row["rule_id"], row["kind"], int(row["window"] or 0))
        scope += [(c, cue) for c in row["cues"].split("|")]
        rows.append({**row, "file": path.name})

    sender_rules, sender_rows = sender.load(rules / "positions_sender.csv")
    rows += sender_rows
    return PositionRules(
        attribution=attr.AttributionRules(attr.Matcher(verbs), attr.Matcher((t.surface, t) for t in titles),
                                          {k: tuple(v) for k, v in officials.items()}, title_words, not_names,
                                          sender_rules.proxy),
        stance=StanceRules(Lexicon(topic_cues, whole_text=True), Lexicon(stance_cues), Lexicon(scope), WEAK_TOPIC),
        rule_rows=tuple(rows),
        target_words=tuple(target_words),
        sender=sender_rules,
    )


def _targets(ctx: attr.ArticleContext, rules: PositionRules, start: int, end: int, places: list) -> set[str]:
    """Countries a statement names as the target of sanctions ("sanctions on Iran", "against us" = "self")."""
    found = set()
    for place in places:
        lo, hi = max(start, start + place.start - 30), start + place.start
        last_words = ctx.folded[lo:hi].split()[-3:]
        if any(w in last_words for w in rules.target_words) and \
                any(t == "sanctions" for _, t, w in topics_in(rules.stance, ctx.folded, lo, hi)):
            found.add(place.code)
    clause = ctx.folded[start:end]
    if any(f" {w} us" in clause or f" {w} our" in clause for w in rules.target_words):
        found.add("self")
    return found


PAIR_GLUE = ("-", "–", "/", " and ", " and the ")
QUOTE_MARKS = frozenset("\"“”")


def _pairs(ctx: attr.ArticleContext, start: int, places: list) -> list[set[str]]:
    """Two-country relationships a statement names: "between X and Y", "X-Y relations", "the X-Y alliance"."""
    out = []
    for a, b in zip(places, places[1:]):
        glue = ctx.folded[start + a.end:start + b.start]
        if glue in PAIR_GLUE and (glue in "-–/" or ctx.folded[max(0, start + a.start - 13):start + a.start]
                                  .rstrip().removesuffix(" the").endswith("between")) and a.code != b.code:
            out.append({a.code, b.code})
    return out


def _bare(ctx: attr.ArticleContext, rules: PositionRules, statement: attr.Statement, sents: "_Sentences") -> list[Reading]:
    """A clause that names no topic but is a bare stance act ("..., while China and Russia voted against",
    "after the sanctions announcement, officials vowed to retaliate") takes the topic named last before it
    in its sentence: the words left out are that topic. Only cues of kind ``bare`` are read this way."""
    i = sents.index(statement.start)
    before = [t for p, t, w in topics_in(rules.stance, ctx.folded, sents.starts[i], statement.start)
              if w >= rules.stance.weak_topic]
    if not before:
        return []
    out = []
    for hit in rules.stance.cues.find(ctx.folded, statement.start, statement.end):
        for cue in hit.entries:
            if cue.applies == "bare" and cue.topic in ("*", before[-1]):
                out.append(Reading(before[-1], cue.stance, cue.weight, cue.rule_id))
    return out[:1]


def _conceded(ctx: attr.ArticleContext, rules: PositionRules, start: int, end: int) -> bool:
    """Every sanctions word of the span follows a concession ("despite the threat of sanctions",
    "defying US sanctions"): the sanctions are the backdrop of an act done against them, which says
    nothing for them, so no default stance is given (scope kind ``concession``, its window in words)."""
    concessions = [(h.start, c.window) for h in rules.stance.scope.find(ctx.folded, start, end)
                   for c in h.entries if c.kind == "concession"]
    if not concessions:
        return False
    nouns = [p for p, t, w in topics_in(rules.stance, ctx.folded, start, end) if t == "sanctions"]
    return all(any(c < p and ctx.folded.count(" ", c, p) <= window for c, window in concessions) for p in nouns)


def _default_sanctions(targets: set[str], country: str) -> Reading:
    """No cue decided: a speaker whose own country is the target opposes, anyone else supports (weakly)."""
    stance = "oppose" if country in targets or "self" in targets else "support"
    return Reading("sanctions", stance, SANCTIONS_PRIOR, "positions.stance.sanctions_default")


class _Sentences:
    """Sentence offsets of one article with the sanctions roles of each, computed once when asked."""

    def __init__(self, ctx: attr.ArticleContext, rules: PositionRules, starts: list[int], ends: list[int],
                 targeted: set[str]):
        self.ctx, self.rules, self.starts, self.ends, self.targeted = ctx, rules, starts, ends, targeted
        self._roles: dict[int, sender.Roles] = {}

    def index(self, at: int) -> int:
        return max(0, bisect.bisect_right(self.starts, at) - 1)

    def roles(self, i: int) -> sender.Roles:
        if i not in self._roles:
            self._roles[i] = sender.roles(self.ctx, self.rules.sender, self.rules.stance, self.starts[i],
                                          self.ends[i], self.targeted)
        return self._roles[i]


DESCRIPTIVE = ("stance.sanctions.impose", "positions.stance.sanctions_default")


def _own_sanctions(readings: list[Reading], country: str, roles: sender.Roles, verb: attr.Verb,
                   article_targets: set[str]) -> list[Reading]:
    """GUIDELINES: a sender speaking of its own sanctions supports them; a target opposes them.

    A state the article names as a target anywhere ("sanctions on X") is read as speaking against
    the sanctions unless it sends sanctions in the same sentence (counter-sanctions).

    When another state sends the sanctions, words such as "imposing new sanctions" describe that
    state's act, not the speaker's wish: they decide nothing for the speaker, who opposes the
    sanctions when targeted or condemning, and is otherwise left out.
    """
    if country in roles.senders:
        if any(r.topic == "sanctions" and r.stance == "support" for r in readings):
            return [r for r in readings if r.topic != "sanctions" or r.stance == "support"]
        kept = [r for r in readings if r.topic != "sanctions"]
        return kept + [Reading("sanctions", "support", 0.8, "positions.stance.own_sanctions")]
    targeted = country in roles.targets or country in article_targets
    if targeted:
        readings = [Reading(r.topic, "oppose", r.score, "positions.stance.targeted") if r.topic == "sanctions" else r
                    for r in readings]
    if roles.senders and not targeted:
        out = []
        for r in readings:
            if r.topic == "sanctions" and r.stance == "support" and r.rule in DESCRIPTIVE:
                if verb.stance == "oppose":
                    out.append(Reading("sanctions", "oppose", r.score, "positions.stance.condemns_others"))
                continue
            out.append(r)
        return out
    return readings


def _records(ctx: attr.ArticleContext, rules: PositionRules, statement: attr.Statement, licensed: set[str],
             article_id: str, sents: _Sentences) -> list[dict[str, Any]]:
    verb = statement.verb
    topics = {t for _, t, w in topics_in(rules.stance, ctx.folded, statement.start, statement.end)
              if w >= rules.stance.weak_topic or t in licensed}
    bare = not topics
    if bare:   # the stance reading of a clause naming no topic would be thrown away: not made
        readings = _bare(ctx, rules, statement, sents)
        topics = {r.topic for r in readings}
    else:
        readings = read_statement(rules.stance, ctx.text, ctx.folded, statement.start, statement.end, licensed,
                                  verb.stance, verb.weight * 0.8)
    if not readings and "sanctions" not in topics:
        return []   # no reading and no default stance: no row for any speaker, so no places or targets looked up
    places = ctx.gazetteer.find(ctx.text[statement.start:statement.end])
    targets = _targets(ctx, rules, statement.start, statement.end, places)
    sentence = sents.index(statement.start)
    roles = sents.roles(sentence) if "sanctions" in topics and not bare else None   # a bare vote says it all
    pairs = _pairs(ctx, statement.start, places) if "partnership" in topics else []
    conceded = "sanctions" in topics and _conceded(ctx, rules, statement.start, statement.end)
    out = []
    for speaker in statement.speakers:
        mine = list(readings)
        if "sanctions" in topics and not any(r.topic == "sanctions" for r in readings) and not conceded:
            if verb.kind in ("warn", "urge", "commit"):
                mine.append(Reading("sanctions", "support", 0.5, "positions.stance.sanctions_" + verb.kind))
            else:
                mine.append(_default_sanctions(targets, speaker.country))
        if roles is not None:
            mine = _own_sanctions(mine, speaker.country, roles, verb, sents.targeted)
        about = next((p.code for p in places if p.code != speaker.country), None)
        if pairs and not any(speaker.country in pair for pair in pairs):
            mine = [r for r in mine if r.topic != "partnership"]   # a third party's view of others' ties
        for reading in mine:
            out.append(_row(ctx, article_id, sentence, statement.start, statement.end, speaker, verb.weight,
                            reading, statement.rule, about))
    return out


def _row(ctx: attr.ArticleContext, article_id: str, sentence: int, start: int, end: int, speaker: attr.Speaker,
         verb_weight: float, reading: Reading, rule: str, about: str | None) -> dict[str, Any]:
    confidence = speaker.confidence * verb_weight * min(1.0, 0.5 + reading.score / 2)
    return {
        "article_id": article_id, "sentence": sentence, "char_start": start, "char_end": end,
        "confidence": round(min(0.99, confidence), 3), "rule": f"{rule}+{reading.rule}",
        "speaker": speaker.name, "speaker_role": speaker.role, "speaker_country": speaker.country,
        "about_country": about, "topic": reading.topic, "stance": reading.stance, "quote": ctx.text[start:end],
    }


def _sender_records(ctx: attr.ArticleContext, rules: PositionRules, article_id: str, sents: _Sentences,
                    i: int, covered: list[tuple[int, int]], quoted: list[tuple[int, int]],
                    voiced: bool) -> list[dict[str, Any]]:
    """Sanctions/support of each state that sends the sanctions named in sentence ``i`` (no speech verb needed).

    Only in the article's own narration: inside someone's quote the sender is what the speaker says
    about others ("the sanctions imposed by X" in a target's complaint is the target's position).
    A deal party's support needs an official voice in the sentence (``voiced``): a purchase or a
    delivery told only as a stage ("India has received two squadrons") is procurement, not a stated
    position, while "Russia has started deliveries, the agency head said" is the agency's position.
    """
    roles = sents.roles(i)
    out = []
    start, end = sents.starts[i], sents.ends[i]
    for code, (speakers, rule, at) in roles.senders.items():
        if any(cs <= at < ce for cs, ce in covered):
            continue
        if rule == "positions.sender.premod" and (voiced or QUOTE_MARKS & set(ctx.text[start:end])):
            continue    # "U.N. sanctions" named while someone else speaks: the sanctions they talk about
        speaker = next((sp for sp in speakers if sp.country == code), speakers[0])
        weight = rules.sender.weight.get(rule.rsplit(".", 1)[-1], 0.6)
        about = next(iter(sorted(roles.targets - {code})), None)
        out.append(_row(ctx, article_id, i, start, end, speaker, weight,
                        Reading("sanctions", "support", 0.8, "positions.stance.own_sanctions"), rule, about))
    for code, (speakers, deal_stance, at) in roles.parties.items():
        if any(cs <= at < ce for cs, ce in quoted) or (deal_stance == "support" and not voiced):
            continue
        weight = rules.sender.weight.get("deal_" + deal_stance, 0.6)
        out.append(_row(ctx, article_id, i, start, end, speakers[0], weight,
                        Reading("deal", deal_stance, 0.6, "positions.stance.deal_act"),
                        "positions.deal.party_" + deal_stance, None))
    return out


def _quote(ctx: attr.ArticleContext, quotes: list, index: int) -> attr.Statement | None:
    """Attribute quote ``index``; an unattributed quote may continue the quote just before it."""
    def attribute(i: int) -> attr.Statement | None:
        q = quotes[i]
        para = ctx.text.rfind("\n", 0, q.start()) + 1
        return attr.quote_statement(ctx, q.start(), q.end(), para, quotes[i - 1].end() if i else 0)
    statement = attribute(index)
    if statement is None and index and (ctx.last_end < 0 or ctx.last_end < quotes[index - 1].start()):
        if attribute(index - 1) is not None:   # sets the speaker the continuation rule carries over
            statement = attribute(index)
    return statement


def positions_in(text: str, published: str, article_id: str, starts: list[int], ends: list[int],
                 rules: PositionRules, gazetteer: Any) -> list[dict[str, Any]]:
    """Position records of one article (``starts``/``ends``: its sentence offsets, in order)."""
    early = topic_hits_unfolded(rules.stance.topics, text)
    if early is not None and not names_topic(early[1], rules.stance.weak_topic):
        return []   # no strong topic cue: nothing is read, so the text is not even folded
    folded = fold(text)
    if early is not None:
        folded.seed(rules.stance.topics, *early)
    ctx = attr.new_context(text, published, gazetteer, rules.attribution, folded)
    cues = topics_in(rules.stance, ctx.folded)
    licensed = {t for _, t, w in cues if w >= rules.stance.weak_topic}
    if not licensed:
        return []
    cue_positions = [p for p, t, w in cues if w >= rules.stance.weak_topic or t in licensed]
    nouns = [p for p, t, w in cues if t == "sanctions" and w >= rules.stance.weak_topic]
    noun_ends = {n: _word_end(ctx.folded, n) for n in nouns}
    sents = _Sentences(ctx, rules, starts, ends, sender.article_targets(ctx, rules.sender, nouns, noun_ends))

    def has_cue(s: int, e: int) -> bool:
        k = bisect.bisect_left(cue_positions, s)
        return k < len(cue_positions) and cue_positions[k] < e

    quotes = _quotes_near(text, cue_positions)
    # only quotes and sentences with a topic cue get the attribution rules (the prefilter)
    events: list[tuple[int, str, Any]] = [(q.start(), "quote", i) for i, q in enumerate(quotes)
                                          if has_cue(q.start(), q.end())]
    acting: set[int] = set()   # sentences with a sanctions or arms word: the action rules can apply
    for p, t, w in cues:
        if t != "partnership" and (w >= rules.stance.weak_topic or t in licensed):
            acting.add(bisect.bisect_right(starts, p) - 1)
    cued = sorted({bisect.bisect_right(starts, p) - 1 for p in cue_positions} - {-1})
    events += [(ends[i], "sentence", (starts[i], ends[i])) for i in cued if has_cue(starts[i], ends[i])]
    # a sentence comes after every quote that starts inside it, so quotes claim their text first
    events.sort(key=lambda ev: (ev[0], ev[1] == "sentence"))
    records: list[dict[str, Any]] = []
    covered: list[tuple[int, int]] = []
    spoken: list[tuple[int, int]] = []     # reported clauses: what a speaker says, not narration
    for _, kind, item in events:
        if kind == "quote":
            statement = _quote(ctx, quotes, item)
            if statement is not None:
                covered.append((statement.start, statement.end))
                records += _records(ctx, rules, statement, licensed, article_id, sents)
            continue
        s, e = item
        voiced = any(cs < e and s < ce for cs, ce in covered)
        if not voiced:
            for statement in attr.reported_statements(ctx, s, e):
                records += _records(ctx, rules, statement, licensed, article_id, sents)
                spoken.append((statement.start, statement.end))
                voiced = True
        i = sents.index(s)
        if i in acting:
            records += _sender_records(ctx, rules, article_id, sents, i, covered + spoken, covered, voiced)
    return _unique(_relief_by_sender(records))


def _relief_by_sender(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A state that sends sanctions in this article and speaks of relief (lifting, easing on conditions)
    is bargaining with its own sanctions, which the guidelines count as support, not opposition."""
    senders = {r["speaker_country"] for r in records if r["rule"].endswith("positions.stance.own_sanctions")}
    for r in records:
        if r["speaker_country"] in senders and r["topic"] == "sanctions" and r["stance"] == "oppose" \
                and r["rule"].endswith("stance.sanctions.lift"):
            r["stance"] = "support"
            r["rule"] = r["rule"].rsplit("+", 1)[0] + "+positions.stance.sender_relief"
    return records


def _quotes_near(text: str, cue_positions: list[int]) -> list[Any]:
    """Quotes of the paragraphs holding a topic cue and of the paragraph before each (split quotes).

    Quotes never cross a line break, so paragraphs without a cue nearby need no quote scan.
    """
    if "\"" not in text and "“" not in text:
        return []
    spans: list[tuple[int, int]] = []
    for p in cue_positions:
        if spans and p < spans[-1][1]:
            continue
        para = text.rfind("\n", 0, p)
        lo = text.rfind("\n", 0, para) + 1 if para > 0 else 0
        hi = text.find("\n", p)
        hi = len(text) if hi < 0 else hi
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return [q for lo, hi in spans for q in attr.QUOTE.finditer(text, lo, hi)]


def _word_end(folded: str, at: int) -> int:
    while at < len(folded) and (folded[at].isalnum() or folded[at] == "-"):
        at += 1
    return at


def _unique(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per sentence and (speaker country, topic, stance): repeated evidence adds nothing."""
    seen: set[tuple] = set()
    out = []
    for r in records:
        key = (r["sentence"], r["speaker_country"], r["topic"], r["stance"])
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _offsets(sentences: pd.DataFrame) -> dict[str, tuple[list[int], list[int]]]:
    """Each article's sentence starts and ends, in sentence order.

    Grouped from the column arrays (factorised ids; a stable sort only when the frame is not already
    grouped by article in sentence order) rather than by sorting the frame: the sort copied every
    sentence text, and walking the sorted ids row by row took a twentieth of the tagger's time.
    """
    if sentences.empty:
        return {}
    codes, uniques = pd.factorize(sentences["article_id"])
    names = uniques.tolist()
    number = sentences["sentence"].to_numpy()
    starts = sentences["char_start"].to_numpy(dtype="int64")
    ends = sentences["char_end"].to_numpy(dtype="int64")
    same = codes[1:] == codes[:-1]
    if ((codes[1:] < codes[:-1]) | (same & (number[1:] <= number[:-1]))).any():
        order = np.lexsort((number, codes))
        codes, starts, ends = codes[order], starts[order], ends[order]
        same = codes[1:] == codes[:-1]
    edges = [0, *(np.flatnonzero(~same) + 1).tolist(), len(codes)]
    starts_list, ends_list = starts.tolist(), ends.tolist()
    firsts = codes[edges[:-1]].tolist()
    return {names[code]: (starts_list[lo:hi], ends_list[lo:hi])
            for code, lo, hi in zip(firsts, edges, edges[1:]) if code >= 0}


def tag(articles: pd.DataFrame, sentences: pd.DataFrame, vocab: Any) -> pd.DataFrame:
    """The positions table for a chunk of articles (pure: no I/O, no globals)."""
    rules: PositionRules = vocab.positions
    offsets = _offsets(sentences)
    records: list[dict[str, Any]] = []
    dates = pd.to_datetime(articles["published"]).dt.strftime("%Y-%m-%d").fillna("").tolist()
    for aid, text, published in zip(articles["article_id"].tolist(), articles["text"].tolist(), dates):
        starts, ends = offsets.get(aid, ([], []))
        if text and starts:
            records += positions_in(text, published, aid, starts, ends, rules, vocab.gazetteer)
    return schemas.finalise(records, "positions", sentences, articles)
