"""Round 10 (issue 13, fixer "ophth11"): eye dictation classes by SHAPE, generated over made-up words.

- a ``near`` context abbreviation: shorthand whose meaning depends on the words a few places around it
  (kit feature; "GA 26 weeks, BW 780 g" is gestational age, "GA at the fovea" geographic atrophy);
- a baby's dating and size ("Baby girl, GA 30 weeks, BW 1.2 kg") is the patient's context, not a finding;
- a leading conjunction word that begins one of the lexicon's terms ("plus disease") is the term's word;
- retinopathy of prematurity: zone / stage / ridge are the peripheral retina's, plus disease the vessels'.
"""
from __future__ import annotations

import itertools
import random

import pytest

from pixtralogist.kit import context_expansion, expand_abbreviations, expand_shorthand
from pixtralogist.kit.dictation import strip_lead_conjunction
from pixtralogist.kit.lexicon import lexicon_from_mapping, near_context

_rng = random.Random(11)
_SYL = ["bra", "zo", "ki", "mel", "tor", "vup", "sna", "quo", "fle", "dri", "gam", "plo"]


def _nonce(n: int = 2) -> str:
    return "".join(_rng.choice(_SYL) for _ in range(n))


NONCE = [_nonce() for _ in range(8)]


def _near_lexicon(cue: str):
    return lexicon_from_mapping({"name": "t", "context_abbreviations": {
        "zq": {"near": [cue], "within": 3, "expansion": "wibble age", "otherwise": "flonk atrophy"}}})


# -- the kit's `near` rule -----------------------------------------------------------------------------


@pytest.mark.parametrize("cue, other", list(zip(NONCE[:4], NONCE[4:])))
def test_near_rule_expands_by_the_words_around_the_token(cue, other):
    lex = _near_lexicon(cue)
    for text in (f"ZQ 26 {cue}", f"{cue} then ZQ", f"ZQ 3 {other} {cue}"):
        assert "wibble age" in expand_abbreviations(text, lex), text
        assert "wibble age" in expand_shorthand(text, lexicon=lex), text
    for text in (f"ZQ at the {other}", f"ZQ {other} one two three four {cue}"):  # absent, or beyond `within`
        assert "flonk atrophy" in expand_abbreviations(text, lex), text
        assert "flonk atrophy" in expand_shorthand(text, lexicon=lex), text


def test_near_context_counts_words_either_side():
    rule = {"near": ["Wk"], "within": 2}
    assert near_context(rule, ["a", "wk"], [])
    assert near_context(rule, [], ["b", "WK"])
    assert not near_context(rule, ["wk", "a", "b"], ["c", "d", "wk"])
    assert context_expansion({"near": ["wk"], "expansion": "x", "otherwise": "y"}, "", "", [], ["wk"]) == "x"
    assert context_expansion({"near": ["wk"], "expansion": "x", "otherwise": "y"}, "", "", [], ["no"]) == "y"


# -- GA in the eye lexicon: gestational age beside a baby's dating, geographic atrophy elsewhere ---------------

BABY = ["GA {n} weeks", "GA {n} wks, BW 900 g", "born at GA {n}/40, now 34 weeks PMA", "GA {n}+3 weeks"]
ADULT = ["GA {p} to the fovea OS", "Large GA {p} OD", "GA OD {n} mm2, {p}", "Multifocal GA with {p} sparing OU"]


@pytest.mark.parametrize("shape, n", list(itertools.product(BABY, [24, 27, 31])))
def test_ga_beside_a_babys_dating_is_gestational_age(shape, n):
    from pixtralogist.plugins.ophthalmology.dictation import parse_dictation

    out = " ".join(parse_dictation(shape.format(n=n, p=_nonce()) + ".")).lower()
    assert "gestational age" in out and "geographic" not in out, out


@pytest.mark.parametrize("shape, p", list(itertools.product(ADULT, NONCE[:3])))
def test_ga_elsewhere_is_geographic_atrophy(shape, p):
    from pixtralogist.plugins.ophthalmology.dictation import parse_dictation

    out = " ".join(parse_dictation(shape.format(n=3, p=p) + ".")).lower()
    assert "geographic atrophy" in out and "gestational" not in out, out


def _draft(host, template: str, notes: str):
    from pixtralogist.core.models import Case
    from pixtralogist.plugins.ophthalmology.templates import get_template

    tpl = get_template(template)
    return host.drafter("ophthalmology", tpl).draft(Case(notes=notes, indication=""), tpl)


@pytest.mark.parametrize("who, dating", list(itertools.product(
    ["Baby boy", "Baby girl", "Preterm infant"],
    ["GA 25 weeks, BW 690 g", "GA 28 wks, BW 1100 g, now 35 weeks PMA", "born at 27 weeks, BW 850 g"])))
def test_a_babys_dating_is_context_not_a_finding(host, who, dating):
    d = _draft(host, "fundus", f"ROP screen. {who}, {dating}. RE: zone II, stage 1, no plus. LE: same.")
    regions = d.region_dict()
    for region in ("optic_disc", "macula", "vessels", "periphery"):
        assert "bw" not in regions[region].lower() and "gestational" not in regions[region].lower(), regions
    assert "geographic" not in " ".join([*regions.values(), *d.impression]).lower()


# -- a conjunction word that begins a term ----------------------------------------------------------------------


@pytest.mark.parametrize("conj, noun, tail", list(itertools.product(["plus", "and", "also"], NONCE[:3], ["", " in 2 quadrants"])))
def test_a_leading_conjunction_that_begins_a_term_stays(conj, noun, tail):
    lex = lexicon_from_mapping({"name": "t", "concepts": [{"id": "x", "synonyms": [f"{conj} {noun}"]}]})
    assert strip_lead_conjunction(f"{conj} {noun}{tail}", lex) == f"{conj} {noun}{tail}"
    other = NONCE[-1]
    assert strip_lead_conjunction(f"{conj} {other}{tail}", lex) == f"{other}{tail}"  # a conjunction still goes
    assert strip_lead_conjunction(f"{conj} {noun}s{tail}", lex) == f"{noun}s{tail}"  # the term's whole word only


# -- retinopathy of prematurity: ICROP zone / stage / ridge and plus disease ------------------------------------

ZONES = ["zone I", "zone II", "zone 2 posterior", "zone III"]
STAGES = ["stage 1 demarcation line", "stage 2 ridge", "stage 3 with extraretinal fibrovascular proliferation"]
PLUS = [("plus disease (dilated tortuous posterior pole vessels)", True), ("no plus", False), ("pre-plus disease", True)]
EYES = [("RE", "right eye"), ("LE", "left eye"), ("OS", "left eye")]


@pytest.mark.parametrize("zone, stage, plus, eye", [
    c for i, c in enumerate(itertools.product(ZONES, STAGES, PLUS, EYES)) if i % 4 == 0])
def test_rop_zone_stage_in_the_periphery_and_plus_in_the_vessels(host, zone, stage, plus, eye):
    plus_text, _ = plus
    d = _draft(host, "fundus", f"Preterm infant, GA 26 weeks. {eye[0]}: {zone}, {stage}; {plus_text}.")
    regions = d.region_dict()
    periphery = regions["periphery"].lower()
    assert zone.split()[1].lower() in periphery and eye[1] in periphery, regions
    key = "ridge" if "ridge" in stage else stage.split()[-1]
    assert key in periphery, regions
    vessels = regions["vessels"].lower()
    assert "plus" in vessels and eye[1] in vessels, regions
    assert "disease (" not in " ".join(regions.values()).lower().replace("plus disease (", ""), regions


# -- a swollen disc's trailing denial ("..., without haemorrhages or exudates") is the disc's ---------------------

DISC_SAID = ["The {eye} optic disc is {adv} swollen and hyperaemic with blurred margins",
             "{Eye} disc {adv} elevated", "The {eye} disc appears {adv} oedematous"]
SIGNS = [("haemorrhages", "exudates"), ("exudates", "haemorrhages"), ("haemorrhages", "cotton wool spots")]


@pytest.mark.parametrize("said, signs, adv", list(itertools.product(DISC_SAID, SIGNS, NONCE[:2])))
def test_a_denial_after_a_swollen_disc_stays_with_the_disc(host, said, signs, adv):
    a, b = signs
    d = _draft(host, "fundus", f"{said.format(eye='right', Eye='Right', adv=adv)}, without {a} or {b}. "
                               f"The left fundus is normal.")
    disc = d.region_dict()["optic_disc"].lower()
    assert f"without {a}" in disc or f"no {a}" in disc, d.region_dict()
    for region in ("periphery", "macula", "vessels"):  # their default normals may name the sign; no dictated denial
        assert f"without {a}" not in d.region_dict()[region].lower(), d.region_dict()


# -- a one-eye dictation's opening eye holds for its labelled lines --------------------------------------------

OPENINGS = [("LE", "left eye"), ("RE", "right eye"), ("OS", "left eye"), ("Right eye", "right eye")]
LABELS = [("Periphery", "retina flat under {n} 360", "periphery"), ("Macula", "attached, thin {n}", "macula"),
          ("Disc", "pink, CDR 0.3, {n} rim", "optic_disc")]


@pytest.mark.parametrize("opening, label, n", list(itertools.product(OPENINGS, LABELS, NONCE[:2])))
def test_labelled_lines_after_a_one_eye_opening_keep_the_eye(host, opening, label, n):
    eye, name = opening
    lab, body, region = label
    d = _draft(host, "fundus", f"{eye}, 2/12 post {n} repair for retinal detachment.\nMedia: clear\n"
                               f"{lab}: {body.format(n=n)}\nPlan: review in 3 months")
    assert name in d.region_dict()[region].lower(), d.region_dict()


@pytest.mark.parametrize("opening, label, fellow", list(itertools.product(
    OPENINGS, LABELS, ["Fellow eye: {other} normal.", "{Other} fundus normal.", "Both maculae flat."])))
def test_no_eye_is_carried_when_the_dictation_names_the_other_eye_too(host, opening, label, fellow):
    eye, name = opening
    other = "left eye" if name == "right eye" else "right eye"
    lab, body, region = label
    fellow = fellow.format(other=other, Other=other.split()[0].capitalize())
    d = _draft(host, "fundus", f"{eye}, post-op check.\n{lab}: {body.format(n='zork')}\n{fellow}")
    said = [s for s in d.region_dict()[region].split(". ") if "zork" in s.lower()]
    assert said and name not in said[0].lower(), d.region_dict()


# -- plans by shape: a route with its drug, a team told, a liaison, a treatment given now ------------------------

ROUTES = ["Periocular", "Peribulbar", "Sub-Tenon's", "Orbital floor", "Intravitreal", "Subconjunctival"]
TOLD = ["{N} team informed", "{N} team aware", "The {n} team has been notified", "On-call medics aware",
        "{N} liaison re {n} therapy", "PRP now", "Anti-VEGF today", "Laser this week"]


@pytest.mark.parametrize("route, eye, n", list(itertools.product(ROUTES, ["OS", "OD", ""], NONCE[:2])))
def test_a_route_and_its_steroid_is_the_plan(host, route, eye, n):
    d = _draft(host, "fundus", f"Snowballs inferiorly OU. Intermediate uveitis OU. {route} steroid {eye}, {n} levels.".replace(" ,", ","))
    assert any("steroid" in s.lower() for s in d.impression), (d.impression, d.region_dict())
    assert "steroid" not in d.region_dict()["others"].lower(), d.region_dict()


@pytest.mark.parametrize("told, n", list(itertools.product(TOLD, NONCE[:3])))
def test_a_team_told_or_a_treatment_now_is_the_plan(host, told, n):
    said = told.format(N=n.capitalize(), n=n)
    d = _draft(host, "fundus", f"Flame haems all 4 quadrants OS, CWS. Ischaemic CRVO OS. {said}.")
    key = said.split()[-1].lower() if said.split()[-1].lower() not in ("now", "today", "week") else said.split()[0].lower()
    assert any(key in s.lower() for s in d.impression), (said, d.impression, d.region_dict())
    for region in ("optic_disc", "macula", "vessels", "periphery", "others"):
        assert key not in d.region_dict()[region].lower(), d.region_dict()


@pytest.mark.parametrize("finding", ["Haemorrhages now extend nasally OS", "Laser scars now pigmented",
                                     "Dot haems in the team's photos unchanged", "Vessels now attenuated"])
def test_findings_are_not_taken_for_those_plans(finding):
    from pixtralogist.plugins.ophthalmology.dictation import _PLAN
    assert not _PLAN.match(finding), finding
