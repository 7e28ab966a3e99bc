"""A lexicon as the offline comparator's finding vocabulary (:class:`pixtralogist.core.vocabulary.FindingVocabulary`).

The comparator (:mod:`pixtralogist.finetune.comparator`) matches two reports concept by concept.
Its concepts are the lexicon's ``finding`` and ``device`` concepts (name -> synonyms and patterns,
the same ones the extractor and the drafter read: a synonym added once is understood
everywhere); organ statements, umbrellas and equivalences are the lexicon's ``data.comparator``::

    comparator:
      normal: 'normal|unremarkable|clear'
      statements: [[cardiomegaly, 'heart(?: size)?', 'enlarg(?:ed|ement)']]   # concept, subject, abnormal predicate
      umbrellas: {lung abnormality: [airspace opacity, nodule]}             # "lungs clear" -> no nodule, ...
      equivalents: [['superior vena cava', svc]]                             # rewrites before matching
      replaces_core: [calcification]
      canonical: {consolidation: airspace opacity}
"""

from __future__ import annotations

import re
from functools import lru_cache

from pixtralogist.core.vocabulary import FindingVocabulary
from pixtralogist.kit.lexicon import Lexicon

__all__ = ["finding_vocabulary"]


@lru_cache(maxsize=32)
def finding_vocabulary(lexicon: Lexicon) -> FindingVocabulary:
    """The comparator vocabulary of ``lexicon`` (cached per lexicon: one shared instance)."""
    data = dict(lexicon.data.get("comparator") or {})
    terms = []
    for c in lexicon.of_kind("finding", "device"):
        syns = tuple(c.patterns) + tuple(r"\s+".join(re.escape(w) for w in s.lower().split()) for s in c.synonyms)
        if syns:
            terms.append((c.label, syns))
    kwargs = {}
    if data.get("normal"):
        kwargs["normal"] = str(data["normal"])
    return FindingVocabulary(
        terms=tuple(terms),
        statements=tuple((str(a), str(b), None if p is None else str(p)) for a, b, p in data.get("statements") or ()),
        umbrellas=tuple((str(k), frozenset(v)) for k, v in (data.get("umbrellas") or {}).items()),
        equivalents=tuple((str(p), str(r)) for p, r in data.get("equivalents") or ()),
        replaces_core=frozenset(data.get("replaces_core") or ()),
        canonical=tuple((str(k), str(v)) for k, v in (data.get("canonical") or {}).items()),
        core_terms=tuple(lexicon.check_concepts.items()),
        **kwargs,
    )
