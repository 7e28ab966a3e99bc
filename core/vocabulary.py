"""A specialty's finding vocabulary, as data (what the offline comparator matches reports with)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, eq=False)
class FindingVocabulary:
    """Concepts, organ statements and equivalences of one specialty's reports.

    Compared and hashed by identity: build one per specialty (the plugin's
    ``finding_vocabulary()`` caches it) so compiled patterns are reused.

    :param terms: ``(concept, synonym patterns)``; extends ``core_terms`` (same concept
        name: the patterns are added).
    :param statements: ``(concept, subject pattern, abnormal predicate or None)``.
    :param normal: the predicate that makes a statement's subject normal.
    :param umbrellas: ``(organ-level concept, finding concepts its negative entails)``.
    :param equivalents: ``(pattern, replacement)`` rewrites applied, in order, to
        lower-cased text before matching (abbreviations, hyphenation variants).
    :param replaces_core: core concept names this vocabulary does not take over.
    :param canonical: core concept name -> this vocabulary's concept name.
    :param core_terms: ``(concept, synonym patterns)`` of the specialty's check concepts (the
        lexicon's ``data.check_concepts``, :attr:`Template.concepts`), in order; ``replaces_core``
        and ``canonical`` name these.
    """

    terms: tuple[tuple[str, tuple[str, ...]], ...]
    statements: tuple[tuple[str, str, str | None], ...] = ()
    normal: str = r"normal|unremarkable"
    umbrellas: tuple[tuple[str, frozenset[str]], ...] = ()
    equivalents: tuple[tuple[str, str], ...] = ()
    replaces_core: frozenset[str] = frozenset()
    canonical: tuple[tuple[str, str], ...] = ()
    core_terms: tuple[tuple[str, tuple[str, ...]], ...] = ()
