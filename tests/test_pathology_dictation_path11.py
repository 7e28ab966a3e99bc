"""Pathology dictation classes of round 11 (issue 13), each a generator over made-up words spliced into a SHAPE: a
histologic type known by its head ("<kind> tumour"), a non-carcinoma that is the specimen's diagnosis, a stage said
inside prose, a denied node procedure, a plan left to judgement, a named part of the breast, a dash set apart between
words, and the nearest surface with its distance."""

from __future__ import annotations

import itertools

from test_dictation_facts_derm_path import draft, host, region  # noqa: F401 (host is a fixture)

from pixtralogist.plugins.pathology.dictation import parse_dictation
from pixtralogist.plugins.pathology.sorter import classify

#: Made-up kind words (no lexicon knows them): what a clinician's new entity name looks like.
NONCE = ["glorbic", "vandrelous", "spindrax-type", "quorbal cell", "trelmic myofibroblastic", "plorvine"]
SIZES = [("22 mm", "22 mm"), ("3.1cm", "3.1 cm"), ("9mm", "9 mm")]


def test_a_tumour_named_by_its_head_is_the_type_with_its_size(host):
    for (word, head), (said, size) in itertools.product(itertools.product(NONCE, ["tumour", "tumor", "neoplasm"]), SIZES):
        name = f"{word} {head}"
        d = draft(host, "breast-resection", f"R breast WLE: {name}, {said}. Margins clear.")
        assert name in region(d, "histologic_type").lower(), (name, d.region_dict())
        assert size in region(d, "size"), (name, d.region_dict())


def test_a_tumour_word_naming_no_kind_is_no_type():
    for text in ("Residual tumour 5 mm.", "The tumour 2.1 cm.", "No tumour at the margins.", "Fibrotic tumour bed 3.1 cm.",
                 "Tumour cells in 2 nodes.", "Tumour 1 mm from the deep margin.", "Viable tumour 4 mm."):
        assert "histologic_type" not in classify(text).regions, (text, classify(text))


#: Heads of a non-carcinoma diagnosis, each with a made-up kind ("<nonce>cytoma", "<nonce> fibromatosis").
NON_CARCINOMA = ["{w} fibromatosis", "{w}cytoma", "{w}blastoma", "{w} fasciitis", "{w}sarcoma", "{w} lymphoma",
                 "{w} tumour", "desmoid-type fibromatosis", "myofibroblastoma", "granular cell tumour"]


def test_a_non_carcinoma_is_the_diagnosis_when_no_type_is_stated(host):
    for i, (shape, word) in enumerate(itertools.product(NON_CARCINOMA, ["glorb", "vandrel"])):
        name = shape.format(w=word)
        said, size = SIZES[i % len(SIZES)]
        for dictation in (f"L WLE of deep mass: {name}, {said}, infiltrative. No carcinoma. Deep margin involved.",
                          f"Right excision. Diagnosis: {name}. Size {said}. No malignancy."):
            d = draft(host, "breast-resection", dictation)
            assert name in region(d, "histologic_type").lower(), (dictation, d.region_dict())
            assert size in region(d, "size") and size not in region(d, "histologic_type"), (dictation, d.region_dict())
            assert name not in region(d, "others").lower(), (dictation, d.region_dict())
            assert any(name in item.lower() for item in d.impression), (dictation, d.impression)


def test_a_benign_non_carcinoma_beside_a_carcinoma_stays_an_additional_finding(host):
    for shape in ["{w} fibromatosis", "desmoid-type fibromatosis", "myofibroblastoma", "granular cell tumour"]:
        name = shape.format(w="glorb")
        d = draft(host, "breast-resection", f"R WLE. IDC 1.5 cm, G2. Separate {name} 4 mm. Margins neg.")
        assert "invasive ductal carcinoma" in region(d, "histologic_type").lower(), (name, d.region_dict())
        assert "1.5 cm" in region(d, "size") and "4 mm" not in region(d, "size"), (name, d.region_dict())


STAGE_GROUPS = ["IA", "IB", "IIA", "IIB", "IIIC", "IE", "IV"]


def test_a_stage_said_in_a_bracket_after_a_statement_is_the_stage(host):
    for group, tnm in itertools.product(STAGE_GROUPS, ["T1 N0 M0", "T2N1aM0", "pT1a"]):
        d = draft(host, "breast-resection", f"L capsulectomy. The glorbic disease is confined to the capsule, with no "
                                            f"infiltration (stage {group}, {tnm}). Margins free.")
        stage = region(d, "stage")
        assert f"stage {group}".lower() in stage.lower() and tnm in stage, (group, tnm, d.region_dict())
        assert "confined" not in stage, d.region_dict()
        assert "confined" in " ".join(region(d, r) for r in ("others", "extent")), d.region_dict()


def test_a_stage_group_with_its_system_is_the_stage(host):
    for group, system in itertools.product(STAGE_GROUPS, ["AJCC prognostic stage", "anatomic stage", "Lugano stage", "stage group"]):
        d = draft(host, "breast-resection", f"L mastectomy. Glorbic carcinoma 2 cm, G2, {system} {group}.")
        assert f"{system} {group}".lower() in region(d, "stage").lower(), (system, group, d.region_dict())
        assert "2 cm" in region(d, "size")


DENIED_NODES = ["No axillary surgery", "No axillary surgery (age/comorbidity)", "Axillary staging not performed",
                "Axilla not sampled", "No SLNB", "Sentinel node biopsy was not performed", "Nil axillary sampling",
                "Axillary surgery omitted"]


def test_a_denied_node_procedure_is_the_node_statement(host):
    for said in DENIED_NODES:
        d = draft(host, "breast-resection", f"R WLE. Glorbic carcinoma 2 cm, G2. {said}. pT1c pNX.")
        nodes = region(d, "lymph_nodes").lower()
        assert nodes.startswith(said.lower().replace("slnb", "sentinel lymph node biopsy")), (said, d.region_dict())
        assert said.split()[1].lower() not in region(d, "others").lower(), (said, d.region_dict())


def test_a_plan_left_to_judgement_goes_to_the_impression(host):
    plans = ["Re-excision", "Completion mastectomy", "Further surgery", "Glorbectomy", "Re-excision of the anterior margin"]
    tails = ["at surgeon's discretion", "at the surgeon's discretion", "at the discretion of the MDT", "to be considered"]
    for plan, tail in itertools.product(plans, tails):
        said = f"{plan} {tail}"
        d = draft(host, "breast-resection", f"L WLE. IDC 2 cm, G2. Margins: anterior involved. {said}.")
        assert any(said.lower() in item.lower() for item in d.impression), (said, d.impression)
        assert said.lower() not in region(d, "procedure").lower() + region(d, "margins").lower(), (said, d.region_dict())


def test_a_named_part_of_the_breast_is_the_site_not_the_procedure(host):
    for part, form in itertools.product(["axillary tail", "tail of Spence"],
                                        ["Left WLE ({p}) + SLNB.", "Left WLE (UOQ, {p}).", "Wide local excision of left {p} mass.",
                                         "Excision of left {p} lesion, wire-guided."]):
        d = draft(host, "breast-resection", form.format(p=part) + " Glorbic carcinoma 19 mm.")
        assert part.lower() in region(d, "site").lower(), (part, form, d.region_dict())
        assert part.lower() not in region(d, "procedure").lower(), (part, form, d.region_dict())


def test_a_dash_set_apart_between_words_is_no_sign():
    for word, full in (("ENE", "extranodal extension"), ("LVI", "lymphovascular invasion"), ("PNI", "perineural invasion")):
        out = parse_dictation(f"Glorbic node w/ 4 mm metastasis, no {word} - counted as an axillary node.")[0]
        assert f"no {full} - counted" in out and "negative" not in out, out
        assert parse_dictation(f"{word} -, glorb +.")[0].lower().startswith(f"{full} negative"), word


def test_the_nearest_surface_with_its_distance_is_a_margin(host):
    for surface, dist in itertools.product(["skin flap", "glorbic fascia", "deep", "inked surface"], ["5 mm", "0.4 mm", "<1 mm"]):
        d = draft(host, "breast-resection", f"L WLE. IDC 16 mm. Margins clear, nearest {surface} {dist}.")
        margins = region(d, "margins").lower()
        assert surface in margins and dist.replace("<", "") in margins, (surface, dist, d.region_dict())
        assert region(d, "size") == "16 mm.", d.region_dict()
