"""The specialty kit: one data-driven clinical-language engine that every specialty runs on.

A specialty is data (a lexicon in YAML: concepts, shorthand, cue words, region-sorter rules,
dictation settings) plus small rule functions; the engine is shared (docs/kit.md):

* :func:`load_lexicon` / :class:`Lexicon` / :class:`Concept` - the one lexicon format;
* :class:`CueRule` / :class:`CueSet` / :func:`base_cues` - ConText-style negation, hedging and
  temporality cues as data, extended by a specialty;
* :class:`Extractor` / :class:`Mention` - text -> findings (concept, region, status, laterality,
  location, severity, size, clause), trailing qualifiers kept with their finding;
* :class:`LexiconSorter` - the region sorter; :class:`ClauseRewriter` - multi-region sentences;
* :func:`parse_dictation` - shorthand -> report sentences;
* :class:`KitDrafter` - the offline dictation drafter (indication, findings, impression).

Imports nothing from ``plugins``, ``agents``, ``finetune`` or ``ui``; heavy libraries are never
imported here.
"""

from __future__ import annotations

from pixtralogist.kit.cues import CueRule, CueSet, base_cues
from pixtralogist.kit.dictation import expand_shorthand, parse_dictation
from pixtralogist.kit.drafter import KitDrafter, Statement, triage
from pixtralogist.kit.extractor import Extractor, Mention, context_expansion, expand_abbreviations
from pixtralogist.kit.lexicon import Concept, Lexicon, LexiconError, Subject, base_lexicon, load_lexicon
from pixtralogist.kit.rewriter import ClauseRewriter
from pixtralogist.kit.sorter import LexiconSorter, Scanner

__all__ = [
    "ClauseRewriter", "Concept", "CueRule", "CueSet", "Extractor", "KitDrafter", "Lexicon", "LexiconError",
    "LexiconSorter", "Mention", "Scanner", "Statement", "Subject", "base_cues", "base_lexicon", "context_expansion", "expand_abbreviations",
    "expand_shorthand", "load_lexicon", "parse_dictation", "triage",
]
