"""Phrasing-shape coverage: does a finding keep its qualifiers whatever shape the clinician dictates them in?

Generated, seeded and deterministic (issue 13, round 6). For every built-in template (radiology ``cxr``,
``ct_chest``, ``mri_brain``; pathology ``breast-resection``; dermatology ``skin_lesion``; ophthalmology
``fundus``, ``octa``) the finding words of its lexicon (its finding concepts' names and synonyms, its
``dictation.vocabulary`` and ``dictation.finding_terms``) are **calibrated**: each is drafted alone ("Effusion.",
"OD: drusen.", "Papule.") and kept when the draft states it, not denied, in exactly one findings
region, its **home** (a word the draft rewrites away or only lists as "not placed" is left to
``benchmarks/lexicon_coverage.py``). The concepts are split in halves by ``sha1(template:term)``: the **tune**
half, whose failures ``--errors`` lists, and the **holdout** half, drafted with another seed, whose failures are
never printed (report it as the honest figure).

For each sampled concept the generator builds one dictation per **shape family** and two or three
**combinations** of 2-3 families in shuffled order:

* ``severity``     "mild X", "X, mild", "X (mild)", "X - mild", "X mild" (the concept's own scale when it has one)
* ``laterality``   R/L/Rt/Lt/right/left/bilat/B/L before or after, "on the R", "R-sided"; OD/OS/OU, RE/LE,
                   "right eye", "OD:" for eyes; "L breast" (pathology) and "L shoulder" (dermatology) forms
* ``size``         4mm, 4 mm, 4x3mm, 4 x 3 x 2 cm, ~4cm, <5mm, "measuring 4 mm" (not for eyes)
* ``temporality``  old, new, chronic, stable, unchanged, "stable since prior", age indeterminate, healing
* ``certainty``    ?X, X?, likely, probable, c/w, suspicious for, r/o, cannot exclude, "X vs Y"
* ``negation``     no X, X not seen, neg for X, no evidence of X (combined only with laterality)

Each dictation is realistic: demographics and a clinical question first ("65M SOB."), one or two other
findings of the same template around the target. Its **facts** (``benchmarks/dictation.py``'s :class:`Fact`,
scored by its :func:`score_draft`): the target with every qualifier in one sentence of its home region
(dermatology's size and site, pathology's size of a tumour type and specimen side go to their attribute
regions), each other finding in its home region, the age in the indication; no orphaned fragment. An item
**passes** when every fact is correct and nothing is orphaned.

Prints the pass rate per family (an item counts for every family it combines) and per specialty, for each
half; ``--errors N`` lists tune-half failures with their drafts. Exits 1 when the tune or holdout half's
overall pass rate is below ``THRESHOLD`` or any family of the tune half is below ``FAMILY_FLOOR``.

Figures (``python benchmarks/phrasing_shapes.py``; items pass / items):

BEFORE (code of 2bfb939; the generator frozen in this commit before any fix):

    family        tune            holdout
    severity      185/253 73.1%   165/234 70.5%
    laterality    209/350 59.7%   203/329 61.7%
    size          113/171 66.1%   123/173 71.1%
    temporality   128/176 72.7%   124/177 70.1%
    certainty     150/251 59.8%   153/244 62.7%
    negation      142/196 72.4%   139/188 73.9%
    combo2        214/325 65.8%   202/309 65.4%
    combo3         33/67  49.3%    37/67  55.2%
    ALL           647/938 69.0%   631/902 70.0%
    dermatology    24/140 17.1%    39/140 27.9%
    ophthalmology 156/252 61.9%   137/225 60.9%
    pathology      93/126 73.8%    79/117 67.5%
    radiology     374/420 89.0%   376/420 89.5%

AFTER (the kit fixes of this round; the holdout half never looked at; gates raised to 82% overall, 72% a family):

    family        tune            holdout
    severity      215/253 85.0%   198/234 84.6%
    laterality    275/350 78.6%   264/329 80.2%
    size          137/171 80.1%   146/173 84.4%
    temporality   155/176 88.1%   158/177 89.3%
    certainty     193/251 76.9%   190/244 77.9%
    negation      172/196 87.8%   169/188 89.9%
    combo2        259/325 79.7%   248/309 80.3%
    combo3         43/67  64.2%    48/67  71.6%
    ALL           802/938 85.5%   781/902 86.6%
    dermatology    96/140 68.6%   107/140 76.4%
    ophthalmology 210/252 83.3%   191/225 84.9%
    pathology      93/126 73.8%    79/117 67.5%
    radiology     403/420 96.0%   404/420 96.2%

What is still missed (tune half), by class: the ophthalmology reader loses an eye after a comma (", OD", ", right
eye", "drusen?, LE") to the eye of the sentence before, and makes ", stable since prior" or a dash/bracket severity a
sentence of its own; "R/o X" after the opening is read as the clinical question (the
indication), which the generator counts as a lost hedge; "mole check" names a finding word, so it stays a finding;
a denial of both eyes is written "in either eye", which the frozen expectation does not accept.

Round 7 (h-path7, pathology only; the code of f5a6f44 gave tune 87/126 69.0%, holdout 86/117 73.5%): a bilateral
specimen is "Bilateral.", "?X" after a sentence end is its own sentence, "X?" and a later "R/o X" are "possible X", a
size-only statement naming another finding is that finding's: pathology tune 123/126 97.6%, holdout 117/117 100.0%
(still missed: "Tumour ~4 cm" is kept as the tumour size, which the generator files under the finding's home).

    python benchmarks/phrasing_shapes.py [--split tune|holdout|all] [--errors N] [--family F] [--template T]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dictation import (  # noqa: E402
    TEMPLATE_CASE, DictationItem, Fact, _case, _host, draft_sections, find_term, is_negated, normalize,
    print_draft, print_misses, run_dictation,
)

SEEDS = {"tune": 13, "holdout": 1313}
#: Concepts sampled per template and half (the whole calibrated lexicon when it has fewer).
PER_TEMPLATE = 14
FAMILIES = ("severity", "laterality", "size", "temporality", "certainty", "negation")
#: Gates, set from the figures (see the docstring): each half's overall pass rate and every tune family's.
#: Frozen logic; the values are raised with the fixes (a few points under the figures they guard).
THRESHOLD = 0.82
FAMILY_FLOOR = 0.72

#: A finding concept with more words than this is an umbrella (its words are no synonyms of each other).
UMBRELLA = 15
#: Templates whose catch-all region is a home of its own (a word homed in any other catch-all is left out:
#: it is outside the template's regions, as a chest word in a brain MRI).
CATCH_ALL_IS_HOME = frozenset({"breast-resection"})

TEMPLATES = ("cxr", "ct_chest", "mri_brain", "breast-resection", "skin_lesion", "fundus", "octa")
EYE = frozenset({"fundus", "octa"})
#: Templates whose size and side are attributes with regions of their own.
ATTRIBUTE_REGIONS = {
    "skin_lesion": {"size": "size", "laterality": "distribution_site"},
    "breast-resection": {"size": "size", "laterality": "laterality"},
}
QUESTIONS = {
    "cxr": ["SOB", "cough", "chest pain", "fever"], "ct_chest": ["SOB", "cough", "weight loss", "hemoptysis"],
    "mri_brain": ["headache", "confusion", "seizure", "dizziness"], "breast-resection": ["screen detected"],
    "skin_lesion": ["skin check", "GP referral", "3/12 hx"],
    "fundus": ["diabetic screen", "blurred vision"], "octa": ["diabetic", "reduced vision"],
}

# --- the shape forms: (dictated form, accepted renderings) ----------------------------------------------

SIDES = {  # typed form -> side
    "R": "right", "L": "left", "Rt": "right", "Lt": "left", "right": "right", "left": "left",
    "bilat": "bilateral", "B/L": "bilateral", "bilateral": "bilateral",
}
SIDE_SAY = {"right": ["right"], "left": ["left"], "bilateral": ["bilateral", "bilaterally", "both"]}
EYES = {"OD": "right", "OS": "left", "OU": "both", "RE": "right", "LE": "left", "right eye": "right",
        "left eye": "left"}
EYE_SAY = {"right": ["right eye", "right"], "left": ["left eye", "left"],
           "both": ["both eyes", "bilateral", "bilaterally", "each eye", "both"]}
SEVERITY_SAY = {"mild": ["mild", "mildly"], "moderate": ["moderate", "moderately"], "severe": ["severe", "severely"],
                "marked": ["marked", "markedly"], "small": ["small"], "large": ["large"], "trace": ["trace"],
                "minimal": ["minimal", "minimally"], "tiny": ["tiny"]}
SIZES = [("4mm", ["4 mm"]), ("4 mm", ["4 mm"]), ("4x3mm", ["4 x 3 mm"]), ("4 x 3 x 2 cm", ["4 x 3 x 2 cm"]),
         ("~4cm", ["4 cm"]), ("<5mm", ["5 mm"]), ("measuring 4 mm", ["4 mm"]), ("2.5 cm", ["2.5 cm"])]
TEMPORAL = [("old", "pre", ["old", "chronic", "remote"]), ("new", "pre", ["new"]), ("chronic", "pre", ["chronic"]),
            ("stable", "comma", ["stable"]), ("unchanged", "comma", ["unchanged", "stable"]),
            ("stable since prior", "comma", ["stable"]), ("age indeterminate", "comma", ["age indeterminate"]),
            ("healing", "pre", ["healing"])]
HEDGE = ["possible", "possibly", "may represent", "could represent", "likely", "probable", "probably", "suspicious",
         "concerning", "suggestive", "favor", "cannot exclude", "cannot be excluded", "questionable", "query",
         "versus", "differential", "consistent with", "compatible with", "rule out", "uncertain"]
CERTAINTY = [("?{X}", HEDGE), ("{X}?", HEDGE), ("likely {X}", ["likely", "probable", "probably"]),
             ("probable {X}", ["probable", "probably", "likely"]), ("c/w {X}", ["consistent with", "compatible with"]),
             ("suspicious for {X}", ["suspicious", "concerning"]), ("r/o {X}", HEDGE),
             ("cannot exclude {X}", ["cannot exclude", "cannot be excluded", "possible"]), ("{X} vs {Y}", None)]
NEGATION = ["no {X}", "{X} not seen", "neg for {X}", "no evidence of {X}"]


@dataclass
class Concept:
    """One calibrated finding word of a template."""

    template: str
    term: str
    say: tuple[str, ...]  # what a draft may call it
    home: str
    severity: tuple[str, ...] = ()


@dataclass
class Shape:
    """The qualifiers of one target, built family by family."""

    pre: list[str] = field(default_factory=list)   # words before the finding, in order
    post: list[str] = field(default_factory=list)  # parts after it, in order (", mild", " (mild)", " OD")
    groups: list[list[str]] = field(default_factory=list)  # renderings each in the finding's sentence
    attr_facts: list[Fact] = field(default_factory=list)  # facts of attribute regions
    wrap: str = "{X}"  # a certainty or negation frame
    mark: str = ""  # a hedge mark right after the finding word ("effusion?")
    extra: list[Fact] = field(default_factory=list)
    polarity: str = "positive"
    header: str = ""  # an eye header ("OD: ")
    site: str = ""  # dermatology: where the lesion is
    specimen: str = ""  # pathology: the procedure with the specimen's side


# --- calibration --------------------------------------------------------------------------------------------


def lexicon_of(template: str):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from lexicon_coverage import lexicon_of as _lex

    return _lex(template)


def _word_ok(term: str) -> bool:
    if not re.fullmatch(r"[a-z][a-z \-]{2,40}", term):
        return False
    last = term.split()[-1]
    return not (" " not in term and re.search(r"(?:al|ic|ed|ous)$", last))


def candidate_terms(template: str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """term -> (what a draft may call it, the concept's severity scale), from the template's lexicon."""
    lex = lexicon_of(template)
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for c in lex.concepts:
        if c.kind != "finding" or "(" in c.label:
            continue
        say = tuple(dict.fromkeys([c.label.lower(), *(s.lower() for s in c.synonyms)]))
        umbrella = len(say) > UMBRELLA  # a catch-all concept: its words are no synonyms of each other
        for t in say:
            if _word_ok(t):
                out.setdefault(t, ((t,) if umbrella else tuple(dict.fromkeys((t,) + say)), tuple(c.severity)))
    for t in lex.finding_terms:
        t = t.lower()
        if _word_ok(t):
            out.setdefault(t, ((t,), ()))
    # a plural whose singular is listed is the same concept
    return {t: v for t, v in out.items() if not (t.endswith("s") and t[:-1] in out)}


def _bare(template: str, term: str) -> str:
    if template in EYE:
        return f"OD: {term}."
    return f"{term.capitalize()}."


def _stated_regions(draft: Any, say: tuple[str, ...]) -> set[str]:
    regions = set()
    for region, sents in draft_sections(draft).items():
        if region in ("impression", "indication"):
            continue
        for s in sents:
            norm = normalize(s)
            for t in say:
                spans = find_term(t, norm)
                if spans and not all(is_negated(norm, p, p + len(normalize(t))) for p in spans):
                    regions.add(region)
    return regions


def calibrate(template: str, host) -> list[Concept]:
    tpl = host.template(template)
    drafter = host.drafter(tpl.specialty, tpl)
    out = []
    for term, (say, sev) in sorted(candidate_terms(template).items()):
        draft = drafter.draft(_case(template, _bare(template, term), ""), tpl)
        where = _stated_regions(draft, say)
        if len(where) == 1 and (template in CATCH_ALL_IS_HOME or where != {lexicon_of(template).catch_all}):
            out.append(Concept(template, term, say, where.pop(), sev))
    return out


def half_of(c: Concept) -> str:
    return "holdout" if int(hashlib.sha1(f"{c.template}:{c.term}".encode()).hexdigest(), 16) % 2 else "tune"


# --- the shape families -------------------------------------------------------------------------------------


def _severity(rng: random.Random, c: Concept, s: Shape) -> None:
    scale = [w for w in c.severity if w in SEVERITY_SAY] or ["mild", "moderate", "severe"]
    w = rng.choice(scale)
    form = rng.choice(["pre", "comma", "bracket", "dash", "after"])
    if form == "pre":
        s.pre.append(w)
    else:
        s.post.append({"comma": f", {w}", "bracket": f" ({w})", "dash": f" - {w}", "after": f" {w}"}[form])
    s.groups.append(SEVERITY_SAY[w])


def _laterality(rng: random.Random, c: Concept, s: Shape) -> None:
    t = c.template
    if t in EYE:
        typed = rng.choice(list(EYES))
        say = EYE_SAY[EYES[typed]]
        form = rng.choice(["header", "pre", "after", "comma", "in"])
        if form == "header":
            s.header = f"{typed}: "
        elif form == "pre":
            s.pre.insert(0, typed)
        elif form == "after":
            s.post.append(f" {typed}")
        elif form == "comma":
            s.post.append(f", {typed}")
        else:
            s.post.append(f" in {'the ' + typed if 'eye' in typed else typed}")
        s.groups.append(say)
        return
    typed = rng.choice(list(SIDES))
    side = SIDES[typed]
    say = SIDE_SAY[side]
    if t in ATTRIBUTE_REGIONS:
        region = ATTRIBUTE_REGIONS[t]["laterality"]
        if t == "skin_lesion":
            site = rng.choice(["shoulder", "forearm", "shin", "cheek", "thigh"])
            s.site = rng.choice([f"{typed} {site}", f"on the {typed} {site}", f"{site} {typed}", f"{site}, {typed}"])
            s.attr_facts.append(Fact(region, (tuple(say), (site,))))
        else:
            s.specimen = rng.choice([f"{typed} breast mastectomy", f"mastectomy, {typed}", f"{typed} mastectomy",
                                     f"mastectomy ({typed} breast)"])
            s.attr_facts.append(Fact(region, (tuple(say),)))
        return
    form = rng.choice(["pre", "after", "on the", "sided"] + ([] if s.polarity == "negative" else ["comma"]))
    if form == "pre":
        s.pre.insert(0, typed)
    elif form == "after":
        s.post.append(f" {typed}")
    elif form == "on the":
        s.post.append(f" on the {typed}")
    elif form == "sided" and side != "bilateral":
        s.pre.insert(0, f"{typed}-sided")
    else:
        s.post.append(f", {typed}")
    s.groups.append(say)


def _size(rng: random.Random, c: Concept, s: Shape) -> None:
    typed, say = rng.choice(SIZES)
    form = rng.choice(["pre", "after", "comma", "bracket"]) if not typed.startswith(("measuring", "<", "~")) \
        else rng.choice(["after", "comma"])
    if form == "pre":
        s.pre.append(typed)
    else:
        s.post.append({"after": f" {typed}", "comma": f", {typed}", "bracket": f" ({typed})"}[form])
    attr = ATTRIBUTE_REGIONS.get(c.template, {}).get("size")
    if attr and (c.template == "skin_lesion" or c.home == "histologic_type"):
        s.attr_facts.append(Fact(attr, (tuple(say),)))
    else:
        s.groups.append(say)


def _temporality(rng: random.Random, c: Concept, s: Shape) -> None:
    word, where, say = rng.choice(TEMPORAL)
    if where == "pre":
        s.pre.insert(0, word)
    else:
        s.post.append(f", {word}")
    s.groups.append(say)


def _certainty(rng: random.Random, c: Concept, s: Shape, other: Concept | None = None) -> None:
    form, say = rng.choice(CERTAINTY)
    if say is None:
        if other is None:
            form, say = CERTAINTY[2]
        else:
            s.wrap = form.replace("{Y}", other.term)
            s.groups.append(list(other.say))
            s.groups.append(["versus", "vs", "or", "differential"])
            return
    if form == "{X}?":
        s.mark = "?"
    else:
        s.wrap = form
    s.groups.append(say)


def _negation(rng: random.Random, c: Concept, s: Shape) -> None:
    s.wrap = rng.choice(NEGATION)
    s.polarity = "negative"


APPLY = {"severity": _severity, "laterality": _laterality, "size": _size, "temporality": _temporality,
         "certainty": _certainty, "negation": _negation}


def applicable(template: str, family: str) -> bool:
    if family == "size" and template in EYE:
        return False
    if family == "temporality" and template == "breast-resection":
        return False
    return True


# --- the dictations -----------------------------------------------------------------------------------------


def _phrase(c: Concept, s: Shape) -> str:
    inner = " ".join(s.pre + [c.term + s.mark] + ([s.site] if s.site else [])) + "".join(s.post)
    text = s.wrap.replace("{X}", inner)
    return s.header + text[0].upper() + text[1:]


def _demographics(rng: random.Random, template: str) -> tuple[str, Fact]:
    age = rng.randint(24, 88)
    sex = rng.choice("MF")
    form = rng.choice([f"{age}{sex}", f"{age} yo {sex}", f"{age} y/o {sex}", f"{sex} {age}"])
    q = rng.choice(QUESTIONS[template])
    return f"{form} {q}.", Fact("indication", ((str(age),),))


def _other_sentence(template: str, o: Concept) -> str:
    if template in EYE:
        return f"OS: {o.term}."
    return f"{o.term.capitalize()}."


@dataclass
class Generated:
    item: DictationItem
    families: tuple[str, ...]
    concept: Concept


def build_item(rng: random.Random, c: Concept, families: tuple[str, ...], pool: list[Concept], n: int,
               half: str) -> Generated:
    others = [o for o in pool if o.term != c.term and o.home != c.home and not set(o.say) & set(c.say)]
    others = rng.sample(others, min(len(others), rng.choice([1, 2])))
    vs_pool = [o for o in pool if o.home == c.home and o.term != c.term and not set(o.say) & set(c.say)]
    s = Shape()
    for fam in sorted(families, key=lambda f: f != "negation"):  # a denial first: it limits the side's forms
        if fam == "certainty":
            _certainty(rng, c, s, rng.choice(vs_pool) if vs_pool else None)
        else:
            APPLY[fam](rng, c, s)
    phrase = _phrase(c, s)
    if c.template in EYE and "laterality" not in families:
        phrase = f"OD: {phrase}"
    demo, demo_fact = _demographics(rng, c.template)
    parts = [demo]
    if c.template == "breast-resection":
        specimen = s.specimen or "breast mastectomy"
        parts.append(f"{specimen[0].upper()}{specimen[1:]}.")
    other_sents = [_other_sentence(c.template, o) for o in others]
    at = rng.randint(0, len(other_sents))
    body = other_sents[:at] + [phrase.rstrip(".") + "."] + other_sents[at:]
    dictation = " ".join(parts + body)
    groups = (tuple(c.say),) + tuple(tuple(g) for g in s.groups)
    facts = [Fact(c.home, groups, polarity=s.polarity), *s.attr_facts, demo_fact]
    facts += [Fact(o.home, (tuple(o.say),)) for o in others]
    spec = TEMPLATE_CASE[c.template][0]
    item = DictationItem(f"{c.template}:{c.term}:{'+'.join(families)}:{n}", spec, c.template, half, dictation, "",
                         facts)
    return Generated(item, families, c)


def _combos(rng: random.Random, template: str) -> list[tuple[str, ...]]:
    fams = [f for f in FAMILIES if applicable(template, f) and f != "negation"]
    out = []
    for k in (2, 3, 2):
        pick = rng.sample(fams, k)
        if "certainty" in pick and "temporality" in pick and k == 3:
            pick.remove("temporality")
        out.append(tuple(pick))
    if applicable(template, "negation"):
        out.append(("negation", "laterality") if rng.random() < 0.5 else ("laterality", "negation"))
    return out


def generate(half: str, host, templates=TEMPLATES) -> list[Generated]:
    """The dictations of one half, deterministic for its seed."""
    rng = random.Random(SEEDS[half])
    out: list[Generated] = []
    for t in templates:
        pool = calibrate(t, host)
        mine = [c for c in pool if half_of(c) == half]
        sample = sorted(rng.sample(mine, min(PER_TEMPLATE, len(mine))), key=lambda c: c.term)
        n = 0
        for c in sample:
            plans = [(f,) for f in FAMILIES if applicable(t, f)] + _combos(rng, t)
            for fams in plans:
                out.append(build_item(rng, c, fams, pool, n, half))
                n += 1
    return out


# --- scoring and the report -----------------------------------------------------------------------------------


def run(generated: list[Generated], host) -> list[tuple[Generated, Any, Any]]:
    results = run_dictation([g.item for g in generated], host)
    return [(g, d, sc) for g, (_, d, sc) in zip(generated, results)]


def passed(score) -> bool:
    return not score.orphans and all(s == "correct" for _, s in score.statuses)


def _family_keys(g: Generated) -> list[str]:
    if len(g.families) == 1:
        return [g.families[0]]
    return list(g.families) + [f"combo{len(g.families)}"]


def summarise(results) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    fam: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    spec: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for g, _, sc in results:
        ok = passed(sc)
        for k in _family_keys(g) + ["ALL"]:
            fam[k][0] += ok
            fam[k][1] += 1
        for k in (g.item.specialty, "ALL"):
            spec[k][0] += ok
            spec[k][1] += 1
    return fam, spec


def _rate(v: list[int]) -> float:
    return v[0] / v[1] if v[1] else 1.0


def print_summary(half: str, results) -> tuple[dict, dict]:
    fam, spec = summarise(results)
    print(f"\n[{half}] items passing (every fact correct, no orphan), per family:")
    for k in list(FAMILIES) + ["combo2", "combo3", "ALL"]:
        if k in fam:
            print(f"  {k:<13}{fam[k][0]:>5}/{fam[k][1]:<5}{100 * _rate(fam[k]):6.1f}%")
    print(f"[{half}] per specialty:")
    for k in sorted(spec):
        print(f"  {k:<13}{spec[k][0]:>5}/{spec[k][1]:<5}{100 * _rate(spec[k]):6.1f}%")
    return fam, spec


def print_errors(results, limit: int) -> None:
    shown = 0
    for g, draft, sc in results:
        if passed(sc) or g.item.split != "tune":
            continue
        print(f"- {g.item.id} {g.item.dictation!r}")
        print_misses(sc)
        print_draft(draft, skip_defaults=True)
        if getattr(draft, "not_placed", None):
            print(f"      | not placed: {draft.not_placed}")
        shown += 1
        if shown >= limit:
            break


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("tune", "holdout", "all"), default="all")
    ap.add_argument("--errors", type=int, default=0, help="list the first N failing tune-half items")
    ap.add_argument("--family", choices=FAMILIES, help="list errors of items with this family only")
    ap.add_argument("--template", choices=TEMPLATES, action="append")
    args = ap.parse_args(argv)
    host = _host()
    templates = tuple(args.template or TEMPLATES)
    misses = []
    for half in ("tune", "holdout") if args.split == "all" else (args.split,):
        t0 = time.perf_counter()
        gen = generate(half, host, templates)
        results = run(gen, host)
        fam, _ = print_summary(half, results)
        print(f"({len(gen)} dictations generated and drafted in {time.perf_counter() - t0:.1f} s)")
        if _rate(fam["ALL"]) < THRESHOLD:
            misses.append(f"{half} {100 * _rate(fam['ALL']):.1f}% < {100 * THRESHOLD:.0f}%")
        if half == "tune":
            low = [k for k in FAMILIES if k in fam and _rate(fam[k]) < FAMILY_FLOOR]
            misses += [f"tune family {k} {100 * _rate(fam[k]):.1f}% < {100 * FAMILY_FLOOR:.0f}%" for k in low]
            if args.errors:
                sel = [r for r in results if args.family is None or args.family in r[0].families]
                print(f"\nFirst {args.errors} failing tune items:")
                print_errors(sel, args.errors)
    if misses:
        print("\nTARGETS MISSED: " + "; ".join(misses))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
