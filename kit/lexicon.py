"""The kit's one lexicon format: a specialty's clinical language as YAML data, loaded into typed objects.

A lexicon file (``plugins/<specialty>/data/lexicon/<template>.yaml``) holds, all optional::

    name: cxr                      # the lexicon's name (a template id, usually)
    extends: [common.yaml]         # files (relative to this one) merged first, in order
    regions: [lung, heart, mediastinal, bone, others]
    catch_all: others              # where a statement about none of the regions goes
    severity: [minimal, trace, mild, small, moderate, large, severe, marked]   # mildest first
    abbreviations: {ptx: pneumothorax, rul: right upper lobe}   # token -> expansion (output words)
    context_abbreviations:         # shorthand whose meaning depends on its neighbours
      cm: {not_after_number: cardiomegaly}
      cp: {followed_by: [angle, angles], expansion: costophrenic}
      ga: {near: [weeks, bw], within: 4, expansion: gestational age, otherwise: geographic atrophy}
    subjects:                      # terse "subject predicate" dictation ("lungs clear")
      lungs: {say: the lungs, plural: true}
      heart: {say: the heart, normal_say: heart size is, normal_predicates: [normal, normal in size]}
    concepts:
      - id: pleural_effusion
        kind: finding              # finding | device | anatomy | qualifier | recommendation | context
        name: pleural effusion     # how a draft says it
        synonyms: [pleural effusion, effusion, effusions]
        patterns: ['pleural fluid']          # regular expressions, non-capturing groups only
        abbreviations: [eff, effs]
        region: lung
        severity: [trace, small, moderate, large]
        normal: No pleural effusion.
        follows_anatomy: false     # true: the region is the named anatomy's ("hilar mass")
    cues:                          # ConText groups added to the kit's base cues (kit/data/cues.yaml)
      - {category: negated, direction: forward, literals: [absent]}
    sorter:                        # the region sorter's ordered rules (see pixtralogist.kit.sorter)
      device: 'pacemaker|catheter'
      rules:
        - [others, 'technique|comparison']
        - [lung, 'lungs?']
      contexts:                    # rules scanned first in sentences every `when` pattern matches
        - {when: ['\bpacemaker'], first: [[others, '\btip in the \w+']]}
    dictation: {...}               # reader settings (see pixtralogist.kit.dictation.DictationProfile)
    data: {...}                    # anything else the specialty's own rule functions read
    value_groups:                  # values of one kind that replace one another in a chat edit
      nodule_solidity: [solid, part solid, ground glass]   # ("change the nodule to part solid")

Merging (``extends`` and :meth:`Lexicon.extend`): mappings are merged key by key (the later file
wins), concepts with the same id are merged field by field (lists are joined), lists of cue groups
and sorter rules are appended (a specialty extends, it does not copy).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from pixtralogist.core.yamlio import safe_load as safe_load_yaml

__all__ = [
    "KINDS",
    "near_context",
    "Concept",
    "ConceptKind",
    "Lexicon",
    "LexiconError",
    "Subject",
    "load_lexicon",
    "base_lexicon",
]

ConceptKind = Literal["finding", "device", "anatomy", "qualifier", "recommendation", "context"]
KINDS: tuple[str, ...] = ("finding", "device", "anatomy", "qualifier", "recommendation", "context")

_DATA = Path(__file__).resolve().parent / "data"


class LexiconError(ValueError):
    """A lexicon file is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Concept:
    """One thing a specialty's reports talk about, with every way clinicians write it."""

    id: str
    kind: ConceptKind = "finding"
    name: str = ""
    synonyms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    region: str | None = None
    severity: tuple[str, ...] = ()
    normal: str | None = None
    #: The region follows the anatomy named with the finding ("hilar mass" -> the hila's region).
    follows_anatomy: bool = False

    @property
    def label(self) -> str:
        """How a draft names the concept (``name``, else the id with spaces)."""
        return self.name or self.id.replace("_", " ")

    def merged(self, other: "Concept") -> "Concept":
        """This concept with ``other``'s additions (scalars: ``other`` wins when set; lists joined)."""
        join = lambda a, b: tuple(dict.fromkeys(a + b))  # noqa: E731
        return Concept(
            id=self.id,
            kind=other.kind if other.kind != "finding" else self.kind,
            name=other.name or self.name,
            synonyms=join(self.synonyms, other.synonyms),
            patterns=join(self.patterns, other.patterns),
            abbreviations=join(self.abbreviations, other.abbreviations),
            region=other.region or self.region,
            severity=other.severity or self.severity,
            normal=other.normal or self.normal,
            follows_anatomy=other.follows_anatomy or self.follows_anatomy,
        )


@dataclass(frozen=True)
class Subject:
    """A structure dictated as "subject predicate" ("lungs clear" -> "The lungs are clear.")."""

    say: str
    plural: bool = False
    #: How a normal statement about it reads ("heart nl" -> "heart size is normal"), when it has
    #: its own form; used for the ``normal_predicates`` only, and never with a side named.
    normal_say: str | None = None
    normal_predicates: tuple[str, ...] = ()
    #: Whether ``normal_say`` still applies with an adverb ("heart grossly nl").
    normal_adverbs: bool = True


@dataclass(frozen=True, eq=False)
class Lexicon:
    """A specialty's language as data (see the module docstring for the YAML format).

    Build with :func:`load_lexicon`; compared and hashed by identity so caches keyed on a
    lexicon reuse their compiled patterns.
    """

    name: str = ""
    regions: tuple[str, ...] = ()
    catch_all: str | None = None
    severity: tuple[str, ...] = ()
    abbreviations: Mapping[str, str] = field(default_factory=dict)
    context_abbreviations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    subjects: Mapping[str, Subject] = field(default_factory=dict)
    concepts: tuple[Concept, ...] = ()
    cues: tuple[Mapping[str, Any], ...] = ()
    sorter_rules: tuple[tuple[str, str], ...] = ()
    device: str | None = None
    #: ``((when patterns, rules tried first), ...)``: in a sentence every ``when`` pattern matches
    #: (the first such context), its rules are scanned before ``sorter_rules``.
    sorter_contexts: tuple[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], ...] = ()
    sorter_options: Mapping[str, Any] = field(default_factory=dict)
    dictation: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    #: ``{group name: (value, ...)}``: values of one kind that replace one another (histologic types,
    #: nodule solidity, lesion morphologies): "no, it's lobular" for "Invasive ductal carcinoma." (the
    #: review chat, :mod:`pixtralogist.agents.chat_edits`). A later file's group of the same name wins.
    value_groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    # -- look-ups -------------------------------------------------------------
    def concept(self, concept_id: str) -> Concept:
        """The concept ``concept_id`` (``KeyError`` naming the lexicon when there is none)."""
        for c in self.concepts:
            if c.id == concept_id:
                return c
        raise KeyError(f"lexicon {self.name!r} has no concept {concept_id!r}")

    def of_kind(self, *kinds: str) -> tuple[Concept, ...]:
        """The concepts of the given kinds, in lexicon order."""
        return tuple(c for c in self.concepts if c.kind in kinds)

    def expansion(self, token: str) -> str | None:
        """The output words of a shorthand token ("ptx" -> "pneumothorax"), or None.

        The lexicon's ``abbreviations`` table first, then each concept's ``abbreviations``
        (expanded to the concept's name)."""
        low = token.lower().replace("\u2019", "'")
        got = self.abbreviations.get(low)
        if got is not None:
            return got
        return _concept_abbreviations(self).get(low)

    # -- composition ------------------------------------------------------------
    def extend(self, other: "Lexicon") -> "Lexicon":
        """A new lexicon: this one with ``other`` merged on top (see the module docstring)."""
        by_id: dict[str, Concept] = {c.id: c for c in self.concepts}
        for c in other.concepts:
            by_id[c.id] = by_id[c.id].merged(c) if c.id in by_id else c
        return Lexicon(
            name=other.name or self.name,
            regions=other.regions or self.regions,
            catch_all=other.catch_all or self.catch_all,
            severity=other.severity or self.severity,
            abbreviations={**self.abbreviations, **other.abbreviations},
            context_abbreviations={**self.context_abbreviations, **other.context_abbreviations},
            subjects={**self.subjects, **other.subjects},
            concepts=tuple(by_id.values()),
            cues=self.cues + other.cues,
            sorter_rules=self.sorter_rules + other.sorter_rules,
            device=other.device or self.device,
            sorter_contexts=self.sorter_contexts + other.sorter_contexts,
            sorter_options={**self.sorter_options, **other.sorter_options},
            dictation={**self.dictation, **other.dictation},
            data=_deep_merge(self.data, other.data),
            value_groups={**self.value_groups, **other.value_groups},
            sources=self.sources + other.sources,
        )

    @property
    def finding_terms(self) -> tuple[str, ...]:
        """The specialty's finding words for core's sentence analysis (``extra_terms``,
        :attr:`~pixtralogist.core.models.Template.finding_terms`): ``dictation.vocabulary`` (the
        words the dictation reader also uses) then ``dictation.finding_terms``. Core adds only
        its generic words (:data:`pixtralogist.core.nlp.GENERIC_FINDING_TERMS`)."""
        d = self.dictation
        return tuple(d.get("vocabulary") or ()) + tuple(d.get("finding_terms") or ())

    @property
    def check_concepts(self) -> dict[str, tuple[str, ...]]:
        """The concept table of core's consistency checks and edit matching
        (:attr:`~pixtralogist.core.models.Template.concepts`): ``data.check_concepts``, canonical
        concept -> word-bounded regular expressions, in file order. Core adds its generic table
        (:data:`pixtralogist.core.concepts.GENERIC_CONCEPTS`)."""
        table = self.data.get("check_concepts") or {}
        return {str(k): tuple(str(p) for p in (v or ())) for k, v in table.items()}

    def with_(self, **changes: Any) -> "Lexicon":
        """A copy with some fields replaced (``dataclasses.replace``)."""
        return replace(self, **changes)


@lru_cache(maxsize=64)
def _concept_abbreviations(lexicon: Lexicon) -> dict[str, str]:
    return {a.lower(): c.label for c in lexicon.concepts for a in c.abbreviations}


def _deep_merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = _deep_merge(out[k], v) if isinstance(out.get(k), Mapping) and isinstance(v, Mapping) else v
    return out


# --- loading ---------------------------------------------------------------------------------

_TOP_KEYS = {
    "name", "extends", "regions", "catch_all", "severity", "abbreviations", "context_abbreviations", "subjects",
    "concepts", "cues", "sorter", "dictation", "data", "value_groups",
}
_CONCEPT_KEYS = {"id", "kind", "name", "synonyms", "patterns", "abbreviations", "region", "severity", "normal",
                 "follows_anatomy"}


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise LexiconError(f"{where}: expected a list of words, got {value!r}")
    return tuple(str(v) for v in value)


def alternation(patterns: Any) -> str:
    """One pattern from a pattern or a list of alternatives (nested lists are flattened, in order), so
    a rule can name shared word lists (YAML anchors): ``[distribution_site, [*body_sites, *distribution]]``."""
    if isinstance(patterns, (list, tuple)):
        return "|".join(alternation(p) for p in patterns)
    return str(patterns)


def _check_pattern(pattern: str, where: str) -> str:
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise LexiconError(f"{where}: bad regular expression {pattern!r}: {exc}") from exc
    if rx.groups:
        raise LexiconError(f"{where}: pattern {pattern!r} has a capturing group; use (?:...)")
    return pattern


def _concept(raw: Any, where: str) -> Concept:
    if not isinstance(raw, Mapping) or not raw.get("id"):
        raise LexiconError(f"{where}: a concept needs at least an 'id' (got {raw!r})")
    unknown = set(raw) - _CONCEPT_KEYS
    if unknown:
        raise LexiconError(f"{where}: concept {raw['id']!r} has unknown keys {sorted(unknown)}; "
                           f"allowed: {sorted(_CONCEPT_KEYS)}")
    kind = raw.get("kind", "finding")
    if kind not in KINDS:
        raise LexiconError(f"{where}: concept {raw['id']!r} has kind {kind!r}; use one of {KINDS}")
    cwhere = f"{where} concept {raw['id']!r}"
    return Concept(
        id=str(raw["id"]),
        kind=kind,
        name=str(raw.get("name") or ""),
        synonyms=_strs(raw.get("synonyms"), cwhere),
        patterns=tuple(_check_pattern(p, cwhere) for p in _strs(raw.get("patterns"), cwhere)),
        abbreviations=_strs(raw.get("abbreviations"), cwhere),
        region=raw.get("region"),
        severity=_strs(raw.get("severity"), cwhere),
        normal=raw.get("normal"),
        follows_anatomy=bool(raw.get("follows_anatomy", False)),
    )


#: Options of a lexicon's ``sorter`` section besides ``rules`` and ``device`` (see pixtralogist.kit.sorter).
SORTER_OPTIONS = {"places_after_findings_locate": bool, "comma_clauses": bool, "shared_tail": str}


def _sorter_options(sorter: Mapping[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in sorter.items():
        if key in ("rules", "device", "contexts"):
            continue
        if key not in SORTER_OPTIONS:
            raise LexiconError(f"{where}: unknown sorter option {key!r}; allowed: rules, device, contexts, {sorted(SORTER_OPTIONS)}")
        if not isinstance(value, SORTER_OPTIONS[key]):
            raise LexiconError(f"{where}: sorter option {key!r} must be a {SORTER_OPTIONS[key].__name__}, got {value!r}")
        out[key] = _check_pattern(value, f"{where} sorter {key}") if key == "shared_tail" else value
    return out


def lexicon_from_mapping(raw: Mapping[str, Any], where: str = "<lexicon>") -> Lexicon:
    """A :class:`Lexicon` from one parsed YAML mapping (``extends`` is not followed here)."""
    if not isinstance(raw, Mapping):
        raise LexiconError(f"{where}: a lexicon file must be a mapping, got {type(raw).__name__}")
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise LexiconError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    subjects: dict[str, Subject] = {}
    for key, value in (raw.get("subjects") or {}).items():
        if isinstance(value, str):
            value = {"say": value}
        if not isinstance(value, Mapping) or "say" not in value:
            raise LexiconError(f"{where}: subject {key!r} needs 'say' (got {value!r})")
        subjects[str(key).lower()] = Subject(
            say=str(value["say"]), plural=bool(value.get("plural", False)), normal_say=value.get("normal_say"),
            normal_predicates=_strs(value.get("normal_predicates"), f"{where} subject {key!r}"),
            normal_adverbs=bool(value.get("normal_adverbs", True)))
    sorter = raw.get("sorter") or {}
    rules: list[tuple[str, str]] = []
    for i, rule in enumerate(sorter.get("rules") or ()):
        if not (isinstance(rule, (list, tuple)) and len(rule) == 2):
            raise LexiconError(f"{where}: sorter rule {i} must be [tag, pattern], got {rule!r}")
        rules.append((str(rule[0] or ""), _check_pattern(alternation(rule[1]), f"{where} sorter rule {i}")))
    contexts: list[tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = []
    for i, ctx in enumerate(sorter.get("contexts") or ()):
        if not isinstance(ctx, Mapping) or not ctx.get("when") or not ctx.get("first"):
            raise LexiconError(f"{where}: sorter context {i} needs 'when' (patterns) and 'first' (rules)")
        when = tuple(_check_pattern(w, f"{where} sorter context {i}") for w in _strs(ctx["when"], where))
        first = tuple((str(r[0] or ""), _check_pattern(str(r[1]), f"{where} sorter context {i}")) for r in ctx["first"])
        contexts.append((when, first))
    cues = tuple(raw.get("cues") or ())
    for i, group in enumerate(cues):
        if not isinstance(group, Mapping) or "category" not in group:
            raise LexiconError(f"{where}: cue group {i} needs a 'category' (got {group!r})")
    ctx = {str(k).lower(): dict(v) for k, v in (raw.get("context_abbreviations") or {}).items()}
    return Lexicon(
        name=str(raw.get("name") or ""),
        regions=_strs(raw.get("regions"), where),
        catch_all=raw.get("catch_all"),
        severity=_strs(raw.get("severity"), where),
        abbreviations={str(k).lower(): str(v) for k, v in (raw.get("abbreviations") or {}).items()},
        context_abbreviations=ctx,
        subjects=subjects,
        concepts=tuple(_concept(c, where) for c in (raw.get("concepts") or ())),
        cues=cues,
        sorter_rules=tuple(rules),
        device=_check_pattern(sorter["device"], f"{where} sorter device") if sorter.get("device") else None,
        sorter_contexts=tuple(contexts),
        sorter_options=_sorter_options(sorter, where),
        dictation=dict(raw.get("dictation") or {}),
        data=dict(raw.get("data") or {}),
        value_groups=_value_groups(raw.get("value_groups"), where),
        sources=(where,),
    )


def _value_groups(raw: Any, where: str) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise LexiconError(f"{where}: value_groups must map a group name to a list of values, got {raw!r}")
    out: dict[str, tuple[str, ...]] = {}
    for name, values in raw.items():
        vals = tuple(v.strip().lower() for v in _strs(values, f"{where} value group {name!r}") if v.strip())
        if len(vals) < 2:
            raise LexiconError(f"{where}: value group {name!r} needs two values or more, got {values!r}")
        out[str(name)] = vals
    return out


def _read(path: Path, seen: tuple[Path, ...]) -> Lexicon:
    path = path.resolve()
    if path in seen:
        raise LexiconError(f"{path}: 'extends' loops back to itself ({' -> '.join(p.name for p in seen)})")
    try:
        raw = safe_load_yaml(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise LexiconError(f"lexicon file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from exc
    lex = Lexicon()
    for parent in _strs((raw or {}).get("extends") if isinstance(raw, Mapping) else None, str(path)):
        lex = lex.extend(_read(path.parent / parent, seen + (path,)))
    return lex.extend(lexicon_from_mapping(raw, str(path)))


@lru_cache(maxsize=1)
def base_lexicon() -> Lexicon:
    """The kit's base lexicon (``kit/data/base.yaml``): generic shorthand, severity scale, qualifiers."""
    return _read(_DATA / "base.yaml", ())


def load_lexicon(*paths: str | Path, base: bool = True) -> Lexicon:
    """One lexicon from YAML files merged in order (each follows its own ``extends``).

    :param base: start from the kit's base lexicon (generic shorthand, severity words); a
        specialty's files only add to it.
    :raises LexiconError: a file is missing, not YAML, or has an unknown key or a bad pattern.
    """
    lex = base_lexicon() if base else Lexicon()
    for p in paths:
        lex = lex.extend(_read(Path(str(p)), ()))
    return lex


def iter_terms(concepts: Iterable[Concept]) -> Iterable[tuple[Concept, str, bool]]:
    """``(concept, term, is_pattern)`` for every synonym, abbreviation and pattern of ``concepts``."""
    for c in concepts:
        for s in dict.fromkeys(c.synonyms + ((c.label,) if c.kind != "qualifier" or not c.synonyms else ())):
            yield c, s, False
        for a in c.abbreviations:
            yield c, a, False
        for p in c.patterns:
            yield c, p, True


def near_context(rule: Mapping[str, Any], before: Sequence[str], after: Sequence[str]) -> bool:
    """Whether a ``near`` context abbreviation's words stand within ``within`` (default 5) words of the
    token: ``before``/``after`` are the clause's word tokens either side of it, nearest last/first
    ("GA 26 weeks, BW 780 g" -> gestational age; "GA temporal to the fovea" -> geographic atrophy)."""
    words = {str(w).lower() for w in rule.get("near") or ()}
    n = int(rule.get("within", 5))
    return any(w.lower() in words for w in (*before[-n:], *after[:n]))
