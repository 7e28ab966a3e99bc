"""Dermatology dictation classes fixed in round 9 of issue 13 (h-derm9), each tested as a family generated over
the lexicon's own words or several forms a dermatologist writes, never from the words of a benchmark row.
Drafts go through the built-in plugin's configured (offline) drafter."""

from __future__ import annotations

import pytest

from pixtralogist.plugins.dermatology.lexicon import LEXICON
from test_dictation_skin_eye import draft, findings_text, host, region_text  # noqa: F401 (host is a fixture)


def placed(d) -> list[tuple[str, str]]:
    return [(f.region, f.text) for f in d.findings if not f.is_default]


def impression(d) -> str:
    return " ".join(d.impression).lower()


# --- every dermoscopy label the lexicon knows works in every form: "Dsc: ...", "Dsc ...", "... on dsc" -------------

DERMOSCOPY_LABELS = sorted(k for k, v in LEXICON.dictation["sections"].items() if v == "dermoscopy")
SPOKEN_LABELS = [k for k in DERMOSCOPY_LABELS if not k.endswith("ally")]  # "on dermoscopically" is no English


def test_the_short_dermoscopy_labels_are_known():
    assert {"derm", "ds", "dsc"} <= set(DERMOSCOPY_LABELS)


@pytest.mark.parametrize("label", DERMOSCOPY_LABELS)
@pytest.mark.parametrize("colon", [": ", " "])
@pytest.mark.parametrize(("structure", "word"), [("homogeneous blue pigmentation", "blue"),
                                                 ("parallel ridge pattern", "ridge"),
                                                 ("irregular diffuse pigmentation", "diffuse")])
def test_a_dermoscopy_label_keeps_its_structure_whole(host, label, colon, structure, word):
    d = draft(host, "skin_lesion", f"Blue papule L foot 5mm. {label.capitalize()}{colon}{structure}. Benign.")
    derm = region_text(d, "dermoscopy").lower()
    assert structure.split()[0] in derm and word in derm, (label, placed(d))
    assert "papule" in region_text(d, "morphology").lower(), (label, placed(d))


@pytest.mark.parametrize("label", SPOKEN_LABELS)
@pytest.mark.parametrize("with_", ["with", "w/", "w"])
def test_a_structure_seen_on_dermoscopy_after_the_lesion_is_parted_from_it(host, label, with_):
    d = draft(host, "skin_lesion", f"L ala 4mm pearly papule {with_} arborising vessels on {label}, no pigment. ?BCC.")
    assert "arborising" in region_text(d, "dermoscopy").lower(), (label, placed(d))
    assert "papule" in region_text(d, "morphology").lower(), (label, placed(d))
    assert "4 mm" in region_text(d, "size"), (label, placed(d))
    assert "ala" in region_text(d, "distribution_site").lower(), (label, placed(d))


# --- the patient's age and sex, said before why they came, is the indication -----------------------------------

@pytest.mark.parametrize("who", ["34F", "61M", "52 yo woman", "A 70 year old man,"])
@pytest.mark.parametrize("why", ["mole check", "skin check", "routine mole check", "annual skin surveillance"])
def test_age_and_sex_before_the_visit_reason_are_the_indication(host, who, why):
    d = draft(host, "skin_lesion", f"{who} {why}. L upper back 5mm tan macule, regular border. Benign naevus.")
    age = who.split()[-4] if who.startswith("A ") else who.split()[0]
    assert age.lower() in (d.indication or "").lower(), (who, why, d.indication, d.impression)
    assert age.lower() not in impression(d), (who, why, d.impression)
    assert "naevus" in impression(d)


# --- travel and work are the history, never a body site -------------------------------------------------------

@pytest.mark.parametrize("travel", ["Back from Thailand 2/52", "Returned from Kenya last week", "Just back from Goa",
                                    "Recent travel to Brazil", "Holiday in Spain 3 weeks ago"])
def test_travel_is_history_not_a_site(host, travel):
    d = draft(host, "skin_lesion", f"{travel}. Serpiginous red track R sole 6cm, very itchy. ?CLM.")
    place = travel.split()[-2] if travel.split()[-1] in ("2/52", "week", "ago") else travel.split()[-1]
    place = {"last": "kenya", "weeks": "spain"}.get(place.lower(), place.lower())
    assert place in region_text(d, "others").lower(), (travel, placed(d))
    assert place not in region_text(d, "distribution_site").lower(), (travel, placed(d))
    assert "sole" in region_text(d, "distribution_site").lower()


@pytest.mark.parametrize("work", ["worse at work", "wet work", "retired gardener", "works as a hairdresser",
                                  "keen surfer", "occupational exposure"])
def test_work_and_hobbies_are_history(host, work):
    d = draft(host, "skin_lesion", f"Eczematous plaques dorsal hands. {work.capitalize()}. ?ICD. Emollients.")
    assert work.split()[-1] in region_text(d, "others").lower(), (work, placed(d))


# --- what a mucosa shows is Other, not dermoscopy or the lesion's surface -------------------------------------

@pytest.mark.parametrize("finding", ["lacy white streaks", "white reticulate striae", "few erosions", "painful ulcers",
                                     "erosions"])
@pytest.mark.parametrize("mucosa", ["buccal mucosa", "oral mucosa", "genital mucosa"])
def test_a_mucosal_finding_is_other(host, finding, mucosa):
    d = draft(host, "skin_lesion", f"Violaceous papules both wrists. {finding.capitalize()} {mucosa}. ?LP.")
    assert mucosa.split()[0] in region_text(d, "others").lower(), (finding, mucosa, placed(d))
    assert finding.split()[-1] not in region_text(d, "dermoscopy").lower(), placed(d)


@pytest.mark.parametrize("mouth", ["oral", "buccal", "mucosal", "gingival"])
def test_erosions_named_by_the_mouth_are_other(host, mouth):
    d = draft(host, "skin_lesion", f"Flaccid bullae trunk. Few {mouth} erosions. ?PV.")
    assert f"{mouth} erosions" in region_text(d, "others").lower(), placed(d)


# --- a site named by its adjective, or in the plural, coordinated with another site -----------------------------

@pytest.mark.parametrize(("sites", "first"), [("antecubital + popliteal fossae", "antecubital"),
                                              ("groins + axillae", "groins"), ("cubital and popliteal fossae", "cubital"),
                                              ("axillae + groins", "groins")])
@pytest.mark.parametrize("noun", ["plaques", "patches", "papules"])
def test_every_site_of_a_coordination_is_the_sites(host, sites, first, noun):
    d = draft(host, "skin_lesion", f"Ill-defined erythematous {noun} {sites} bilat, lichenified. Eczema.")
    assert first in region_text(d, "distribution_site").lower(), (sites, placed(d))
    assert first not in region_text(d, "morphology").lower(), (sites, placed(d))


# --- keratotic change named with where it sits is the surface's ------------------------------------------------

@pytest.mark.parametrize("change", ["follicular plugging", "follicular plugs", "distal subungual hyperkeratosis",
                                    "subungual hyperkeratosis", "follicular hyperkeratosis", "collarette of scale",
                                    "fine collarette"])
def test_a_keratotic_change_with_a_site_word_is_surface(host, change):
    d = draft(host, "skin_lesion", f"Erythematous plaque L cheek 2cm, {change}. ?DLE.")
    key = change.split()[-1] if "collarette" not in change else "collarette"
    assert key in region_text(d, "surface").lower(), (change, placed(d))
    assert key not in region_text(d, "distribution_site").lower(), (change, placed(d))


# --- compound colours stay whole in Colour -------------------------------------------------------------------

@pytest.mark.parametrize("colour", ["steel-blue", "port-wine-coloured", "salmon-coloured", "slate-grey", "plum-coloured",
                                    "copper-coloured", "coral-red"])
@pytest.mark.parametrize("noun", ["papule", "patch"])
def test_a_compound_colour_is_colour(host, colour, noun):
    d = draft(host, "skin_lesion", f"Flat {colour} {noun} R forehead 2cm. Review.")
    assert colour.split("-")[0] in region_text(d, "color").lower(), (colour, placed(d))
    assert colour.split("-")[0] not in region_text(d, "morphology").lower(), (colour, placed(d))


# --- a lesion there since early life and described now is sorted; only the "since" is history ------------------

@pytest.mark.parametrize("since", ["since birth", "present since birth", "since childhood", "since infancy"])
@pytest.mark.parametrize(("lesion", "size"), [("CMN R flank", "~4cm"), ("Brown macule L arm", "6mm"),
                                              ("Congenital naevus upper back", "3 x 2cm")])
def test_a_lesion_since_early_life_keeps_its_size_and_site(host, since, lesion, size):
    d = draft(host, "skin_lesion", f"{lesion} {since}, {size}, brown. Photos + annual review.")
    number = size.strip("~").split()[0].rstrip("cm").rstrip("m")
    assert number in region_text(d, "size"), (since, lesion, placed(d))
    assert since.split()[-1] in region_text(d, "others").lower(), placed(d)
    site = lesion.split()[-1].lower()
    assert site in region_text(d, "distribution_site").lower(), placed(d)


def test_since_early_life_alone_is_still_history(host):
    d = draft(host, "skin_lesion", "Present since childhood. Brown papule L arm 4mm.")
    assert "since childhood" in region_text(d, "others").lower()


# --- hair loss is Other, the trichoscopic signs are dermoscopy ---------------------------------------------------

@pytest.mark.parametrize("sign", ["exclamation mark hairs", "yellow dots", "black dots", "broken hairs",
                                  "perifollicular scale"])
def test_trichoscopic_signs_are_dermoscopy_and_hair_loss_other(host, sign):
    d = draft(host, "skin_lesion", f"Round patch of non-scarring hair loss occipital scalp 3cm, {sign} at margin. AA.")
    assert sign.split()[0] in region_text(d, "dermoscopy").lower(), (sign, placed(d))
    assert "hair loss" in region_text(d, "others").lower(), placed(d)
    assert "scalp" in region_text(d, "distribution_site").lower()


# --- Wickham striae in plain words, and the zones of a target lesion ----------------------------------------------

@pytest.mark.parametrize("striae", ["fine white lacy lines on surface", "lacy white striae", "white reticulate lines",
                                    "Wickham striae on surface"])
def test_wickham_striae_in_plain_words_are_surface(host, striae):
    d = draft(host, "skin_lesion", f"Violaceous flat-topped papules both wrists, {striae}. LP.")
    assert striae.split()[-1 if "surface" not in striae else -3] in region_text(d, "surface").lower(), placed(d)


@pytest.mark.parametrize("zones", ["3 zones", "three zones", "two zones", "concentric rings"])
def test_the_zones_of_a_target_lesion_are_its_shape(host, zones):
    d = draft(host, "skin_lesion", f"Target lesions palms. {zones.capitalize()} - dusky centre, pale oedematous ring. ?EM.")
    assert zones.split()[-1] in region_text(d, "morphology").lower(), placed(d)
    assert "ring" not in region_text(d, "distribution_site").lower(), placed(d)


# --- "on" before a count says how many lesions, not where ----------------------------------------------------------

@pytest.mark.parametrize("count", ["several", "some", "most", "a few", "many"])
@pytest.mark.parametrize("feature", ["central crust", "scale", "excoriation"])
def test_on_before_a_count_opens_no_site(host, count, feature):
    d = draft(host, "skin_lesion", f"Scaly papules trunk, {feature} on {count}. Prurigo.")
    assert feature.split()[-1] in region_text(d, "surface").lower(), placed(d)
    assert all(f.text.strip(". ").lower() != f"on {count}" for f in d.findings), placed(d)


# --- lost lashes or brows, and skin detachment, are Other ----------------------------------------------------------

@pytest.mark.parametrize("lost", ["loss of lashes", "loss of eyelashes", "loss of the eyebrow", "madarosis"])
def test_lost_lashes_or_brows_are_other(host, lost):
    d = draft(host, "skin_lesion", f"R lower eyelid margin: 3mm pearly papule w/ {lost}. ?BCC.")
    assert lost.split()[-1] in region_text(d, "others").lower(), placed(d)
    assert "papule" in region_text(d, "morphology").lower()


@pytest.mark.parametrize("said", ["No skin detachment.", "Epidermal detachment 10% BSA.", "No detachment."])
def test_skin_detachment_is_other(host, said):
    d = draft(host, "skin_lesion", f"Dusky target lesions palms and soles. {said} ?SJS.")
    assert "detachment" in region_text(d, "others").lower(), placed(d)


# --- the patient described, then the drug they are on, is history, not the plan -----------------------------------

@pytest.mark.parametrize("who", ["Renal transplant recipient", "Diabetic", "Transplant pt", "Asthmatic", "Atopic boy"])
@pytest.mark.parametrize(("on", "drug"), [("on", "tacrolimus"), ("taking", "azathioprine"), ("on", "methotrexate"),
                                          ("on long-term", "prednisolone")])
def test_a_patient_on_a_drug_is_history(host, who, on, drug):
    d = draft(host, "skin_lesion", f"{who} {on} {drug}. Keratotic nodule L hand 8mm. ?SCC. Excise.")
    assert drug in region_text(d, "others").lower(), (who, drug, placed(d), d.impression)
    assert drug not in impression(d), (who, drug, d.impression)


# --- a skin clinic letter's shorthand is expanded: diagnoses, treatments, surveillance -------------------------------

ROUND9_DIAGNOSES = ["te", "ae", "cle", "eba", "labd", "nld", "isk", "amm", "idn", "jn", "cu", "hzo"]
ROUND9_PLANS = ["pdl", "ipl", "edc", "csa", "aza", "mmf", "hcq", "ivig", "tbp", "slnb"]
ABBREVIATIONS = LEXICON.abbreviations


@pytest.mark.parametrize("abbr", ROUND9_DIAGNOSES)
def test_a_diagnosis_abbreviation_is_expanded_in_the_impression(host, abbr):
    d = draft(host, "skin_lesion", f"Erythematous plaque L arm 2cm. ?{abbr.upper()}. Review 6/52.")
    assert ABBREVIATIONS[abbr].lower() in impression(d), (abbr, d.impression)


@pytest.mark.parametrize("abbr", ROUND9_PLANS)
@pytest.mark.parametrize("verb", ["Start", "Refer for", "Arrange"])
def test_a_plan_abbreviation_is_expanded_in_the_impression(host, abbr, verb):
    d = draft(host, "skin_lesion", f"Erythematous plaque L arm 2cm. Lupus. {verb} {abbr.upper()}.")
    assert ABBREVIATIONS[abbr].lower() in impression(d), (abbr, d.impression)


# --- descriptors a rule did not know: each in its region, not kept with the lesion noun ---------------------------

@pytest.mark.parametrize(("descriptor", "region"), [
    ("vegetating", "surface"), ("cobblestoned", "surface"), ("peau d'orange", "surface"), ("necrotic centre", "surface"),
    ("black eschar", "surface"), ("pustular surface", "surface"), ("bruise-like", "color"), ("bronze", "color"),
    ("two-tone", "color"), ("mottled", "color"), ("punched-out", "border"), ("punched-out edge", "border"),
])
@pytest.mark.parametrize("noun", ["papule", "plaque", "nodule"])
def test_a_descriptor_finds_its_region(host, descriptor, region, noun):
    d = draft(host, "skin_lesion", f"{descriptor.capitalize()} {noun} L forearm 6mm. Review.")
    word = descriptor.split()[0].split("-")[0].lower()
    assert word in region_text(d, region).lower(), (descriptor, placed(d))
    assert word not in region_text(d, "morphology").lower(), (descriptor, placed(d))


# --- the patient's skin, exposures and contacts are history ---------------------------------------------------------

@pytest.mark.parametrize("context", ["Fair skin, burns easily.", "Never tans.", "Red hair.", "Uses sunbeds.",
                                     "Uses hair dye.", "New washing powder.", "Partner similar rash.",
                                     "Children at home itchy too.", "Household contacts affected.",
                                     "Recent chemo for breast ca.", "HIV on ART.", "HIV+ on antiretrovirals."])
def test_the_patients_context_is_other(host, context):
    d = draft(host, "skin_lesion", f"Erythematous scaly plaque L arm 2cm. {context} ?Eczema. Emollients.")
    key = context.split()[0].lower().strip(".,+")
    assert key in region_text(d, "others").lower(), (context, placed(d), d.impression)
    assert key not in impression(d), (context, d.impression)
    assert all(key not in region_text(d, r).lower() for r in ("morphology", "surface", "distribution_site")), placed(d)
