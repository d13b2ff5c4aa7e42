"""Taggers: pure functions ``(articles, sentences, vocab) -> findings frame``.

Each returns records with the table's own columns plus ``article_id``,
``sentence``, ``char_start``, ``char_end``, ``confidence`` and ``rule``;
:func:`analysis.findings.finalise` adds ``published``, ``evidence`` and the
stable ``finding_id``.
"""
