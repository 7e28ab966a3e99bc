"""Dermatology vocabulary shared by routing, the region sorter, the dictation parser and the rules.

Every pattern is a regular expression fragment without capturing groups,
matched case-insensitively on word boundaries. The lists follow the lesion
description conventions in ``/work/shared/notes/clinical-facts.md``: primary
morphology, size, colour, shape, border, surface change, distribution and
arrangement, body site; plus the dermoscopic structures of the 7-point
checklist and their usual neighbours.

Region keys are the ``skin_lesion`` template's: ``morphology``, ``size``,
``color``, ``border``, ``surface``, ``distribution_site``, ``dermoscopy``,
``others``.
"""

from __future__ import annotations

import re

__all__ = [
    "BODY_SITES",
    "COLOR_CATEGORIES",
    "DERMOSCOPY",
    "DIAGNOSIS",
    "EXTRA_TERMS",
    "PLAN",
    "REGION_RULES",
    "word_re",
]


def word_re(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive, whole-word alternation (longest alternatives first)."""
    alts = sorted(set(alternatives), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")(?![\w])", re.I)


# --- primary morphology and shape ---------------------------------------------------------

MORPHOLOGY_NOUNS = (
    r"macules?", r"patch(?:es)?", r"papules?", r"plaques?", r"nodules?", r"vesicles?", r"bullae?",
    r"pustules?", r"wheals?", r"cysts?", r"tumou?rs?",
    r"freckles?", r"lentig(?:o|ines)", r"rash(?:es)?", r"eruptions?", r"tags?",
)
SHAPE = (
    r"a?symmetric(?:al)?(?:ally)?", r"a?symmetry", r"round(?:ed)?", r"oval", r"ovoid", r"elongated",
    r"dome[- ]shaped", r"domed", r"pedunculated", r"sessile", r"polypoid", r"exophytic", r"flat", r"raised",
    r"elevated", r"umbilicated", r"irregular(?:ly)? shaped?", r"irregular shape", r"multilobulated", r"lobulated",
    r"target(?:oid)?", r"palpable", r"non-?palpable", r"firm", r"soft", r"mobile", r"indurated",
)

# --- colour ----------------------------------------------------------------------------------

#: ABCDE colour categories (clinical-facts: tan, brown, black, red, white, blue) -> patterns.
#: Shades of one colour count once ("light brown" is tan; "dark brown" is brown).
COLOR_CATEGORIES: dict[str, str] = {
    "tan": r"tan|light[- ]brown|fawn",
    "brown": r"(?:dark[- ]|mid[- ]|medium[- ])?brown|hyperpigmented",
    "black": r"black|jet[- ]black",
    "red": r"red|pink|erythematous|erythema",
    "white": r"white|depigmented|hypopigmented",
    "blue": r"blue(?:[- ]gr[ae]y)?|gr[ae]y[- ]blue|blue[- ]black",
}
COLOR_WORDS = (
    r"pigment(?:ed|ation)", r"hyperpigment(?:ed|ation)", r"hypopigment(?:ed|ation)", r"depigment(?:ed|ation)",
    r"erythematous", r"erythema", r"violaceous", r"purple", r"yellow(?:ish)?", r"orange", r"gr[ae]y",
    r"skin[- ]colou?red", r"flesh[- ]colou?red", r"colou?r(?:s|ed|ation)?", r"variegat(?:ed|ion)",
    r"multicolou?red", r"multi-colou?red", r"tan", r"light[- ]brown", r"dark[- ]brown", r"brown(?:ish)?",
    r"black", r"red(?:dish)?", r"pink", r"white", r"blue(?:[- ]gr[ae]y)?", r"uniform(?:ly)? (?:brown|pigmented|tan)",
    r"amelanotic", r"hypomelanotic", r"tones?", r"shades?",
)

# --- border ---------------------------------------------------------------------------------

BORDER = (
    r"borders?", r"edges?", r"outlines?", r"margins?", r"well[- ](?:defined|demarcated|circumscribed)",
    r"ill[- ]defined", r"poorly[- ](?:defined|demarcated|circumscribed)", r"sharply[- ](?:defined|demarcated)",
    r"circumscribed", r"demarcated", r"notch(?:ed|ing)", r"scalloped", r"jagged", r"ragged", r"blurred",
    r"irregular", r"regular", r"smooth[- ]bordered",
)

# --- surface -------------------------------------------------------------------------------

SURFACE = (
    r"surfaces?", r"scal(?:y|e|es|ing)", r"crust(?:s|ed|ing)?", r"ulcer(?:s|ated|ation)?", r"erosions?",
    r"eroded", r"bleed(?:s|ing)?", r"bled", r"ooz(?:ing|es)", r"weeping", r"verrucous", r"warty",
    r"(?:hyper)?keratotic", r"keratin", r"horns?", r"rough", r"shiny", r"pearly", r"waxy", r"glossy",
    r"papillomatous", r"lichenified", r"lichenification", r"excoriat(?:ed|ions?)", r"telangiectas(?:ia|iae|es)",
    r"telangiectatic", r"smooth", r"stuck[- ]on", r"greasy", r"friable", r"atrophic", r"scarred",
    r"fissur(?:ed|es?)", r"dry", r"hair(?:s|y)?",
)

# --- distribution and body site -------------------------------------------------------------

BODY_SITES = (
    r"scalp", r"face", r"facial", r"forehead", r"temples?", r"cheeks?", r"nasal (?:alae?|tip|bridge|sidewall)",
    r"alae? (?:of the )?nose", r"alar (?:crease|groove|rim)", r"columella", r"philtrum", r"glabella", r"nose", r"nasal",
    r"vermilion(?: border)?", r"helix", r"earlobes?", r"ears?",
    r"lips?", r"chin", r"jaw(?:line)?", r"eyelids?", r"periorbital", r"neck", r"chest", r"breasts?",
    r"sternum", r"(?:upper |lower |mid[- ])?back", r"interscapular", r"scapular?", r"trunk", r"truncal",
    r"abdomen", r"abdominal", r"flanks?", r"umbilicus", r"shoulders?", r"(?:upper )?arms?", r"forearms?",
    r"elbows?", r"wrists?", r"hands?", r"dorsum", r"palms?", r"palmar", r"fingers?", r"thumbs?", r"nails?",
    r"nail beds?", r"subungual", r"thighs?", r"knees?", r"shins?", r"(?:lower )?legs?", r"calf", r"calves",
    r"ankles?", r"feet", r"foot", r"soles?", r"plantar", r"heels?", r"toes?", r"buttocks?", r"groin",
    r"genital(?:s|ia)?", r"vulva", r"scrotum", r"perianal", r"axillae?", r"axillary", r"acral", r"mucosa",
    r"mucosal", r"oral", r"extremit(?:y|ies)", r"limbs?", r"sites?", r"locat(?:ed|ion)",
)
DISTRIBUTION = (
    r"solitary", r"single", r"isolated", r"multiple", r"several", r"numerous", r"scattered", r"grouped",
    r"clustered", r"generali[sz]ed", r"locali[sz]ed", r"widespread", r"diffuse", r"symmetrical(?:ly)? distributed",
    r"dermatomal", r"linear", r"annular", r"arcuate", r"confluent", r"discrete", r"sun[- ]exposed",
    r"photo[- ]?exposed", r"flexural", r"extensor", r"distribution", r"satellite", r"bilateral(?:ly)?",
    r"unilateral(?:ly)?", r"similar lesions?", r"other lesions?",
)

# --- dermoscopy -----------------------------------------------------------------------------

DERMOSCOPY = (
    r"dermoscop(?:y|ic(?:ally)?)", r"dermatoscop(?:y|ic(?:ally)?)", r"epiluminescence",
    r"(?:a?typical |irregular |regular |reticular |broadened |prominent |negative |delicate )?(?:pigment )?network",
    r"blue[- ]?whit(?:e|ish) veil", r"blue[- ]whit(?:e|ish) structures?", r"veil",
    r"(?:dotted|linear|irregular|arbori[sz]ing|comma|hairpin|glomerular|polymorphous|atypical|crown) vessels?",
    r"(?:a?typical )?vascular (?:pattern|structures?)", r"vessels?", r"streaks?", r"pseudopods?",
    r"radial streaming", r"dots?", r"globules?", r"blotch(?:es)?", r"regression(?: structures?)?",
    r"scar[- ]like (?:areas?|depigmentation)", r"peppering", r"granularity", r"milia[- ]like cysts?",
    r"comedo[- ]like openings?", r"leaf[- ]like (?:areas?|structures?)", r"spoke[- ]wheel(?: areas?)?",
    r"ovoid nests?", r"(?:homogeneous|globular|reticular|starburst|multicomponent|parallel ridge|"
    r"parallel furrow|structureless|fingerprint|cobblestone|lattice)(?: pattern)?", r"patterns?",
    r"shiny white (?:lines|structures|streaks)", r"chrysalis", r"rosettes?", r"moth[- ]eaten",
    r"crystalline structures?", r"structures?", r"7[- ]point(?: checklist| score)?", r"seven[- ]point(?: checklist| score)?",
)

#: Colour + structure or qualifier + structure: dermoscopy, before the colours and borders.
DERMOSCOPY_STRUCTURES = (
    r"(?:a?typical|irregular(?:ly)?(?: distributed)?|regular(?:ly)?(?: distributed)?|peripheral|central|multiple|"
    r"scattered|focal|eccentric|brown|black|blue(?:[- ]gr[ae]y)?|gr[ae]y|red|milky[- ]red|white|dark) "
    r"(?:dots?(?: and globules)?|globules?|streaks?|blotch(?:es)?|vessels?|(?:pigment )?network|structures?|"
    r"pseudopods?|areas?|clods?)",
)

# --- size ----------------------------------------------------------------------------------

SIZE = (
    r"\d+(?:\.\d+)?\s*(?:(?:x|by)\s*\d+(?:\.\d+)?\s*)*(?:mm|cm|millimet(?:er|re)s?|centimet(?:er|re)s?)",
    r"diameters?", r"measur(?:es|ed|ing|ement)", r"sized?", r"dimensions?", r"in size",
)
BORDER_PHRASES = (
    r"(?:smooth|regular|irregular(?:ly)?|sharp|sharply|well[- ]defined|ill[- ]defined|poorly[- ]defined|notched|"
    r"scalloped|jagged|ragged|blurred|indistinct|distinct) (?:borders?|edges?|margins?|outlines?)",
)
#: Generic lesion nouns: morphology only when nothing more specific is said.
GENERIC_LESION = (r"lesions?", r"moles?", r"naev(?:us|i)", r"nev(?:us|i)", r"growths?", r"spots?", r"skin")
#: Change over time (the E of ABCDE); history, so *others* unless something else is said.
EVOLUTION = (
    r"chang(?:e|ed|es|ing)", r"grow(?:ing|n|th)", r"evolv(?:ing|ed)", r"enlarg(?:ing|ed|ement)", r"new",
    r"unchanged", r"stable",
)

# --- others, diagnosis and plan -------------------------------------------------------------

OTHERS = (
    r"surrounding skin", r"background", r"lymph nodes?", r"lymphadenopathy", r"nodes?", r"photograph(?:s|ed|y)?",
    r"images?", r"comparison", r"prior", r"previous(?:ly)?", r"fitzpatrick", r"skin type", r"sun damage",
    r"solar damage", r"itch(?:y|ing)?", r"pruritic", r"tender(?:ness)?", r"pain(?:ful)?", r"symptoms?",
    r"asymptomatic", r"history", r"family history", r"elsewhere",
)

#: Diagnostic words: a dictated sentence that names one is an impression statement.
DIAGNOSIS = (
    r"melanomas?", r"lentigo maligna", r"basal cell carcinoma", r"bcc", r"squamous cell carcinoma", r"scc",
    r"carcinoma", r"malignan(?:t|cy)", r"actinic keratos[ie]s", r"seborrh?o?eic keratos[ie]s", r"keratoacanthoma",
    r"dermatofibroma", r"ha?emangioma", r"angioma", r"spitz", r"dysplastic", r"atypical (?:naev|nev)\w*",
    r"(?:compound|junctional|intradermal|dermal|congenital|blue|halo|benign|common) (?:naev|nev)(?:us|i)",
    r"benign", r"banal", r"reassuring", r"suspicious", r"suspicion", r"concerning", r"worrisome",
    r"impression", r"diagnosis", r"differential", r"ddx",
)
#: Plan words: a dictated sentence that names one is a plan (impression) statement.
PLAN = (
    r"excis(?:e|ed|ion|ional)", r"biops(?:y|ies|ied)", r"punch", r"shave", r"refer(?:ral|red)?", r"recommend\w*",
    r"monitor(?:ing)?", r"follow[- ]?up", r"review(?:ed)?", r"re-?assess\w*", r"reassur\w*", r"discharge(?:d)?",
    r"plan", r"cryotherapy", r"curettage", r"mohs", r"remov(?:e|al)", r"sequential (?:imaging|dermoscopy)",
    r"mole mapping",
)

#: Finding words the core NLP should know for dermatology sentences (negation, hedging, abnormal).
EXTRA_TERMS: tuple[str, ...] = (
    "macule", "macules", "patch", "patches", "papule", "papules", "plaque", "plaques", "vesicle", "vesicles",
    "bulla", "bullae", "pustule", "pustules", "wheal", "wheals", "cyst", "mole", "moles", "naevus", "naevi",
    "nevus", "nevi", "lentigo", "rash", "eruption", "asymmetry", "asymmetric", "irregular border",
    "irregular borders", "notched border", "ill-defined border", "variegation", "variegated",
    "multiple colours", "multiple colors", "scale", "scaling", "crust", "crusting", "ulcer", "ulceration",
    "ulcerated", "erosion", "bleeding", "telangiectasia", "pigment network", "atypical pigment network",
    "atypical network", "blue-whitish veil", "blue-white veil", "blue whitish veil", "blue white veil", "veil",
    "streaks", "irregular streaks", "pseudopods", "radial streaming", "dots", "globules", "irregular dots",
    "irregular globules", "blotch", "blotches", "irregular blotches", "regression", "regression structures",
    "peppering", "vessels", "atypical vessels", "atypical vascular pattern", "milia-like cysts",
    "melanoma", "carcinoma", "keratosis", "erythema", "hyperpigmentation", "depigmentation",
)

# --- region rules -----------------------------------------------------------------------------

#: Ordered (region, pattern) rules for the sorter; earlier rules win where matches overlap, so the
#: dermoscopic phrases ("blue-whitish veil", "irregular dots") come before colours and borders.
REGION_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dermoscopy", DERMOSCOPY_STRUCTURES),
    ("dermoscopy", DERMOSCOPY),
    ("size", SIZE),
    ("border", BORDER_PHRASES),
    ("color", (r"irregular(?:ly)? (?:pigment(?:ed|ation)|colou?r(?:ed|ation)?)", r"(?:two|three|four|five|several|multiple|\d) colou?rs?")),
    ("morphology", (r"irregular(?:ly)? shaped?", r"irregular shape")),
    ("surface", (r"(?:irregular|smooth|rough|shiny) surface",)),
    ("distribution_site", BODY_SITES + DISTRIBUTION),
    ("surface", SURFACE),
    ("border", BORDER),
    ("color", COLOR_WORDS),
    ("morphology", MORPHOLOGY_NOUNS + SHAPE),
    ("others", OTHERS),
    ("weak:morphology", GENERIC_LESION),
    ("weak:others", EVOLUTION),
)
