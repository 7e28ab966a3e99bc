"""Ophthalmology vocabulary: the plugin's kit lexicons (``data/lexicon/*.yaml``) and the look-ups
its rule functions share.

The words are data in the kit's lexicon format (docs/kit.md): ``eye.yaml`` (shorthand, lesion
concepts, subjects, dictation settings, the eye tokens, the ICDR lesion list) and one file per
template (``fundus.yaml``, ``octa.yaml``: regions and region-sorter rules). This module loads
them once and offers:

* :func:`lexicon_for` / :func:`sorter_for` - a template's lexicon and its kit region sorter;
* :func:`eyes_of` / :func:`laterality_of` - which eye(s) a sentence names (OD / OS / OU, right /
  left eye, both eyes); laterality matters in eye reports and is never guessed;
* :data:`NLP_TERMS` - finding words for :mod:`pixtralogist.core.nlp` (``extra_terms``);
* :data:`LESION_RES` - the diabetic retinopathy lesion patterns the ICDR rules read;
* :data:`DIABETIC_CONTEXT_RE` - words that make a case diabetic.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pixtralogist.kit import Lexicon, LexiconSorter, load_lexicon

__all__ = ["DIABETIC_CONTEXT_RE", "DIAGNOSIS_RE", "EYE", "LESION_RES", "NLP_TERMS", "eyes_of", "laterality_of", "lesion_signs", "lexicon_for",
           "sorter_for"]

_DIR = Path(__file__).resolve().parent / "data" / "lexicon"


@lru_cache(maxsize=None)
def lexicon_for(name: str) -> Lexicon:
    """The lexicon ``name`` (``"eye"``, ``"fundus"`` or ``"octa"``) on the kit's base lexicon."""
    return load_lexicon(_DIR / f"{name}.yaml")


@lru_cache(maxsize=None)
def sorter_for(template_id: str) -> LexiconSorter | None:
    """The (shared, stateless) kit region sorter of one ophthalmology template, or None."""
    if template_id not in ("fundus", "octa"):
        return None
    return LexiconSorter.from_lexicon(template_id, lexicon_for(template_id))


EYE = lexicon_for("eye")


@lru_cache(maxsize=None)
def lesion_signs(template_id: str) -> tuple[dict[str, re.Pattern[str]], re.Pattern[str], re.Pattern[str]] | None:
    """A template's ``data.lesion_signs``: (region -> lesion pattern, sign pattern, "attached" pattern), or None."""
    if template_id not in ("fundus", "octa"):
        return None
    raw = lexicon_for(template_id).data.get("lesion_signs")
    if not raw:
        return None
    return ({str(r): re.compile(str(p), re.I) for r, p in raw["lesions"].items()},
            re.compile(str(raw["signs"]), re.I), re.compile(str(raw["attached"]), re.I))

# --- eyes ------------------------------------------------------------------------------

_EYES = EYE.data["eyes"]


def _eye_re(side: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(_EYES[side]) + r")(?![\w-])", re.I)


_RIGHT, _LEFT, _BOTH = _eye_re("right"), _eye_re("left"), _eye_re("both")


def eyes_of(text: str) -> frozenset[str]:
    """The eyes ``text`` names: ``{"right"}``, ``{"left"}``, both, or empty when none is named.

    Recognises OD/OS/OU (with or without dots), right/left (eye), "both eyes",
    "bilateral(ly)", "each eye". "OS" and "OD" are read case-insensitively as
    eye abbreviations (they are not English words).
    """
    if not text:
        return frozenset()
    out: set[str] = set()
    if _BOTH.search(text):
        out |= {"right", "left"}
    if _RIGHT.search(text):
        out.add("right")
    if _LEFT.search(text):
        out.add("left")
    return frozenset(out)


def laterality_of(text: str) -> str | None:
    """``'right'``, ``'left'``, ``'bilateral'`` (both eyes) or ``None``, as :class:`Finding` stores it."""
    eyes = eyes_of(text)
    if len(eyes) == 2:
        return "bilateral"
    return next(iter(eyes), None)


# --- words -------------------------------------------------------------------------------

#: Finding words of the eye lexicon (``dictation.vocabulary`` and the finding concepts' synonyms),
#: added to core NLP's generic vocabulary for this specialty.
NLP_TERMS: tuple[str, ...] = tuple(dict.fromkeys(
    EYE.finding_terms + tuple(s for c in EYE.of_kind("finding") for s in c.synonyms)))
#: ICDR lesion id -> its pattern, in the lexicon's matching order (``data.icdr_lesions``).
LESION_RES: dict[str, re.Pattern[str]] = {
    i: re.compile("|".join(EYE.concept(i).patterns), re.I) for i in EYE.data["icdr_lesions"]}
#: Choroidal neovascularization belongs to other diseases: never a PDR sign.
CNV_RE = re.compile("|".join(EYE.concept("choroidal_neovascularization").patterns), re.I)
DIABETIC_CONTEXT_RE = re.compile(r"\b(?:" + "|".join(EYE.data["diabetic_context"]) + r")\b", re.I)
#: Diagnoses an impression leads with, after the ICDR grades (``data.diagnoses``).
DIAGNOSIS_RE = re.compile(r"\b(?:" + "|".join(EYE.data["diagnoses"]) + r")\b", re.I)
