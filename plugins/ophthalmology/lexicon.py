"""Ophthalmology vocabulary: eyes, lesions, regions, shorthand. Pure data and tiny helpers.

Everything the routing, the dictation parser, the region sorter and the rule
checks agree on lives here, so a word is added once:

* :func:`eyes_of` - which eye(s) a sentence names (OD / OS / OU, right / left
  eye, both eyes); laterality matters in eye reports and is never guessed.
* :data:`NLP_TERMS` - finding words added to :mod:`pixtralogist.core.nlp`'s
  vocabulary (``extra_terms``), so "microaneurysms", "neovascularization" or
  "cotton wool spots" count as findings for negation/abnormality.
* :data:`FUNDUS_RULES` / :data:`OCTA_RULES` - ``(region, kind, pattern)``
  rules of the region sorters; ``kind`` is ``"anatomy"`` (a place: it wins over
  a lesion's usual region) or ``"lesion"`` (a finding with a usual region).
* :data:`ABBREVIATIONS` - clinician shorthand for the dictation parser.

All patterns are lower-case regular expressions with non-capturing groups only,
matched on lower-cased text at word starts.
"""

from __future__ import annotations

import re
from typing import Literal

Eye = Literal["right", "left"]

# --- eyes ------------------------------------------------------------------------------

_RIGHT = re.compile(r"(?<![\w-])(?:o\.?d\.?(?![\w])|right(?:\s+eye)?|r\s+eye|re(?=\s*:))(?![\w-])", re.I)
_LEFT = re.compile(r"(?<![\w-])(?:o\.?s\.?(?![\w])|left(?:\s+eye)?|l\s+eye|le(?=\s*:))(?![\w-])", re.I)
_BOTH = re.compile(r"(?<![\w-])(?:o\.?u\.?(?![\w])|both\s+eyes|either\s+eye|bilateral(?:ly)?|each\s+eye)(?![\w-])", re.I)


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


EYE_WORDS = {"right": "right eye", "left": "left eye"}

# --- NLP vocabulary ---------------------------------------------------------------------

#: Finding words added to core NLP's vocabulary for this specialty (singular and plural spelled out).
NLP_TERMS: tuple[str, ...] = (
    "microaneurysm", "microaneurysms", "hemorrhages", "haemorrhage", "haemorrhages", "dot-blot hemorrhages",
    "dot blot hemorrhages", "blot hemorrhages", "flame hemorrhages", "intraretinal hemorrhages",
    "vitreous hemorrhage", "preretinal hemorrhage", "preretinal hemorrhages", "subhyaloid hemorrhage",
    "exudate", "exudates", "hard exudates", "cotton wool spot", "cotton wool spots", "venous beading",
    "beading", "IRMA", "intraretinal microvascular abnormalities", "neovascularization", "neovascularisation",
    "NVD", "NVE", "NVI", "new vessels", "macular edema", "macular oedema", "diabetic macular edema",
    "clinically significant macular edema", "DME", "CSME", "cystoid macular edema", "macular thickening",
    "retinal detachment", "detachment", "tractional detachment", "retinal tear", "drusen", "pallor",
    "disc pallor", "disc swelling", "disc edema", "papilledema", "swelling", "cupping", "AV nicking",
    "arteriovenous nicking", "nicking", "attenuation", "attenuated", "narrowing", "narrowed",
    "non-perfusion", "nonperfusion", "capillary dropout", "capillary drop-out", "non-perfused",
    "ischemia", "ischaemia", "subretinal fluid", "intraretinal fluid", "epiretinal membrane", "atrophy",
    "laser scars", "photocoagulation scars", "retinopathy", "diabetic retinopathy", "NPDR", "PDR",
    "non-proliferative diabetic retinopathy", "proliferative diabetic retinopathy", "reduced", "irregular",
    "occlusion", "vein occlusion", "choroidal neovascularization", "CNV", "macular hole", "pigment epithelial detachment",
    "tortuous", "tortuosity", "sheathing", "copper wiring", "silver wiring", "enlargement",
)

# --- diabetic retinopathy lesions (for grading) -----------------------------------------

#: lesion -> pattern on lower-cased text. Order matters: a hemorrhage is intraretinal only when it
#: is not vitreous/preretinal/subhyaloid/subretinal/disc hemorrhage.
_HEM = r"(?:ha?emorrhag(?:e|es|ic)|hemes?|haem(?:s)?|hmgs?)"
LESIONS: dict[str, str] = {
    "microaneurysm": r"micro-?aneurysms?|(?<![a-z])mas?(?![a-z])",
    "vitreous_hemorrhage": rf"vitreous\s+{_HEM}|(?<![a-z])vh(?![a-z])|{_HEM}\s+(?:in|into)\s+the\s+vitreous",
    "preretinal_hemorrhage": rf"(?:pre-?retinal|subhyaloid|sub-hyaloid)\s+{_HEM}",
    "other_hemorrhage": rf"(?:subretinal|sub-retinal|disc|splinter\s+disc|optic\s+disc|choroidal|subconjunctival)\s+{_HEM}",
    "hemorrhage": rf"(?:dot[- ]?(?:and[- ])?blot\s+|blot\s+|flame(?:[- ]shaped)?\s+|intraretinal\s+|retinal\s+)?{_HEM}",
    "hard_exudate": r"(?:hard\s+)?exudat(?:e|es|ion)",
    "cotton_wool_spot": r"cotton[- ]?wool(?:\s+spots?)?|soft\s+exudates?|(?<![a-z])cws(?![a-z])",
    "venous_beading": r"venous\s+beading|beading",
    "irma": r"(?<![a-z])irmas?(?![a-z])|intraretinal\s+microvascular\s+abnormalit(?:y|ies)",
    "neovascularization": (
        r"(?<!choroidal )neovasculari[sz]ation|(?<![a-z])nv[dei](?![a-z])|new\s+vessels|"
        r"(?<!choroidal )neovascular\s+(?:tufts?|fronds?|complex(?:es)?|membranes?)|fibrovascular\s+proliferation"
    ),
    "dme": (
        r"(?:diabetic\s+|clinically\s+significant\s+|cent(?:er|re)[- ]involv(?:ing|ed)\s+|cystoid\s+)?"
        r"macular\s+o?edema|(?<![a-z])(?:dme|csme|cme)(?![a-z])|macular\s+thickening"
    ),
}
LESION_RES: dict[str, re.Pattern[str]] = {k: re.compile(v, re.I) for k, v in LESIONS.items()}
#: "choroidal neovascularization" / CNV belongs to other diseases (not a PDR sign).
CNV_RE = re.compile(r"choroidal\s+neovasculari[sz]ation|(?<![a-z])cnvm?(?![a-z])|neovascular\s+amd", re.I)

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "single": 1, "all": 4, "all four": 4, "each": 4}
QUADRANTS_RE = re.compile(
    r"(?:(\d)|(one|two|three|four|single|all\s+four|all|each))\s*(?:of\s+(?:the\s+)?(?:4|four)\s+)?quadrants?"
    r"|(?:in\s+)?(\d)\s*(?:of\s*4\s+)?quads?\b|(?<![a-z])([1-4])q(?![a-z])",
    re.I,
)


def quadrants_of(text: str) -> int | None:
    """How many quadrants ``text`` says a lesion is in ("2 quadrants", "all four quadrants"), or None."""
    best: int | None = None
    for m in QUADRANTS_RE.finditer(text or ""):
        digit = m.group(1) or m.group(3) or m.group(4)
        if digit:
            n = int(digit)
        else:
            n = _NUMBER_WORDS.get(re.sub(r"\s+", " ", m.group(2).lower()), 0)
        if 1 <= n <= 4:
            best = max(best or 0, n)
    return best


MANY_HEMORRHAGES_RE = re.compile(
    r"(?:>|more\s+than|over|greater\s+than)\s*20|numerous|extensive|innumerable|severe|many|multiple\s+(?:blot|dot)",
    re.I,
)
PROMINENT_RE = re.compile(r"\b(?:prominent|marked|extensive|definite|florid)\b", re.I)
DEFINITE_RE = re.compile(r"\b(?:definite|definitive|clear|marked|prominent)\b", re.I)

# --- grades in free text -------------------------------------------------------------------

#: ICDR levels, in order.
GRADES: tuple[str, ...] = (
    "no apparent retinopathy",
    "mild NPDR",
    "moderate NPDR",
    "severe NPDR",
    "PDR",
)

_NP = r"(?:npdr|non-?\s?proliferative(?:\s+diabetic)?(?:\s+retinopathy)?|background(?:\s+diabetic)?\s+retinopathy)"
_PDR = r"(?:(?<![a-z-])pdr|(?<!non-)(?<!non)(?<!non )proliferative(?:\s+diabetic)?\s+retinopathy)"
GRADE_PATTERNS: tuple[tuple[tuple[int, int], re.Pattern[str]], ...] = (
    ((3, 3), re.compile(rf"(?:severe|pre-?proliferative)\s+{_NP}|very\s+severe\s+{_NP}", re.I)),
    ((2, 2), re.compile(rf"moderate(?:ly\s+severe)?\s+{_NP}|mild[- ]to[- ]moderate\s+{_NP}", re.I)),
    ((1, 1), re.compile(rf"(?:mild|minimal|early)\s+{_NP}", re.I)),
    ((4, 4), re.compile(rf"(?:high[- ]risk\s+|active\s+|early\s+)?{_PDR}", re.I)),
    ((0, 0), re.compile(
        r"no\s+(?:apparent\s+|evidence\s+of\s+|signs?\s+of\s+|)(?:diabetic\s+)?retinopathy|no\s+(?:apparent\s+)?dr\b|"
        r"no\s+(?:diabetic\s+)?retinopathy", re.I)),
    ((1, 3), re.compile(rf"{_NP}", re.I)),
)
NEGATED_GRADE_RE = re.compile(r"\b(?:no|without|not|nor|absence\s+of|negative\s+for)\s+(?:\w+\s+){0,2}$", re.I)

DIABETIC_CONTEXT_RE = re.compile(
    r"\b(?:diabet\w*|dm\s*(?:1|2|i|ii)?|t[12]dm|iddm|niddm|npdr|pdr|dr\s+screening|retinopathy\s+screening|"
    r"diabetic\s+eye\s+screening|hba1c|insulin)\b",
    re.I,
)

# --- region rules ------------------------------------------------------------------------------

RegionRule = tuple[str, str, str]  # (region, kind, pattern)

FUNDUS_RULES: tuple[RegionRule, ...] = (
    # optic disc
    ("optic_disc", "anatomy", r"optic\s+(?:discs?|nerves?(?:\s+heads?)?)|discs?(?![a-z])|onh|papilla\w*|peripapillary|"
                              r"neuro-?retinal\s+rim|cup[- ]to[- ]disc|c\s*/\s*d|c:d|cdr|cupping|cups?(?![a-z])"),
    ("optic_disc", "lesion", r"nvd|pallor|pale|papilledema|papilloedema|disc\s+(?:swelling|o?edema|margins?)"),
    # macula
    ("macula", "anatomy", r"macula\w*|fovea\w*|perifovea\w*|parafovea\w*|foveal\s+reflex|posterior\s+pole|"
                          r"cent(?:er|re)[- ]involv\w*"),
    ("macula", "lesion", r"dme|csme|cme|(?:hard\s+)?exudat(?:e|es|ion)|circinate|epiretinal\s+membrane|erm|drusen|"
                         r"subretinal\s+fluid|srf|intraretinal\s+fluid|irf|macular\s+hole|cnv|choroidal\s+neovasc\w*|"
                         r"pigment\s+epithelial\s+detachment|ped|rpe(?:\s+changes)?|amd"),
    # vessels
    ("vessels", "anatomy", r"vessels?|vascular(?:ity|ture)?|vasculature|arter(?:y|ies|ioles?|iolar|ial)|"
                           r"veins?|venules?|venous(?!\s+beading)|arcades?|a\s*/\s*v|av(?![a-z])|arteriovenous"),
    ("vessels", "lesion", r"venous\s+beading|beading|nicking|irmas?|intraretinal\s+microvascular\s+\w+|"
                          r"calib(?:er|re)|tortuo\w*|attenuat\w*|narrow\w*|sheathing|copper[- ]wir\w*|"
                          r"silver[- ]wir\w*|[bc]rv[o]|[bc]ra[o]|(?:vein|artery)\s+occlusion|emboli?|"
                          r"(?:collateral|shunt)\s+vessels?"),
    # periphery / retina
    ("periphery", "anatomy", r"periphery|peripheral|mid-?periphery|mid-?peripheral|retina(?![a-z])|"
                             r"ora\s+serrata|equator\w*"),
    ("periphery", "lesion", r"micro-?aneurysms?|mas?(?![a-z])|(?:dot[- ]?(?:and[- ])?blot\s+|flame\w*\s+|intraretinal\s+|"
                            r"retinal\s+|preretinal\s+|pre-retinal\s+|subhyaloid\s+)?(?:ha?emorrhag\w*|hemes?)|"
                            r"cotton[- ]?wool\w*(?:\s+spots?)?|cws|soft\s+exudates?|nve|neovasculari[sz]ation|"
                            r"new\s+vessels|detachment|retinal\s+detachment|rd|trd|tears?|holes?|lattice|"
                            r"(?:laser|prp|photocoagulation)\s+scars?|prp|panretinal\s+\w+|photocoagulation|"
                            r"vitreous\s+(?:ha?emorrhag\w*|hemes?)|vh|fibrovascular\w*|attached|"
                            r"chorioretinal\s+scars?|nevus|naevus|pigment\w*"),
    # others: media, image quality, grades, comparison
    ("others", "lesion", r"vitreous(?!\s+(?:ha?emorrhag|heme))|media|lens|cataract|asteroid|floaters?|"
                         r"image\s+quality|ungradable|ungradeable|artefacts?|artifacts?|gradable|pupils?|"
                         r"npdr|pdr|diabetic\s+retinopathy|retinopathy|compar\w*|prior|previous|"
                         r"visual\s+acuity|va(?![a-z])|iop|intraocular\s+pressure|follow[- ]?up|refer\w*"),
)

OCTA_RULES: tuple[RegionRule, ...] = (
    ("faz", "anatomy", r"foveal\s+avascular\s+zone|faz|avascular\s+zone|perifoveal\s+(?:capillary\s+)?(?:ring|arcade)"),
    ("superficial_plexus", "anatomy", r"superficial(?:\s+(?:capillary|vascular|retinal))?\s+(?:plexus|plexuses|layer|slab)|"
                                      r"scp|svp|svc|superficial\s+(?:vessel\s+)?density"),
    ("deep_plexus", "anatomy", r"deep(?:er)?(?:\s+(?:capillary|vascular|retinal))?\s+(?:plexus|plexuses|layer|slab)|"
                               r"dcp|dvp|dvc|intermediate\s+(?:capillary\s+)?plexus|icp|deep\s+(?:vessel\s+)?density"),
    ("non_perfusion", "lesion", r"non-?\s?perfus\w*|capillary\s+drop-?\s?out|drop-?\s?out|flow\s+voids?|ischa?emi\w*|"
                                r"avascular\s+areas?|capillary\s+loss|rarefaction"),
    ("neovascularization", "lesion", r"neovasculari[sz]ation|neovascular\w*|nv[de](?![a-z])|nvi|new\s+vessels|"
                                     r"cnvm?|flow\s+above\s+the\s+(?:ilm|internal\s+limiting\s+membrane)|"
                                     r"preretinal\s+flow|vitreous\s+flow|choroidal\s+neovasc\w*|sea[- ]fan"),
    ("others", "lesion", r"signal\s+strength|ssi|image\s+quality|artefacts?|artifacts?|motion|segmentation|"
                         r"projection|thickness|fluid|cysts?|cystoid|o?edema|dme|csme|erm|epiretinal\w*|"
                         r"structural|b-?scans?|choriocapillaris|choroid\w*|outer\s+retina|drusen|"
                         r"npdr|pdr|retinopathy|compar\w*|prior|previous|microaneurysms?|irma|"
                         r"disc|optic\s+nerve|onh|peripapillary|rnfl|follow[- ]?up|refer\w*"),
)

#: A region word of the plexus regions that applies to BOTH plexuses when no plexus is named.
OCTA_BOTH_PLEXUSES_RE = re.compile(
    r"(?<![a-z])(?:vessel|vascular|capillary|perfusion)\s+densit(?:y|ies)|(?<![a-z])vd(?![a-z])|"
    r"(?<![a-z])(?:both|all)\s+plexus(?:es)?|plexus(?:es)?\s+densit|superficial\s+and\s+deep",
    re.I,
)

# --- shorthand -------------------------------------------------------------------------------------

#: Clinician shorthand (token, case-insensitive) -> words. Acronyms kept as acronyms are listed in
#: their canonical capitalisation. Eye tokens (OD/OS/OU, RE/LE) are handled by the parser.
ABBREVIATIONS: dict[str, str] = {
    "nl": "normal", "nml": "normal", "wnl": "within normal limits", "unrem": "unremarkable",
    "cdr": "cup-to-disc ratio", "c/d": "cup-to-disc ratio", "c:d": "cup-to-disc ratio", "onh": "optic nerve head",
    "ma": "microaneurysm", "mas": "microaneurysms", "ma's": "microaneurysms",
    "heme": "hemorrhage", "hemes": "hemorrhages", "hem": "hemorrhage", "hems": "hemorrhages",
    "hmg": "hemorrhage", "hmgs": "hemorrhages", "haem": "haemorrhage", "haems": "haemorrhages",
    "dbh": "dot-blot hemorrhages", "dbhs": "dot-blot hemorrhages", "dot/blot": "dot-blot",
    "he": "hard exudates", "hes": "hard exudates", "ex": "exudates", "exud": "exudates",
    "cws": "cotton wool spots", "cwss": "cotton wool spots",
    "vb": "venous beading", "irma": "IRMA", "irmas": "IRMA",
    "nvd": "neovascularization of the disc", "nve": "neovascularization elsewhere",
    "nvi": "neovascularization of the iris", "nv": "neovascularization", "neovasc": "neovascularization",
    "vh": "vitreous hemorrhage", "prh": "preretinal hemorrhage", "pre-ret": "preretinal",
    "dme": "diabetic macular edema", "csme": "clinically significant macular edema", "cme": "cystoid macular edema",
    "ci-dme": "centre-involving diabetic macular edema", "cidme": "centre-involving diabetic macular edema",
    "npdr": "non-proliferative diabetic retinopathy", "pdr": "proliferative diabetic retinopathy", "dr": "diabetic retinopathy", "erm": "epiretinal membrane",
    "rd": "retinal detachment", "trd": "tractional retinal detachment", "prp": "PRP", "amd": "AMD",
    "rpe": "RPE", "ped": "pigment epithelial detachment", "srf": "subretinal fluid", "irf": "intraretinal fluid",
    "cnv": "CNV", "avn": "AV nicking", "a/v": "AV", "av": "AV",
    "faz": "FAZ", "vd": "vessel density", "scp": "SCP", "dcp": "DCP", "svp": "SCP", "dvp": "DCP",
    "np": "non-perfusion", "npa": "non-perfusion area", "npas": "non-perfusion areas",
    "octa": "OCTA", "oct": "OCT", "va": "visual acuity", "iop": "IOP", "fr": "foveal reflex",
    "mac": "macula", "periph": "periphery", "vess": "vessels", "ves": "vessels",
    "sup": "superior", "inf": "inferior", "nas": "nasal", "temp": "temporal", "quad": "quadrant", "quads": "quadrants",
    "mod": "moderate", "sev": "severe", "sl": "slight", "sm": "small", "lg": "large", "tr": "trace",
    "incr": "increased", "decr": "decreased", "red": "reduced", "redu": "reduced", "irreg": "irregular",
    "enl": "enlarged", "att": "attached", "stbl": "stable", "unch": "unchanged", "approx": "approximately",
    "s/p": "status post", "w/": "with", "w/o": "without", "c/w": "consistent with", "h/o": "history of",
    "hx": "history", "poss": "possible", "prob": "probable", "susp": "suspicious", "neg": "negative",
    "&": "and", "vs": "versus",
}

#: Acronyms to keep upper case in finished sentences.
ACRONYMS = frozenset({"IRMA", "NVD", "NVE", "NVI", "DME", "CSME", "CME", "NPDR", "PDR", "PRP", "AMD", "RPE", "CNV",
                      "AV", "FAZ", "SCP", "DCP", "OCT", "OCTA", "IOP", "ICDR", "ILM", "RNFL", "ERM"})
