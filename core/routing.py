"""Routing a case to a specialty template: scoring the templates' declared signals, then deciding.

Every template declares its routing signals in its YAML (:class:`~pixtralogist.core.models.RoutingSignals`:
DICOM modalities and body parts, view positions, colour, request words with weights).
:func:`score_templates` scores them all for a case, adds each specialty's bespoke evidence
(:class:`Evidence`, e.g. an image-colour cue) and settles the competition between specialties:
words one specialty's templates claim count against every other specialty's templates, so no
plugin has to name another plugin's words. :func:`decide_route` turns the scores into a decision.
It never guesses: when no score is confident or the two best specialties tie, the decision asks
the clinician to choose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Literal, Mapping, Sequence

from pixtralogist.core.models import Case, RouteScore, Template, WordCue

#: A score at or above this is confident enough to route without asking.
CONFIDENT = 0.6
#: Two best scores (of different specialties) closer than this are a tie.
TIE_MARGIN = 0.1
#: Each distinct word another specialty claims lowers a template's score by this much ...
RIVAL_WORD = 0.25
#: ... up to this much in all.
RIVAL_CAP = 0.6
#: An explicit specialty hint lifts that specialty's best template to at least this.
HINTED = 0.95


@dataclass(frozen=True)
class Evidence:
    """Bespoke routing evidence a specialty adds to one template's score (``SpecialtyBundle.signals``)."""

    add: float = 0.0
    reasons: tuple[str, ...] = ()


@lru_cache(maxsize=512)
def _compile(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w#])(?:" + "|".join(words) + r")(?!\w)", re.I)


def _found(cue: WordCue, texts: Mapping[str, str]) -> set[str]:
    return {" ".join(m.group(0).lower().split()) for m in _compile(tuple(cue.words)).finditer(texts[cue.source])}


def case_texts(case: Case) -> dict[str, str]:
    """The texts word cues read: ``descriptions`` (DICOM study/series descriptions), ``study`` (the
    indication and descriptions: what the study is) and ``request`` (also notes and comparison, which
    may mention another study: "recommend CT in 3 months")."""
    desc = " ".join(d for img in case.images for d in (img.meta.study_description, img.meta.series_description) if d)
    return {"descriptions": desc, "study": f"{case.indication} {desc}",
            "request": " ".join([case.indication, case.notes, case.comparison, desc])}


def _modalities(case: Case) -> set[str]:
    found = {(case.modality or "").upper()} | {(img.meta.modality or "").upper() for img in case.images}
    return found - {""}


def _body_parts(case: Case) -> set[str]:
    found = {(case.body_part or "").upper()} | {(img.meta.body_part or "").upper() for img in case.images}
    return found - {""}


def _score_template(case: Case, tpl: Template, texts: Mapping[str, str]) -> tuple[float, list[str], set[str]]:
    """The template's own score (before competition and bespoke evidence), its reasons, its words."""
    sig = tpl.routing
    score, reasons, confirmed = 0.0, [], set()
    mods = _modalities(case)
    known = {m.upper() for m in tpl.modalities} | set(sig.modality_weights)
    if mods & known:
        m = sorted(mods & known)[0]
        score += max(sig.modality_weights.get(x, sig.modality) for x in mods & known)
        reasons.append(f"DICOM modality {m}")
        confirmed.add("modality")
    elif mods and sig.other_modality:
        score += sig.other_modality
        reasons.append(f"DICOM modality {'/'.join(sorted(mods))} does not fit {tpl.title}")
    bodies = _body_parts(case)
    if bodies & {b.upper() for b in tpl.body_parts}:
        score += sig.body_part
        reasons.append(f"body part {sorted(bodies & {b.upper() for b in tpl.body_parts})[0]}")
    elif bodies and sig.other_body_part:
        score += sig.other_body_part
        reasons.append(f"body part {'/'.join(sorted(bodies))} does not fit {tpl.title}")
    views = {(img.meta.view or "").upper() for img in case.images} & set(sig.views)
    if views:
        score += max(sig.views[v] for v in views)
        reasons.append("view position " + "/".join(sorted(views)))
    if sig.colour and case.images:
        colour = [img.meta.channels >= 3 for img in case.images]
        if all(colour):
            score += sig.colour
            reasons.append("colour photographs")
        elif not any(colour):
            score -= sig.colour
            reasons.append("grayscale images")
    own: set[str] = set()
    groups: dict[tuple[str, str], list[tuple[WordCue, set[str]]]] = {}
    for cue in sig.words:  # cues with the same label and source share one cap
        groups.setdefault((cue.label, cue.source), []).append((cue, _found(cue, texts)))
    for (label, source), cues in groups.items():
        counted: set[str] = set()
        total = 0.0
        for cue, found in cues:
            total += cue.weight * len(found - counted)
            counted |= found
            if cue.weight > 0:
                own |= found
        if not counted:
            continue
        caps = [c.cap for c, _ in cues if c.cap is not None]
        if caps:
            total = max(-max(caps), min(max(caps), total))
        score += total
        where = {"request": "in the request", "study": "named in the indication or study description",
                 "descriptions": "in the DICOM study description"}
        reasons.append(f"{label} {where[source]}: " + ", ".join(sorted(counted)[:5]))
        confirmed.add(label)
    if sig.confirmed_by and not confirmed & ({"modality"} | set(sig.confirmed_by)):
        score = min(score, sig.unconfirmed_cap)
    return score, reasons, own


def score_templates(
    case: Case,
    templates: Sequence[Template],
    bespoke: Mapping[str, Callable[[Case, Template], "Evidence | None"]] | None = None,
) -> list[RouteScore]:
    """One :class:`RouteScore` (0..1, with reasons) per template, in the order given.

    A template's score is the sum of its declared signals, plus its specialty's bespoke
    :class:`Evidence`, minus :data:`RIVAL_WORD` per distinct word that templates of *other*
    specialties claim (``WordCue.claims``) and it does not (at most :data:`RIVAL_CAP`). With
    ``case.specialty_hint``, that specialty's best template is lifted to at least :data:`HINTED`.
    """
    texts = case_texts(case)
    claimed: dict[str, set[str]] = {}
    for tpl in templates:
        for cue in tpl.routing.words:
            if cue.claims and cue.weight > 0:
                claimed.setdefault(tpl.specialty, set()).update(_found(cue, texts))
    raw: list[tuple[Template, float, list[str]]] = []
    for tpl in templates:
        score, reasons, own = _score_template(case, tpl, texts)
        signals = (bespoke or {}).get(tpl.specialty)
        extra = signals(case, tpl) if signals is not None else None
        if extra is not None:
            score += extra.add
            reasons.extend(extra.reasons)
        rival = set().union(*[w for s, w in claimed.items() if s != tpl.specialty]) - own
        if rival:
            score -= min(RIVAL_CAP, RIVAL_WORD * len(rival))
            reasons.append("words of another specialty: " + ", ".join(sorted(rival)[:5]))
        raw.append((tpl, score, reasons))
    # Scores above 1 are shifted down per specialty before clipping, so sibling templates keep their gap.
    top: dict[str, float] = {}
    for tpl, score, _ in raw:
        top[tpl.specialty] = max(top.get(tpl.specialty, score), score)
    out = [RouteScore(specialty=tpl.specialty, template_id=tpl.id, reasons=reasons,
                      score=round(min(1.0, max(0.0, score - max(0.0, top[tpl.specialty] - 1.0))), 3))
           for tpl, score, reasons in raw]
    hint = case.specialty_hint
    hinted = [i for i, s in enumerate(out) if s.specialty == hint]
    if hinted:
        best = max(hinted, key=lambda i: (out[i].score, -i))
        s = out[best]
        out[best] = s.model_copy(update={"score": max(s.score, HINTED), "reasons": [*s.reasons, "specialty requested"]})
    return out


@dataclass(frozen=True)
class RouteDecision:
    """The outcome of routing."""

    status: Literal["routed", "ask"]
    choice: RouteScore | None
    candidates: tuple[RouteScore, ...] = field(default=())
    reason: str = ""


def decide_route(
    scores: list[RouteScore],
    *,
    hint: str | None = None,
    confident: float = CONFIDENT,
    tie_margin: float = TIE_MARGIN,
) -> RouteDecision:
    """Pick a template from plugin scores.

    - An explicit specialty ``hint`` wins when a plugin of that specialty
      scored the case (its best template is chosen).
    - Otherwise the best score wins if it is confident and not tied with the
      best score of another specialty.
    - Otherwise the decision is ``ask`` with the candidates, best first.
    """
    ranked = sorted(scores, key=lambda s: -s.score)
    if hint:
        hinted = [s for s in ranked if s.specialty == hint.strip().lower()]
        if hinted:
            return RouteDecision("routed", hinted[0], tuple(ranked), f"specialty chosen explicitly: {hint}")
        return RouteDecision("ask", None, tuple(ranked), f"no installed plugin handles the requested specialty {hint!r}")
    if not ranked:
        return RouteDecision("ask", None, (), "no plugin recognised this case")
    best = ranked[0]
    if best.score < confident:
        return RouteDecision("ask", None, tuple(ranked), f"no confident match (best {best.specialty} {best.score:.2f})")
    rival = next((s for s in ranked[1:] if s.specialty != best.specialty), None)
    if rival is not None and best.score - rival.score < tie_margin:
        return RouteDecision(
            "ask", None, tuple(ranked), f"{best.specialty} and {rival.specialty} fit equally well"
        )
    return RouteDecision("routed", best, tuple(ranked), "; ".join(best.reasons) or "best score")
