"""Dictation content classes fixed in the fifth dermatology/ophthalmology round (issue 13, "do4"), one test
per class and specialty, through the built-in plugins' configured (offline) drafters. Inputs are new
shorthand, not rows of benchmarks/data/dictation_*.yaml."""

from __future__ import annotations

import pytest

from test_dictation_skin_eye import draft, findings_text, host, region_text  # noqa: F401 (host is a fixture)


# --- ophthalmology ---------------------------------------------------------------------------------


@pytest.mark.parametrize("phrase", ["No flow above the ILM", "No flow signal in the avascular outer retina",
                                    "Flow in the outer retina"])
def test_octa_flow_above_ilm_or_in_outer_retina_is_neovascularization(host, phrase):
    d = draft(host, "octa", f"OCTA 3x3 OS. FAZ 0.30 mm2. {phrase}.")
    assert "flow" in region_text(d, "neovascularization").lower()
    assert "flow" not in region_text(d, "others").lower()


def test_macula_on_alone_is_the_macula_and_macula_off_detachment_the_periphery(host):
    d = draft(host, "fundus", "OD: inferior RRD with 2 breaks at 6 o'clock. Macula on.")
    assert "macula on" in region_text(d, "macula").lower()
    off = draft(host, "fundus", "Left eye: macula off rhegmatogenous detachment from 1 to 5 o'clock.")
    assert "detachment" in region_text(off, "periphery").lower()
    assert "detachment" not in region_text(off, "macula").lower()


@pytest.mark.parametrize(("template", "notes", "line"), [
    ("fundus", "Discs pink, CDR 0.2 OU. Maculae flat. Fundi normal.", "fundi normal"),
    ("octa", "FAZ 0.26 mm2 OD. SCP and DCP density preserved. Normal OCTA study.", "normal octa"),
])
def test_whole_study_normal_sentence_is_an_impression_line(host, template, notes, line):
    d = draft(host, template, notes)
    assert any(line in i.lower() for i in d.impression)


@pytest.mark.parametrize(("notes", "said", "eye"), [
    ("The right eye shows a few blot haemorrhages temporal to the fovea.", "a few blot haemorrhages", "right eye"),
    ("In the left eye there is an epiretinal membrane.", "there is an epiretinal membrane", "left eye"),
    ("Both eyes have had sectoral laser.", "previous sectoral laser", "both eyes"),
    ("In the right eye, the disc is swollen.", "disc is swollen", "right eye"),
])
def test_eye_as_subject_or_opening_phrase_leaves_no_stray_words(host, notes, said, eye):
    text = findings_text(draft(host, "fundus", notes)).lower()
    assert said in text and eye in text
    for stray in ("shows ", "in there", "have had", "in in ", " in with "):
        assert stray not in text


def test_structure_of_one_eye_names_that_eye(host):
    text = findings_text(draft(host, "fundus", "The left disc is pale temporally.")).lower()
    assert "left eye" in text and "left disc" not in text


@pytest.mark.parametrize(("notes", "sign", "region"), [
    ("OS: operculated hole superonasal periphery, no SRF.", "subretinal fluid", "periphery"),
    ("OD choroidal naevus 2 DD inferonasal, overlying drusen. No orange pigment, no SRF.", "drusen", "periphery"),
    ("Bilateral disc swelling, Frisen 3, no haemorrhages.", "haemorrhages", "optic_disc"),
])
def test_a_lesions_associated_sign_follows_the_lesion(host, notes, sign, region):
    d = draft(host, "fundus", notes)
    assert sign in region_text(d, region).lower()


def test_a_sign_with_its_own_place_keeps_its_region(host):
    d = draft(host, "fundus", "OD: horseshoe tear at 2 o'clock. Drusen at the macula.")
    assert "drusen" in region_text(d, "macula").lower()


def test_systemic_measurement_is_the_indication_and_gr_is_grade(host):
    d = draft(host, "fundus", "BP 230/130. Fundi: CWS, flame haems OU. Gr 3 hypertensive retinopathy.")
    assert "230/130" in (d.indication or "")
    assert "230/130" not in findings_text(d)
    assert "grade 3 hypertensive retinopathy" in " ".join(d.impression).lower()


def test_eye_first_person_plan_goes_to_the_impression(host):
    d = draft(host, "fundus", "OS: fresh NVE superotemporally. I will add fill-in laser to the left eye next week.")
    assert any("laser" in i.lower() for i in d.impression)
    assert "laser" not in findings_text(d).lower()


# --- dermatology -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("notes", "dx"), [
    ("Lichenified plaques both popliteal fossae, excoriated. AD flare.", "atopic dermatitis"),
    ("Greasy yellow scale eyebrows and nasolabial folds. Seb derm.", "seborrhoeic dermatitis"),
    ("Palpable purpuric papules both shins. ?vasculitis.", "vasculitis"),
])
def test_skin_diagnosis_shorthand_goes_to_the_impression(host, notes, dx):
    d = draft(host, "skin_lesion", notes)
    assert any(dx in i.lower() for i in d.impression)
    assert region_text(d, "dermoscopy") == ""  # "seb derm" is no dermoscopy label


def test_skin_tried_treatment_is_history_not_the_plan(host):
    d = draft(host, "skin_lesion", "Scaly plaque R elbow 2cm, no response to clobetasol. ?psoriasis.")
    others = region_text(d, "others").lower()
    assert "clobetasol" in others and "without response" in others
    assert not any("clobetasol" in i.lower() for i in d.impression)


def test_skin_sign_results_and_impalpable_nodes_read_as_denials(host):
    d = draft(host, "skin_lesion", "Subungual brown band L thumb 2mm, Hutchinson sign neg. Axillary nodes not palpable.")
    others = region_text(d, "others").lower()
    assert "no hutchinson sign" in others
    assert "no palpable axillary nodes" in others
    pos = draft(host, "skin_lesion", "Firm papule R thigh 5mm, dimple sign +ve.")
    assert "dimple sign positive" in region_text(pos, "others").lower()


def test_skin_arrangement_without_a_site_is_said_with_what_it_arranges(host):
    d = draft(host, "skin_lesion", "Diffuse erythema and scattered pustules.")
    site = region_text(d, "distribution_site").lower()
    assert "scattered pustules" in site and "diffuse erythema" in site
    assert site.strip(" .") not in ("diffuse, scattered", "scattered", "diffuse")


@pytest.mark.parametrize(("notes", "word", "region"), [
    ("Crateriform nodule R forearm 1cm.", "crateriform", "morphology"),
    ("Purpuric macules both lower legs.", "purpuric", "color"),
    ("Brown plaque L flank 5cm with hypertrichosis.", "hypertrichosis", "surface"),
])
def test_skin_descriptor_words_reach_their_region(host, notes, word, region):
    assert word in region_text(draft(host, "skin_lesion", notes), region).lower()


@pytest.mark.parametrize(("notes", "values"), [
    ("CDR 0.45 R, 0.65 L.", [("0.45", "right eye"), ("0.65", "left eye")]),
    ("Cup to disc ratio right 0.3, left 0.7.", [("0.3", "right eye"), ("0.7", "left eye")]),
    ("C:D OD 0.55 OS 0.8.", [("0.55", "right eye"), ("0.8", "left eye")]),
])
def test_eye_value_pairs_keep_their_subject_and_eye(host, notes, values):
    d = draft(host, "fundus", notes)
    sentences = [f.text.lower() for f in d.findings if f.region == "optic_disc" and not f.is_default]
    for value, eye in values:
        assert any(value in s and eye in s and "cup" in s for s in sentences), sentences


def test_octa_value_pair_compared_with_vs_keeps_each_eye(host):
    d = draft(host, "octa", "DCP VD 41% OD vs 33% OS.")
    sentences = [f.text.lower() for f in d.findings if f.region == "deep_plexus" and not f.is_default]
    assert any("41%" in s and "right eye" in s and "left eye" not in s for s in sentences)
    assert any("33%" in s and "left eye" in s and "right eye" not in s for s in sentences)


def test_skin_narrative_verbs_and_relative_clauses_leave_no_stray_words(host):
    d = draft(host, "skin_lesion", "Inspection shows a 7 mm pink papule on the R shin which bleeds on contact.")
    text = findings_text(d).lower()
    assert "shows" not in text and "which" not in text
    assert "papule" in region_text(d, "morphology").lower()
    assert "bleeds on contact" in text
    later = draft(host, "skin_lesion", "Dark macule L calf that has enlarged over 6 months, 5 mm.")
    assert "enlarged over 6 months" in findings_text(later).lower()
    assert "has enlarged" not in findings_text(later).lower()


@pytest.mark.parametrize(("template", "notes", "said"), [
    ("fundus", "Fundus photography of the right eye demonstrates a lamellar macular hole.", "lamellar macular hole in the right eye"),
    ("octa", "OCTA of the left eye shows a tangled neovascular network.", "tangled neovascular network in the left eye"),
])
def test_eye_study_shows_opening_leaves_the_finding(host, template, notes, said):
    text = findings_text(draft(host, template, notes)).lower()
    assert said in text
    assert "shows" not in text and "demonstrates" not in text and " of in " not in text


def test_eye_that_is_normal_is_a_whole_eye_statement(host):
    text = findings_text(draft(host, "fundus", "OD: CRVO with flame haems. The left eye is normal.")).lower()
    assert "the left eye is normal" in text and "is normal in the left eye" not in text


def test_eye_named_by_its_fundus_and_sides_after_values(host):
    d = draft(host, "fundus", "Right fundus: CRAO with cherry red spot. Left fundus normal. CDR 0.3 right and 0.4 left.")
    text = findings_text(d).lower()
    assert "cherry red spot in the right eye" in text
    assert "the left eye is normal" in text
    assert "0.3 in the right eye" in text and "0.4 in the left eye" in text
    later = draft(host, "fundus", "Discs cupped, CDR 0.7 OU, with rim notching on the left.")
    assert "rim notching" in findings_text(later).lower()
    assert not any(f.text.lower().startswith("with ") for f in later.findings)


def test_skin_dermoscopy_label_without_colon_opens_the_dermoscopy_section(host):
    d = draft(host, "skin_lesion", "Tan macule L arm 4mm. Dermoscopy reticular pattern, no atypical structures.")
    derm = region_text(d, "dermoscopy").lower()
    assert "reticular pattern" in derm and "no atypical structures" in derm
    kept = draft(host, "skin_lesion", "Pink papule nose 3mm. Dermoscopy not performed.")
    assert "not performed" in findings_text(kept).lower() or region_text(kept, "dermoscopy") == ""


def test_eye_two_findings_joined_by_and_each_go_to_their_region_once(host):
    d = draft(host, "fundus", "OS: blot haemorrhages, hard exudates and venous beading.")
    assert "venous beading" in region_text(d, "vessels").lower()
    assert "exudates" in region_text(d, "macula").lower()
    assert "venous beading" not in region_text(d, "macula").lower()
    assert "left eye" in region_text(d, "vessels").lower()
    # a shared predicate or a "with" list stays one statement
    kept = draft(host, "fundus", "Disc and macula normal. CRVO with flame and blot haemorrhages OD.")
    assert "flame and blot haemorrhages" in findings_text(kept).lower()



@pytest.mark.parametrize(("notes", "site"), [
    ("Pink papule just above the left eyebrow, 3mm.", "just above the left eyebrow"),
    ("Keratotic nodule behind the right ear 1cm.", "behind the right ear"),
    ("Brown macule on the flexor aspect of the left wrist, 4mm.", "flexor aspect of the left wrist"),
])
def test_skin_relational_site_words_stay_with_the_site(host, notes, site):
    d = draft(host, "skin_lesion", notes)
    assert site in region_text(d, "distribution_site").lower()
    assert not any(w in region_text(d, "morphology").lower() for w in ("above", "behind", "aspect"))


def test_eye_grade_ellipsis_and_count_first_quadrants(host):
    d = draft(host, "fundus", "Diabetic. OD: 3q blot haems. OS: few MAs. Moderate NPDR right, mild left.")
    imp = " ".join(d.impression).lower()
    assert "moderate non-proliferative diabetic retinopathy in the right eye" in imp
    assert "mild non-proliferative diabetic retinopathy in the left eye" in imp
    assert "drafted" not in imp.split("mild non-proliferative diabetic retinopathy in the left eye")[1][:20]
    assert "blot haemorrhages in 3 quadrants in the right eye" in findings_text(d).lower()
    assert not any(f.text.lower().startswith("mild in") for f in d.findings)


@pytest.mark.parametrize(("template", "notes", "said"), [
    ("skin_lesion", "Brown macule R calf 6mm. On dermoscopy I can see irregular dots and globules.", "irregular dots and globules"),
    ("fundus", "In the right eye I can see a few soft drusen at the macula.", "few soft drusen"),
])
def test_what_the_clinician_sees_is_stated_without_i_see(host, template, notes, said):
    text = findings_text(draft(host, template, notes)).lower()
    assert said in text and "i can see" not in text


def test_eye_statement_naming_only_investigations_is_a_plan(host):
    d = draft(host, "fundus", "CDR 0.6 OD, 0.8 OS. Imp: glaucoma suspect OS, HVF and OCT disc.")
    imp = " / ".join(d.impression).lower()
    assert "glaucoma suspect" in imp and "hvf and oct disc" in imp
    assert "hvf" not in findings_text(d).lower()
    assert "glaucoma" not in (d.indication or "").lower()
    # a finding seen on an investigation stays a finding
    kept = draft(host, "fundus", "CST 380 on OCT OD.")
    assert "380" in findings_text(kept)


def test_octa_neovascular_complex_described_by_its_look(host):
    d = draft(host, "octa", "OCTA OD: lacy vascular complex beneath the RPE, 1.4 mm2.")
    assert "lacy vascular complex" in region_text(d, "neovascularization").lower()


def test_skin_clin_label_returns_to_the_clinical_description(host):
    d = draft(host, "skin_lesion", "Derm: milia-like cysts. Clin 8mm waxy brown papule L temple. Clin SK.")
    assert "papule" in region_text(d, "morphology").lower()
    assert "clin" not in findings_text(d).lower()
    assert any("seborrhoeic keratosis" in i.lower() for i in d.impression)


def test_eye_acuity_pair_and_a_fundus_label_inside_a_line(host):
    d = draft(host, "fundus", "VA 6/12 OD, 6/9 OS. Fundus: OS soft drusen at the macula, OD normal.")
    text = findings_text(d).lower()
    assert "visual acuity 6/9 in the left eye" in text
    assert "fundus:" not in text
    assert "soft drusen at the macula in the left eye" in region_text(d, "macula").lower()
