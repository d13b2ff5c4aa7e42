"""Per-article ``exposed`` flag and a readable reason (GUIDELINES "exposed").

An article is exposed when it reports political sanctions bearing on a named
country (a complete sanctions tuple, or only a signal: a trigger sentence that
passes the negative rules and names a country), when it reports procurement
from a supplier under a regime in force (Russia since CAATSA, Iran and North
Korea always), or when a named organisation matched a sanctions list.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.taggers import sanctions as sanctions_tagger

CAATSA_IN_FORCE = pd.Timestamp("2017-08-02")
ALWAYS_COVERED = ("IRN", "PRK")


Candidates = dict[str, list[tuple[int, int, int]]]  # article_id -> [(sentence, char_start, char_end)]


def sanctions_signals(articles: pd.DataFrame, sentences: pd.DataFrame, vocab: Any,
                      candidates: Candidates | None = None) -> dict[str, str]:
    """article_id -> reason, for articles with a sanctions signal that names a country.

    ``candidates`` are the sanctions tagger's prefilter sentences for (at least) these articles, when the
    caller kept them: the prefilter scan (lower-casing and scanning every article) is most of this step.
    """
    rules = vocab.sanctions
    negatives = rules.matcher("negative")
    triggers = rules.matcher("trigger")
    out: dict[str, str] = {}
    if candidates is None:
        candidates = sanctions_tagger.candidate_sentences(articles, sentences, rules)
    else:
        wanted_ids = set(articles["article_id"].tolist())
        candidates = {aid: spans for aid, spans in candidates.items() if aid in wanted_ids}
    if not candidates:
        return out
    # Only the candidates' texts as Python strings: converting every article's text cost a tenth of this stage.
    wanted = articles[articles["article_id"].isin(list(candidates)).to_numpy()]
    texts = dict(zip(wanted["article_id"].tolist(), wanted["text"].tolist()))
    for aid, spans in candidates.items():
        for sent, start, end in spans:
            text = texts[aid][start:end]
            low = sanctions_tagger.fold(text)
            # all three tests must pass: the rarest (a trigger) first, the dearest (the gazetteer) last
            trig = next((m for r, m in triggers.finditer(text, low)
                         if r.value != "waiver" and "export" not in r.rule_id), None)
            if trig is None or negatives.search(text, low):
                continue
            places = [p for p in vocab.gazetteer.find(text) if p.kind in ("name", "demonym", "capital")
                      and p.code not in ("EU", "UN")]
            if places:
                out[aid] = f"sanctions signal: '{trig.group(0)}' with {places[0].surface} (sentence {sent})"
                break
    return out


def _columns(frame: pd.DataFrame, *names: str) -> list[list[Any]]:
    """Columns as plain lists: ``itertuples`` over Arrow-backed columns boxes every cell slowly."""
    return [frame[name].tolist() for name in names]


def _from_sanctions(frame: pd.DataFrame | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if frame is None or frame.empty:
        return out
    ordered = frame.sort_values(["article_id", "sentence"])
    for aid, sender, target, action, regime, sentence in zip(*_columns(
            ordered, "article_id", "sender", "target", "action", "regime", "sentence")):
        if aid not in out:
            out[aid] = f"sanctions {sender}->{target} {action} ({regime}), sentence {sentence}"
    return out


def _from_procurement(frame: pd.DataFrame | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if frame is None or frame.empty:
        return out
    for aid, published, supplier, buyer, system, stage in zip(*_columns(
            frame, "article_id", "published", "supplier", "buyer", "system", "stage")):
        published = pd.Timestamp(published) if pd.notna(published) else None
        covered = supplier in ALWAYS_COVERED or (
            supplier == "RUS" and published is not None and published >= CAATSA_IN_FORCE)
        if covered and aid not in out:
            out[aid] = f"procurement {buyer}<-{supplier} {system} ({stage}) under a regime in force"
    return out


def _from_entities(frame: pd.DataFrame | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if frame is None or frame.empty:
        return out
    for aid, name, list_name in zip(*_columns(frame, "article_id", "name", "list_name")):
        if aid not in out:
            out[aid] = f"listed entity: {name} matches {list_name}"
    return out


def flag_exposure(articles: pd.DataFrame, sentences: pd.DataFrame, findings: dict[str, pd.DataFrame],
                  vocab: Any, candidates: Candidates | None = None) -> pd.DataFrame:
    """One row per article: article_id, exposed, exposed_reason (the first piece of evidence found).

    ``candidates``: the sanctions tagger's prefilter sentences of the chunk, if the caller kept them (see
    ``sanctions_signals``); without them the prefilter runs again here."""
    reasons: dict[str, str] = {}
    for source in (_from_sanctions(findings.get("sanctions")), _from_procurement(findings.get("procurement")),
                   _from_entities(findings.get("entities"))):
        for aid, reason in source.items():
            reasons.setdefault(aid, reason)
    # a signal is only the reason of an article with no finding-based reason: scan only those
    ids = articles["article_id"].astype(str)
    rest = articles[~ids.isin(list(reasons)).to_numpy()] if reasons else articles
    for aid, reason in sanctions_signals(rest, sentences, vocab, candidates).items():
        reasons.setdefault(aid, reason)
    id_list = ids.tolist()
    return pd.DataFrame({
        "article_id": ids.to_numpy(),
        "exposed": pd.array([aid in reasons for aid in id_list], dtype="boolean"),
        "exposed_reason": pd.array([reasons.get(aid) for aid in id_list], dtype="string"),
    })
