"""Dermatology dictation classes fixed in round 6 of issue 13 (h-derm): each class is tested as a family,
generated from word lists a dermatologist writes (management, history and context, colour lists, typos,
worn-object sites, denied features), never from the words of a benchmark row. Drafts go through the
built-in plugin's configured (offline) drafter."""

from __future__ import annotations

import pytest

from test_dictation_skin_eye import draft, findings_text, host, region_text  # noqa: F401 (host is a fixture)

#: (what the dermatologist dictates, a word the impression must then state)
MANAGEMENT = [
    ("IL triamcinolone", "triamcinolone"), ("intralesional Kenalog", "kenalog"), ("cryo x2 freeze-thaw cycles", "cryotherapy"),
    ("shave excision", "shave"), ("punch bx 4mm", "punch"), ("excision bx 2mm margins", "excision"),
    ("curettage + cautery", "curettage"), ("refer for Mohs", "mohs"), ("refer plastics", "plastics"),
    ("2WW referral", "two-week-wait"), ("urgent derm referral", "urgent"), ("5-FU cream bd 3/52", "fluorouracil"),
    ("imiquimod 5x/wk for 6/52", "imiquimod"), ("PDT", "photodynamic"), ("clobetasol oint bd 2/52", "clobetasol"),
    ("Dovobet gel od", "dovobet"), ("oral terbinafine 6/52", "terbinafine"), ("topical ketoconazole", "ketoconazole"),
    ("swab for MC&S", "microscopy"), ("skin scrapings for mycology", "scrapings"), ("nail clippings for mycology", "clippings"),
    ("bloods FBC and LFT", "fbc"), ("CXR + ASOT", "chest x-ray"), ("check ANA and ENA", "ana"), ("patch testing", "patch"),
    ("prick tests", "prick"), ("doxycycline 100mg od", "doxycycline"), ("lymecycline 3/12", "lymecycline"),
    ("methotrexate", "methotrexate"), ("NB-UVB", "uvb"), ("valaciclovir 1g tds 7/7", "valaciclovir"),
    ("fusidic acid cream", "fusidic"), ("emollients + soap substitute", "emollients"), ("non-sedating antihistamine", "antihistamine"),
    ("reassure", "reassure"), ("review 3/12", "review"), ("photo + review in 3 months", "review"),
    ("sequential dermoscopy in 3/12", "sequential"), ("discharge", "discharge"), ("pressure relief", "pressure"),
    ("mupirocin to nares", "mupirocin"), ("acitretin", "acitretin"), ("hydroxychloroquine", "hydroxychloroquine"),
    ("doxy 100mg od", "doxycycline"), ("pred 30mg od, wean", "prednisolone"), ("HC 1% to face", "hydrocortisone"),
]
DIAGNOSES = ["BCC", "?SCC", "AK", "psoriasis", "impetigo", "tinea corporis", "LP", "keloid", "?melanoma", "granuloma annulare"]
FINDINGS = ["8mm pink papule L forearm", "scaly red plaque R shin 3cm", "crusted nodule scalp vertex 12mm",
            "violaceous papules both wrists", "pigmented macule upper back 9mm"]


@pytest.mark.parametrize(("plan", "word"), MANAGEMENT)
def test_the_management_family_goes_to_the_impression(host, plan, word):
    i = [p for p, _ in MANAGEMENT].index(plan)
    finding, dx = FINDINGS[i % len(FINDINGS)], DIAGNOSES[i % len(DIAGNOSES)]
    d = draft(host, "skin_lesion", f"{finding}. {dx}. {plan.capitalize() if plan.islower() else plan}.")
    assert word in " ".join(d.impression).lower(), (plan, d.impression)
    assert word not in findings_text(d).lower(), (plan, findings_text(d))
    assert "molluscum" not in " ".join(d.impression).lower()  # "MC&S" is microscopy and culture


@pytest.mark.parametrize("arrow", ["->", "=>", "\u2192", "-->"])
def test_a_plan_after_an_arrow_is_the_impression_not_the_dermoscopy(host, arrow):
    d = draft(host, "skin_lesion", f"Derm: irregular dots, regression structures, 7-pt score 4 {arrow} excise.")
    assert any("excise" in i.lower() for i in d.impression)
    assert "excise" not in region_text(d, "dermoscopy").lower()
    assert "score 4" in region_text(d, "dermoscopy")


#: (the patient's age and sex, the medication they are on as dictated, a word the draft then states)
MEDICATIONS = [("71M", "on warfarin", "warfarin"), ("30F", "on OCP", "contraceptive"), ("45F", "taking methotrexate", "methotrexate"),
               ("58F", "on HRT", "hrt"), ("19M", "on isotretinoin", "isotretinoin"), ("80F", "on apixaban", "apixaban"),
               ("66M", "on a beta blocker", "blocker")]


@pytest.mark.parametrize(("demo", "med", "drug"), MEDICATIONS)
def test_the_medication_a_patient_is_on_is_history_and_the_age_the_indication(host, demo, med, drug):
    d = draft(host, "skin_lesion", f"Purpuric macules both shins. {demo} {med}, recent URTI. Bloods.")
    assert drug in region_text(d, "others").lower() or drug in (d.indication or "").lower()
    assert not any(drug in i.lower() for i in d.impression), d.impression
    assert demo in (d.indication or "")


@pytest.mark.parametrize("history", [
    "recent sore throat", "recent URTI", "recent travel", "recent sunburn", "fevers", "joint pains",
    "can't sleep on R side", "unable to lie on L side", "wakes her at night", "stubbed toe 2/52 ago",
])
def test_triggers_and_symptoms_are_history_not_the_site(host, history):
    d = draft(host, "skin_lesion", f"Tender red nodule 1cm R helix. {history.capitalize()}.")
    key = history.split()[1] if history.split()[0] in ("recent", "can't", "unable", "stubbed") else history.split()[0]
    # the history region, or the indication's clinical information (a presenting symptom such as fever)
    assert key.lower() in (region_text(d, "others") + " " + (d.indication or "")).lower(), (history, d.region_dict())
    assert not any(key.lower() in i.lower() for i in d.impression)
    assert key.lower() not in region_text(d, "distribution_site").lower()


@pytest.mark.parametrize("change", ["darker + bigger over 6/12", "bigger and itchier since spring", "got darker recently",
                                    "larger, raised over 3/12"])
def test_change_the_patient_reports_in_brackets_is_history(host, change):
    d = draft(host, "skin_lesion", f"Changing mole L thigh per pt ({change}). 9mm, asymm.")
    first = change.replace("got ", "").split()[0].rstrip(",").lower()
    assert first in region_text(d, "others").lower(), region_text(d, "others")
    assert first not in region_text(d, "distribution_site").lower()
    assert ")" not in findings_text(d)


@pytest.mark.parametrize(("text", "demo"), [
    ("Annual skin check in a 47 year old man. 5mm brown macule R shin.", "47 year old man"),
    ("On the L forearm of this 70 year old woman there is a 1cm crusted nodule.", "70 year old woman"),
    ("Pt (39F) worried re mole on back. 4mm tan macule L upper back.", "39F"),
    ("55-year-old gardener with a scaly plaque on the R temple, 8mm.", "55-year-old gardener"),
    ("29M h/o eczema, itchy plaques both antecubital fossae.", "29M"),
])
def test_demographics_said_inside_a_sentence_are_the_indication(host, text, demo):
    d = draft(host, "skin_lesion", text)
    assert demo in (d.indication or ""), d.indication
    assert demo.split()[0] not in findings_text(d)
    assert not any(demo.split()[0] in i for i in d.impression)


@pytest.mark.parametrize("reason", ["Routine mole check.", "Annual skin check.", "Full skin review.", "Referred by GP with a new mole."])
def test_the_visit_reason_that_opens_a_dictation_is_the_indication_not_a_plan(host, reason):
    d = draft(host, "skin_lesion", f"{reason} 6mm brown macule L calf, regular network. Benign naevus.")
    assert reason.split()[1].lower() in (d.indication or "").lower() or reason.split()[0].lower() in (d.indication or "").lower()
    assert not any(reason.rstrip(".").lower() in i.lower() for i in d.impression)


@pytest.mark.parametrize(("said", "colours"), [
    ("4 colours incl blue + white areas", ["blue", "white"]), ("3 colours: tan, brown and black", ["tan", "brown", "black"]),
    ("2 colours - pink + grey", ["pink", "grey"]), ("three colours including lt brn, dk brn and blue-grey", ["light", "dark", "blue"]),
])
def test_a_colour_list_after_its_count_stays_one_colour_statement(host, said, colours):
    d = draft(host, "skin_lesion", f"9mm asym macule R upper arm, {said}, irreg border.")
    sentences = [f.text.lower() for f in d.findings if f.region == "color" and not f.is_default]
    assert any(all(c in s for c in colours) for s in sentences), sentences
    assert "irregular" in region_text(d, "border").lower()


def _typo(word: str) -> str:
    """``word`` with one inner letter dropped (never the first letter)."""
    i = len(word) // 2
    return word[:i] + word[i + 1:]


@pytest.mark.parametrize(("word", "region"), [("nodule", "morphology"), ("papule", "morphology"), ("macule", "morphology"),
                                              ("plaque", "morphology"), ("pustule", "morphology"), ("brown", "color"),
                                              ("purple", "color"), ("yellow", "color"), ("crusted", "surface")])
def test_a_one_letter_typo_of_a_short_lesion_word_is_corrected(host, word, region):
    typo = _typo(word)
    assert typo != word
    d = draft(host, "skin_lesion", f"6mm {typo} R cheek.")
    assert word in region_text(d, region).lower(), (typo, d.region_dict())


@pytest.mark.parametrize("hedge", ["likely", "possible", "probable"])
def test_a_typo_of_a_hedge_keeps_the_hedge(host, hedge):
    d = draft(host, "skin_lesion", f"Pearly papule L ala 5mm. Nodular BCC {_typo(hedge)}.")
    assert any(hedge in i.lower() for i in d.impression), d.impression


def test_real_words_near_a_short_lesion_word_are_left_alone(host):
    d = draft(host, "skin_lesion", "Brown macule upper back 4mm, pearl-like sheen.")
    assert "back" in region_text(d, "distribution_site").lower()
    assert "black" not in findings_text(d).lower()


@pytest.mark.parametrize("site", ["under watch strap", "under bra strap", "at belt line", "under wedding ring",
                                  "at site of previous excision", "in a tattoo", "under waistband"])
def test_a_site_named_by_what_touches_the_skin_is_the_body_site(host, site):
    d = draft(host, "skin_lesion", f"Itchy erythematous vesicular plaque L flank {site}, 3x2cm. ACD likely. Patch test.")
    key = site.split()[-1]
    assert key in region_text(d, "distribution_site").lower(), d.region_dict()
    assert key not in region_text(d, "morphology").lower()


@pytest.mark.parametrize("denied", ["no regional LAD", "no angioedema", "no fever", "no arthralgia", "no bruising"])
def test_a_denied_feature_is_a_finding_not_the_impression(host, denied):
    d = draft(host, "skin_lesion", f"Urticated plaques trunk + limbs, {denied}. Urticaria.")
    word = {"LAD": "lymphadenopathy"}.get(denied.split()[-1], denied.split()[-1])
    assert word.lower() in (findings_text(d) + " " + (d.indication or "")).lower(), d.region_dict()
    assert not any(word.lower() in i.lower() for i in d.impression), d.impression


@pytest.mark.parametrize(("said", "colour"), [("honey-coloured crust", "honey"), ("silvery scale", "silvery"),
                                              ("yellow crusts", "yellow"), ("white scale", "white")])
def test_a_colour_bound_to_crust_or_scale_is_the_surface(host, said, colour):
    d = draft(host, "skin_lesion", f"Eroded plaque R forearm 2cm, {said}.")
    assert colour in region_text(d, "surface").lower(), d.region_dict()


@pytest.mark.parametrize("scar", ["acne scar", "previous excision scar", "old BCC scar"])
def test_a_diagnosis_or_plan_word_naming_a_scar_is_not_the_impression(host, scar):
    d = draft(host, "skin_lesion", f"Firm pink plaque 2cm L shoulder, extends beyond the {scar}. Keloid.")
    assert not any("beyond" in i.lower() for i in d.impression), d.impression
    assert "beyond" in findings_text(d).lower()


@pytest.mark.parametrize(("dx", "call"), [("Dermatofibroma", "benign"), ("Halo naevus", "Benign"), ("Cherry angioma", "banal")])
def test_a_bare_benign_call_joins_its_diagnosis(host, dx, call):
    d = draft(host, "skin_lesion", f"5mm papule L arm. {dx}. {call}, no f/u.")
    assert any(dx.lower() in i.lower() and call.lower() in i.lower() for i in d.impression), d.impression


@pytest.mark.parametrize(("plan", "step"), [("Compression bandaging", "tissue viability"), ("Refer", "podiatry"),
                                            ("Excise", "district nurse for dressings"), ("Swab", "safety-net advice")])
def test_a_bare_step_after_a_plan_in_one_sentence_is_still_the_plan(host, plan, step):
    d = draft(host, "skin_lesion", f"Sloughy ulcer L gaiter area 4cm. Venous ulcer. {plan}, {step}.")
    assert any(step.split()[0] in i.lower() for i in d.impression), d.impression
    assert step.split()[0] not in findings_text(d).lower()


@pytest.mark.parametrize(("said", "written"), [("5/7", "5 days"), ("1/7", "1 day"), ("10/7", "10 days"), ("5x/day", "5 times daily"),
                                               ("3x/wk", "3 times a week")])
def test_day_counts_and_dosing_frequencies_are_written_out(host, said, written):
    d = draft(host, "skin_lesion", f"Grouped vesicles R lip. HSV. Aciclovir cream {said}.")
    assert any(written in i for i in d.impression), d.impression


@pytest.mark.parametrize("trigger", ["after tick bite 2/52 ago", "following a course of amoxicillin", "post waxing 3/7 ago",
                                     "after insect bites on holiday"])
def test_a_trigger_after_the_finding_is_history_and_the_finding_keeps_its_regions(host, trigger):
    d = draft(host, "skin_lesion", f"Annular erythematous plaque L thigh {trigger}.")
    assert "plaque" in region_text(d, "morphology").lower()
    assert "thigh" in region_text(d, "distribution_site").lower()
    assert trigger.split()[-1].replace("ago", "ago") in region_text(d, "others").lower() or \
        trigger.split()[1] in region_text(d, "others").lower(), d.region_dict()


@pytest.mark.parametrize("value", ["ABPI 0.9", "ABPI of 1.1", "ABPI: 0.75"])
def test_a_measured_abpi_is_a_finding_not_the_plan(host, value):
    d = draft(host, "skin_lesion", f"Venous ulcer L gaiter area 3cm, {value}. Compression.")
    assert not any("abpi" in i.lower() for i in d.impression), d.impression
    assert "abpi" in findings_text(d).lower()


@pytest.mark.parametrize(("plan", "written"), [("mometasone oint bd 2/52", "twice daily"), ("doxy 100mg od", "once daily"),
                                               ("valaciclovir 1g tds 7/7", "three times daily"), ("clobetasol cream BD", "twice daily"),
                                               ("cetirizine 10mg nocte", "at night"), ("emollient qds", "four times daily")])
def test_a_dosing_frequency_after_a_drug_is_written_out_and_bd_is_no_diagnosis_there(host, plan, written):
    d = draft(host, "skin_lesion", f"Eczematous plaques both hands. Eczema. {plan}.")
    assert any(written in i for i in d.impression), d.impression
    assert not any("bowen" in i.lower() for i in d.impression)


def test_bd_said_as_a_diagnosis_is_still_bowens_disease(host):
    d = draft(host, "skin_lesion", "Red scaly plaque L shin 2cm. BD. Cryo.")
    assert any("bowen" in i.lower() for i in d.impression), d.impression


@pytest.mark.parametrize("said", ["Child 4yo", "Boy aged 7 yrs", "Infant 9 months", "Girl, 12 years"])
def test_demographics_said_person_first_are_the_indication(host, said):
    d = draft(host, "skin_lesion", f"{said} with itchy papules on both hands. Scabies. Permethrin.")
    age = next(w for w in said.replace("yo", " ").split() if w.isdigit())
    assert said.split()[0].rstrip(",") in (d.indication or "") and age in (d.indication or ""), d.indication
    assert "papules" in region_text(d, "morphology").lower()


@pytest.mark.parametrize("oral", ["oral ulcers", "oral erosions", "oral white striae", "oral mucosal involvement"])
def test_an_oral_finding_is_no_plan(host, oral):
    d = draft(host, "skin_lesion", f"Violaceous papules both wrists, {oral}. LP.")
    assert not any(oral.split()[1] in i.lower() for i in d.impression), d.impression


@pytest.mark.parametrize("dx", ["Acanthosis nigricans", "Pyoderma gangrenosum", "Chilblains", "Pitted keratolysis",
                                "Telogen effluvium", "Eczema herpeticum", "Fixed drug eruption", "Perioral dermatitis",
                                "Hypertrophic scar", "Ingrown toenail", "Pityriasis rubra pilaris", "Papular urticaria"])
def test_a_common_clinic_diagnosis_is_the_impression_not_other(host, dx):
    d = draft(host, "skin_lesion", f"Erythematous papules and plaques, 2cm. {dx}. Review 6/52.")
    assert any(dx.lower() in i.lower() for i in d.impression), d.impression
    assert dx.lower() not in region_text(d, "others").lower()


@pytest.mark.parametrize("report", ["Patient reports it itches and bled once last week", "Pt says it bleeds",
                                    "She says it weeps and crusts at times", "Wife noticed it bleeding on the pillow"])
def test_what_the_patient_reports_is_history_not_the_surface(host, report):
    d = draft(host, "skin_lesion", f"{report}. 5mm pink papule R shoulder. BCC likely. Excise.")
    verb = next(w for w in report.lower().split() if w.startswith(("bl", "we")))
    assert verb in region_text(d, "others").lower(), d.region_dict()
    assert verb not in region_text(d, "surface").lower()


@pytest.mark.parametrize(("said", "written"), [("I&D", "incision and drainage"), ("ED&C", "electrodesiccation and curettage"),
                                               ("C&C", "curettage and cautery"), ("bloods incl U&E", "urea and electrolytes")])
def test_a_procedure_or_test_written_with_an_ampersand_is_written_out_in_the_plan(host, said, written):
    d = draft(host, "skin_lesion", f"Fluctuant tender nodule R axilla 2cm. Abscess. {said}, swab.")
    assert any(written in i.lower() for i in d.impression), d.impression


@pytest.mark.parametrize("advice", ["Keep dry", "Wear cotton gloves", "Elevate legs", "Optimise glycaemic control",
                                    "Protect from sun", "Soak in warm water"])
def test_advice_said_as_an_imperative_is_the_plan(host, advice):
    d = draft(host, "skin_lesion", f"Macerated red plaques groin. Intertrigo. Clotrimazole cream. {advice}.")
    assert any(advice.lower() in i.lower() for i in d.impression), d.impression
    assert advice.split()[-1].lower() not in findings_text(d).lower()
