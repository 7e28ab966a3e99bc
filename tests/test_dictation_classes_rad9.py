"""Round-8 radiology dictation classes (helper h-rad9): trailing fragments that point back into the finding before
them, coordinate adjectives split at a comma, criteria met as an interpretation, and a denial of a component or of
more of the same following its finding's region. Generated over several forms of each family, not copies of rows."""

from __future__ import annotations

import itertools
import os

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from test_dictation_facts_derm_path import draft, host  # noqa: E402,F401 (host is a fixture)
from test_dictation_facts_derm_path import region as region_text  # noqa: E402

from pixtralogist.kit.drafter import CONCLUSION_RE, POINTS_BACK_RE  # noqa: E402
from pixtralogist.plugins.radiology.dictation import parse_dictation  # noqa: E402

_ORDINALS = ["5th", "6th", "seventh", "T5", "L2"]
_STATES = ["displaced", "comminuted", "most displaced", "worst", "segmental"]


@pytest.mark.parametrize("ordinal,state", list(itertools.product(_ORDINALS, _STATES)))
def test_a_picked_numbered_item_stays_with_its_series(ordinal, state):
    head = "Acute fx R 4th-8th ribs" if not ordinal[0] in "TL" else "Compression fx T4-L3"
    out = parse_dictation(f"{head}, {ordinal} {state}. No PTX.", template="cxr")
    assert len(out) == 2, out
    assert f"{ordinal} {state}" in out[0], out


@pytest.mark.parametrize("noun", ["cyst", "hemangioma", "lesion"])
def test_a_numbered_level_with_a_noun_is_a_finding_of_its_own(noun):
    out = parse_dictation(f"Fx T7, T8 {noun}.", template="cxr")
    assert len(out) == 2, out


@pytest.mark.parametrize("side,comp", list(itertools.product(["L", "R", "Rt", "left"], ["larger", "worse", "more prominent",
                                                                                        "predominant"])))
def test_a_side_comparison_stays_with_its_bilateral_finding(side, comp):
    out = parse_dictation(f"Bilat cervical ribs, {side} {comp}. Lungs clear.", template="cxr")
    assert len(out) == 2 and comp in out[0], out


def test_a_side_comparison_after_a_one_sided_or_normal_statement_stays_apart():
    assert len(parse_dictation("Lungs clear, R larger.", template="cxr")) == 2


@pytest.mark.parametrize("first,second", list(itertools.product(
    ["lobulated", "irregular", "spiculated", "heterogeneous", "well-circumscribed"],
    ["homogeneously enhancing", "rim enhancing", "partly calcified"])))
def test_coordinate_adjectives_after_an_article_keep_their_noun(first, second):
    for template in ("ct_chest", "mri_brain"):
        out = parse_dictation(f"There is a {first}, {second} mass measuring 4 cm.", template=template)
        assert len(out) == 1 and first in out[0] and "mass" in out[0], out


def test_upper_zone_predom_is_a_place_of_the_finding_before():
    for zone in ("upper zone", "lower zone", "basal", "peripheral"):
        out = parse_dictation(f"Diffuse bronchiectasis, {zone} predom, w/ mucus plugging.", template="cxr")
        assert len(out) == 1 and "predominant" in out[0], out


@pytest.mark.parametrize("text", ["Meets DIS and DIT.", "Meets McDonald criteria.", "Fulfils Fleischner high-risk criteria.",
                                  "Satisfies the revised criteria."])
def test_criteria_met_is_an_interpretation(text):
    assert CONCLUSION_RE.match(text)


@pytest.mark.parametrize("text", ["No other AVMs.", "No additional nodules.", "No further lesions.", "Saddle component absent.",
                                  "Cystic portion present.", "Intraventricular extension not seen.",
                                  "Mediastinal component is absent."])
def test_points_back_forms(text):
    assert POINTS_BACK_RE.match(text)


@pytest.mark.parametrize("text", ["No pneumothorax.", "Small effusion.", "Component analysis pending later today."])
def test_points_back_leaves_statements_of_their_own(text):
    assert not POINTS_BACK_RE.match(text)


@pytest.mark.parametrize("template,finding,region,tail", [
    ("ct_chest", "Bilat lobar + segmental PE", "heart_vessels", "Saddle component absent."),
    ("ct_chest", "Serpiginous 1.8cm nodule RLL w/ feeding artery, c/w pulmonary AVM", "lungs_airways", "No other AVMs."),
    ("mri_brain", "Multiple periventricular + juxtacortical T2 lesions, one enhancing", "parenchyma", "Meets DIS and DIT."),
])
def test_a_sentence_pointing_back_follows_its_finding_region(host, template, finding, region, tail):
    d = draft(host, template, f"{finding}. {tail}")
    said = tail.rstrip(".").lower()
    assert said in region_text(d, region).lower(), d.region_dict()
    assert said not in region_text(d, "others").lower(), d.region_dict()


# --- a device's position: the anatomy only says where the device is (cxr: others) -----------------------------------

_AIRWAY_PLACES = ["R mainstem bronchus", "right main bronchus", "L mainstem bronchus", "bronchus intermedius", "the trachea"]


@pytest.mark.parametrize("device,place", list(itertools.product(["ETT tip in", "ETT in", "Endotracheal tube tip in",
                                                                  "ET tube terminates in"], _AIRWAY_PLACES)))
def test_an_airway_device_position_is_the_devices(device, place):
    from pixtralogist.plugins.radiology.sorter import classify_rules

    sentence = parse_dictation(f"{device} {place}.", template="cxr")[0]
    assert classify_rules(sentence).regions == frozenset({"others"}), sentence


@pytest.mark.parametrize("device,leads,join", list(itertools.product(
    ["Dual chamber PPM,", "Dual-chamber AICD L chest,", "Pacer,"], ["leads", "leads in"], [" + ", " and ", "/", ", "])))
def test_lead_positions_without_the_device_word_are_the_devices(host, device, leads, join):
    d = draft(host, "cxr", f"{device} {leads} RA{join}RV apex. Lungs clear.")
    regions = d.region_dict()
    assert "apex" in region_text(d, "others").lower(), regions
    assert "apex" not in region_text(d, "lung").lower() and "apex" not in region_text(d, "heart").lower(), regions


def test_an_airway_finding_is_still_anatomy():
    from pixtralogist.plugins.radiology.sorter import classify_rules

    assert "others" not in classify_rules("Mass in the right mainstem bronchus.").regions


# --- an arrow to a plan that names its test late or says it is advised at its end ----------------------------------

@pytest.mark.parametrize("finding,plan", list(itertools.product(
    ["L thyroid lobe nodule 2.1cm", "1.8 cm L adrenal nodule", "Indeterminate liver lesion"],
    ["thyroid US recommended", "dedicated renal MRI", "adrenal protocol CT", "non-urgent US advised", "ENT review advised",
     "further imaging needed"])))
def test_an_arrow_to_a_late_named_plan_is_a_recommendation(finding, plan):
    from pixtralogist.plugins.radiology.arrows import write_out_arrows

    out = write_out_arrows(f"{finding} -> {plan}.", lambda s: True)
    assert "consistent with" not in out and out.startswith(f"{finding}. "), out


@pytest.mark.parametrize("after", ["CHF", "RUL pneumonia", "benign", "likely infection", "GBM vs met"])
def test_an_arrow_to_an_interpretation_stays_one(after):
    from pixtralogist.plugins.radiology.arrows import write_out_arrows

    assert ". " not in write_out_arrows(f"Opacity -> {after}.", lambda s: True).rstrip(".")


@pytest.mark.parametrize("finding,region_name,plan", [
    ("L thyroid lobe nodule 2.1cm", "others", "thyroid US recommended"),
    ("1.5 cm R adrenal nodule", "upper_abdomen", "adrenal protocol CT recommended"),
    ("R thyroid nodule 1.6 cm", "others", "US advised")])
def test_an_incidental_organ_finding_before_an_arrowed_plan_keeps_its_region(host, finding, region_name, plan):
    d = draft(host, "ct_chest", f"Mild emphysema. {finding} -> {plan}. No eff.")
    assert "nodule" in region_text(d, region_name).lower(), d.region_dict()
    assert any(plan.split()[0].lower() in i.lower() for i in d.impression), d.impression


# --- a malpositioned device and a thrombosed venous sinus are impression findings ----------------------------------

@pytest.mark.parametrize("device,place", list(itertools.product(["ETT tip in", "Endotracheal tube in"],
                                                                 ["R mainstem bronchus", "L main bronchus", "bronchus intermedius"])))
def test_a_device_in_a_bronchus_reaches_the_impression(host, device, place):
    d = draft(host, "cxr", f"{device} {place}. Lungs clear.")
    assert any("bronch" in i.lower() for i in d.impression), d.impression


@pytest.mark.parametrize("sinus", ["superior sagittal sinus", "right transverse sinus", "left sigmoid sinus"])
@pytest.mark.parametrize("verb", ["is thrombosed", "shows absent flow void", "contains a filling defect"])
def test_a_thrombosed_sinus_reaches_the_impression(host, sinus, verb):
    d = draft(host, "mri_brain", f"The {sinus} {verb}. No hydrocephalus.")
    assert any(sinus.split()[-2] in i.lower() for i in d.impression), d.impression


# --- a device's own part after a comma describes the device before it ----------------------------------------------

@pytest.mark.parametrize("template", ["cxr", "ct_chest"])
@pytest.mark.parametrize("device,part", list(itertools.product(
    ["Dual chamber pacer", "L chest AICD", "R IJ CVC", "R chest port", "L PICC"],
    ["leads in RA and RV", "tip at cavoatrial jn", "tip lower SVC", "generator L chest wall"])))
def test_a_device_part_stays_with_its_device(template, device, part):
    out = parse_dictation(f"{device}, {part}. Lungs clear.", template=template)
    assert len(out) == 2 and part.split()[0] in out[0], out


def test_lead_positions_with_their_device_are_one_others_statement(host):
    d = draft(host, "cxr", "Dual chamber pacer, leads in RA and RV, unchanged. Mild cardiomegaly.")
    others = region_text(d, "others").lower()
    assert "pacemaker" in others and "right atrium" in others and "right ventricle" in others, d.region_dict()


# --- words placed by what they are, not by a neighbouring anatomy word --------------------------------------------

@pytest.mark.parametrize("text", ["L hemithorax volume loss.", "R hemithorax volume loss w/ mediastinal shift to R.",
                                  "Volume loss of the L hemithorax.", "Loss of R lung volume."])
def test_hemithorax_volume_loss_is_the_lungs(host, text):
    d = draft(host, "ct_chest", f"{text} No eff.")
    assert "volume" in region_text(d, "lungs_airways").lower(), d.region_dict()
    assert "volume" not in region_text(d, "others").lower(), d.region_dict()


@pytest.mark.parametrize("text", ["Partially empty sella.", "Empty sella.", "Empty sella configuration.",
                                  "Partial empty sella turcica."])
def test_an_empty_sella_is_not_a_parenchymal_finding(host, text):
    d = draft(host, "mri_brain", f"{text} Brain parenchyma nl.")
    assert "sella" not in region_text(d, "parenchyma").lower(), d.region_dict()


# --- a named variant or benign condition with no generic finding word is still a finding -------------------------

_NAMED = {"cxr": ["Bilat cervical ribs.", "Bifid R 4th rib.", "Pectus excavatum.", "Eventration of the R hemidiaphragm.",
                  "Right aortic arch.", "Dextrocardia."],
          "ct_chest": ["Bilat cervical ribs.", "Pectus carinatum.", "Elastofibroma dorsi.", "Pneumatocele RLL.",
                       "Situs inversus."],
          "mri_brain": ["Frontal sinus mucocele 2cm.", "Partially empty sella.", "Pineal cyst 8mm.", "Arachnoid cyst L middle fossa.",
                        "Chiari I malformation, tonsils 7mm below foramen magnum.", "R mastoiditis."]}


@pytest.mark.parametrize("template,text", [(t, x) for t, xs in _NAMED.items() for x in xs])
def test_a_named_condition_alone_reaches_the_impression(host, template, text):
    d = draft(host, template, text)
    key = text.split()[1 if text.split()[0] in ("Bilat", "R", "L") else 0].lower().rstrip(".")
    assert any(key[:5] in i.lower() for i in d.impression), (text, d.impression)


# --- "Impression X." without a colon is the dictated impression; an anatomical impression is not ---------------------

@pytest.mark.parametrize("template,findings,label,said", [
    (t, f, lab, said) for t, f in (("cxr", "Cardiomegaly. Sm bilat effusions."), ("ct_chest", "RUL mass 3cm. Mult nodules."))
    for lab, said in (("Impression CHF.", "heart failure"), ("Impression ?primary lung ca.", "lung cancer"),
                      ("impression likely sarcoid.", "sarcoid"))])
def test_an_impression_label_without_a_colon(host, template, findings, label, said):
    d = draft(host, template, f"{findings} {label}")
    assert said in d.impression[0].lower(), d.impression


@pytest.mark.parametrize("text", ["Impression on the trachea by a R aortic arch.", "Impression of the esophagus by an aberrant artery.",
                                  "Impression upon the SVC from a mediastinal mass."])
def test_an_anatomical_impression_is_a_finding(host, text):
    d = draft(host, "cxr", f"Lungs clear. {text}")
    assert not any(i.lower().startswith(("on ", "of ", "upon ")) for i in d.impression), d.impression


# --- a structure measured over its normal limit is a finding for the impression ------------------------------------

@pytest.mark.parametrize("structure,size,over", [
    ("Ascending aorta", "4.6 cm", True), ("Asc aorta", "5.2cm (prev 4.9)", True), ("Aortic root", "45 mm", True),
    ("Desc thoracic aorta", "3.9 cm", True), ("Main PA", "3.4 cm", True), ("Ascending aorta", "3.6 cm", False),
    ("Main PA", "2.5 cm", False), ("Descending aorta", "2.6 cm", False)])
def test_a_measure_over_the_limit_reaches_the_impression(host, structure, size, over):
    d = draft(host, "ct_chest", f"Lungs clear. {structure} {size}.")
    said = any(size.split()[0].rstrip("cm") in i for i in d.impression)
    assert said is over, d.impression
