"""Pathology dictation classes of round 8 (issue 13): each class as a generator over a FAMILY of breast pathology
dictation (lesion shorthand, node procedures with their counts, receptor signs run together, margin clauses without a
subject, grade words said alone, a tumour bed with its residual tumour), not rows of a benchmark set."""

from __future__ import annotations

import itertools

from test_dictation_facts_derm_path import draft, host, region  # noqa: F401 (host is a fixture)

from pixtralogist.plugins.pathology.dictation import parse_dictation
from pixtralogist.plugins.pathology.lexicon import LEXICON

#: Lesion shorthand a report writes in words (round 8): benign and borderline lesions, special-type acronyms.
LESION_SHORTHAND = {"FCC": "fibrocystic change", "CCL": "columnar cell lesion", "CCC": "columnar cell change",
                    "CCH": "columnar cell hyperplasia", "RSL": "radial sclerosing lesion",
                    "CSL": "complex sclerosing lesion", "FA": "fibroadenoma", "ADH": "atypical ductal hyperplasia",
                    "ALH": "atypical lobular hyperplasia", "FEA": "flat epithelial atypia"}
TYPE_SHORTHAND = {"EPC": "encapsulated papillary carcinoma", "SPC": "solid papillary carcinoma",
                  "IMPC": "invasive micropapillary carcinoma", "MBC": "metaplastic breast carcinoma",
                  "ACC": "adenoid cystic carcinoma", "IC NST": "invasive carcinoma, no special type"}
NODE_PROCEDURES = ["SNB", "SLNB", "ALND", "Axillary clearance", "axillary node sampling", "TAD"]
MARGINS = ["superior", "inferior", "medial", "lateral", "anterior", "posterior", "deep"]
MARGIN_LESIONS = ["Pleomorphic LCIS", "Classic LCIS", "DCIS", "High grade DCIS", "Invasive lobular carcinoma",
                  "Residual invasive carcinoma"]
MARGIN_PREDICATES = ["extending to {m} margin", "focally at the {m} margin", "involving the {m} margin",
                     "1 mm from the {m} margin", "abutting {m} margin"]
#: Malignancies whose grade is said as a word after the size ("7 cm, high grade").
GRADED_TYPES = ["Angiosarcoma", "Radiation-associated angiosarcoma", "Metaplastic carcinoma", "Leiomyosarcoma",
                "Invasive micropapillary carcinoma", "Adenosquamous carcinoma"]


def test_the_lesion_and_type_shorthand_is_in_the_lexicon_and_written_out(host):
    for short, words in itertools.chain(LESION_SHORTHAND.items(), TYPE_SHORTHAND.items()):
        if " " not in short:
            assert LEXICON.expansion(short.lower()) is not None, short
        d = draft(host, "breast-resection", f"R WLE. IDC 1.5 cm, G2. Background {short}. Margins neg."
                  if short in LESION_SHORTHAND else f"R WLE. {short} 1.5 cm, G2. Margins neg.")
        text = " ".join(d.region_dict().values()).lower()
        assert words.lower() in text, (short, d.region_dict())
        assert short.lower() not in text.replace(words.lower(), ""), (short, d.region_dict())


def test_a_node_procedure_with_its_count_gives_the_lymph_node_statement(host):
    for proc, (n, of) in itertools.product(NODE_PROCEDURES, [(0, 2), (1, 3), (4, 15)]):
        d = draft(host, "breast-resection", f"L mastectomy. IDC 2.2 cm, G2. Margins clear. {proc} {n}/{of}.")
        nodes = region(d, "lymph_nodes").lower()
        assert f"{n} of {of}" in nodes, (proc, n, of, d.region_dict())
        assert f"{n}/{of}" not in region(d, "procedure") + region(d, "others"), (proc, d.region_dict())


def test_sentinels_with_a_count_are_sentinel_lymph_nodes(host):
    for word, (n, of) in itertools.product(["Sentinels", "sentinels", "SLNs", "Sentinel nodes"], [(0, 2), (2, 3)]):
        d = draft(host, "breast-resection", f"R lumpectomy. ILC 1.1 cm, G2. LVI present. {word} {n}/{of}. pT1c.")
        nodes = region(d, "lymph_nodes").lower()
        assert f"{n} of {of}" in nodes and "node" in nodes, (word, d.region_dict())


def test_receptor_signs_run_together_are_each_written_out():
    for signs in itertools.product("+-", repeat=3):
        said = "ER{}PR{}HER2{}".format(*signs)
        out = parse_dictation(f"{said}.")[0]
        words = ["positive" if s == "+" else "negative" for s in signs]
        assert out == f"ER {words[0]}, PR {words[1]}, HER2 {words[2]}.", (said, out)


def test_a_margin_clause_without_a_subject_takes_the_lesion_named_before_it(host):
    for lesion, pred, m in itertools.product(MARGIN_LESIONS, MARGIN_PREDICATES, MARGINS[::2]):
        clause = pred.format(m=m)
        d = draft(host, "breast-resection", f"R lumpectomy. {lesion} with calcifications, {clause}. pT1b.")
        margins = region(d, "margins").lower()
        assert m in margins and lesion.lower() in margins, (lesion, clause, d.region_dict())


def test_a_margin_status_after_marg_is_involved_and_inv_before_a_tumour_is_invasive():
    for m in MARGINS:
        out = " ".join(parse_dictation(f"IDC 2.9cm G2, marg inv ({m}). Inv ca in the {m} shave.")).lower()
        assert f"margin involved ({m})" in out and "invasive carcinoma" in out, (m, out)


def test_a_feature_given_none_is_denied(host):
    for feature, value in itertools.product(["LVI", "lvi", "LVI:", "ENE", "ENE:"], ["none", "nil", "None"]):
        out = parse_dictation(f"{feature} {value}.")[0]
        assert out.lower().startswith("no "), (feature, value, out)


def test_a_grade_word_said_alone_after_the_size_is_the_grade(host):
    for tumour, grade in itertools.product(GRADED_TYPES, ["low grade", "intermediate grade", "high grade"]):
        d = draft(host, "breast-resection", f"Right mastectomy. {tumour}, 4.5 cm, {grade}. Deep margin clear.")
        assert grade in region(d, "grade").lower(), (tumour, grade, d.region_dict())
        assert grade not in region(d, "size").lower(), (tumour, grade, d.region_dict())


def test_a_grade_word_after_dcis_stays_with_the_dcis(host):
    for grade in ["low grade", "intermediate grade", "high grade"]:
        d = draft(host, "breast-resection", f"L WLE. IDC 1.2 cm, G2. DCIS, cribriform, {grade}. Margins clear.")
        assert grade in region(d, "others").lower() and grade not in region(d, "grade").lower(), d.region_dict()


def test_a_tumour_bed_with_its_residual_tumour_gives_type_and_size(host):
    for tumour, bed, focus in itertools.product(["IDC", "ILC", "invasive carcinoma"], ["3.5 x 2 cm", "2.8 cm"],
                                                ["4 mm", "1.6 cm"]):
        for said in (f"Tumour bed {bed} with scattered residual {tumour}, largest focus {focus}, cellularity ~5%.",
                     f"Residual {tumour}, 2 foci in a {bed} tumor bed, largest focus {focus}, cellularity 30%."):
            d = draft(host, "breast-resection", f"L mastectomy post NACT. {said} Margins clear. ypT1a ypN0.")
            assert focus in region(d, "size"), (said, d.region_dict())
            assert "bed" in region(d, "others").lower() and "bed" not in region(d, "size").lower(), (said, d.region_dict())
            kind = "lobular" if tumour == "ILC" else "carcinoma"
            assert kind in region(d, "histologic_type").lower(), (said, d.region_dict())


def test_a_clock_time_moved_out_of_its_clause_is_written_as_a_clock_position(host):
    for hour, minute in itertools.product([1, 3, 8, 10, 12], ["00", "30"]):
        d = draft(host, "breast-resection", f"R lumpectomy: IDC 1.1cm G1 at {hour}:{minute}, margins neg. SLN 0/2.")
        site = region(d, "site")
        want = f"{hour} o'clock" if minute == "00" else f"{hour}:{minute} o'clock"
        assert want in site, (hour, minute, d.region_dict())


#: What a "with" clause after the tumour names that is another element's, and that element.
WITH_FEATURES = [("dermal lymphatic tumour emboli", "lvi"), ("skin ulceration", "extent"),
                 ("nipple involvement", "extent"), ("lymphovascular invasion", "lvi"),
                 ("pectoralis muscle invasion", "extent"), ("Paget disease of the nipple", "extent")]


def test_a_with_clause_naming_another_element_leaves_the_tumour_its_type_and_size(host):
    tumours = {"Residual IDC": "invasive ductal", "ILC": "invasive lobular", "Metaplastic carcinoma": "metaplastic"}
    for (feature, element), (tumour, kind) in itertools.product(WITH_FEATURES, tumours.items()):
        d = draft(host, "breast-resection", f"R MRM. {tumour} 4.5cm G3 with {feature}. Margins clear. pT4b.")
        assert "4.5 cm" in region(d, "size"), (tumour, feature, d.region_dict())
        assert kind in region(d, "histologic_type").lower(), (tumour, feature, d.region_dict())
        assert feature.split()[0].lower() in region(d, element).lower(), (tumour, feature, d.region_dict())
        assert not region(d, element).lower().startswith("with "), d.region_dict()


def test_microinvasion_after_dcis_is_the_invasive_focus_with_its_size(host):
    for said, size in itertools.product(["w/ microinvasion (single focus {s})", "with foci of microinvasion, largest {s}",
                                         "with microinvasion ({s})"], ["0.8mm", "<1 mm", "0.5 mm"]):
        d = draft(host, "breast-resection", f"L WLE. DCIS high grade, comedo necrosis, 2.2cm extent, {said.format(s=size)}. "
                  "Margins neg. pT1mi.")
        assert "microinvasi" in region(d, "histologic_type").lower(), (said, d.region_dict())
        assert size.replace("mm", "").strip() in region(d, "size"), (said, d.region_dict())
        assert "microinvasi" not in region(d, "others").lower(), d.region_dict()


#: The parts of an unpunctuated run-on, element by element: (what is said, what the element's region must hold).
RUN_ON_PARTS = {
    "procedure": [("left wle", "wide local excision"), ("right mastectomy and sentinel node biopsy", "mastectomy"),
                  ("lt lumpectomy with slnb", "lumpectomy"), ("right mastectomy and axillary clearance", "mastectomy")],
    "histologic_type": [("idc", "invasive ductal carcinoma"), ("invasive lobular carcinoma", "invasive lobular"),
                        ("mucinous carcinoma", "mucinous"), ("ilc", "invasive lobular carcinoma")],
    "size": [("12mm", "12 mm"), ("measuring 26 mm", "26 mm"), ("2.4 cm", "2.4 cm")],
    "grade": [("grade 2", "grade 2"), ("g3", "grade 3"), ("grade 1", "grade 1")],
    "margins": [("margins clear nearest 2 mm anterior", "2 mm anterior"), ("deep margin 4 mm", "deep margin 4 mm"),
                ("margins clear", "margins clear"), ("closest margin superior 1 mm", "superior 1 mm")],
    "lvi": [("lvi not identified", "not identified"), ("no lvi", "no lymphovascular"),
            ("lymphovascular invasion present", "present")],
    "lymph_nodes": [("sentinel nodes 0 of 2", "0 of 2"), ("sentinels negative 0/3", "0 of 3"),
                    ("3 of 12 nodes positive", "3 of 12")],
    "others": [("er positive pr positive her2 negative", "her2 negative"), ("er neg pr neg her2 3+", "er negative")],
    "stage": [("pt2 pn0", "pT2 pN0"), ("pt1c pn1a", "pT1c pN1a")],
}


def test_an_unpunctuated_run_on_is_cut_at_each_element(host):
    order = list(RUN_ON_PARTS)
    for i in range(24):
        chosen = {k: RUN_ON_PARTS[k][(i * (j + 1)) % len(RUN_ON_PARTS[k])] for j, k in enumerate(order)}
        said = " ".join(chosen[k][0] for k in order)
        d = draft(host, "breast-resection", said)
        for element, (_, want) in chosen.items():
            got = region(d, element)
            assert want.lower() in got.lower() if element != "stage" else want in got, (said, element, d.region_dict())
        assert "margin" not in region(d, "procedure").lower(), (said, d.region_dict())


def test_a_punctuated_or_short_statement_is_no_run_on():
    from pixtralogist.kit.runon import split_run_on
    from pixtralogist.plugins.pathology.dictation import _RUN_ON

    assert split_run_on("IDC 2 cm, grade 2, margins clear, LVI absent, nodes 0/3, ER pos, pT1c pN0", _RUN_ON) == \
        ["IDC 2 cm, grade 2, margins clear, LVI absent, nodes 0/3, ER pos, pT1c pN0"]
    assert split_run_on("idc grade 2 margins clear", _RUN_ON) == ["idc grade 2 margins clear"]
    long = "x " * 5000 + "margins clear " * 3
    assert len(split_run_on(long, _RUN_ON)) == 4  # one linear scan of a long statement


def test_a_margin_sentence_without_a_subject_takes_the_lesion_of_the_sentence_before(host):
    for lesion, pred, m in itertools.product(["DCIS int grade 12mm", "LCIS classic", "Pleomorphic LCIS w/ necrosis",
                                              "High grade DCIS, solid"],
                                             ["Extends to {m} margin", "Extending to {m} margin", "Focally at {m} margin",
                                              "Involving the {m} margin"], ["sup", "lateral", "deep"]):
        said = f"R WLE. IDC 1.1 cm, G2. {lesion}. {pred.format(m=m)}. SLN 0/2."
        d = draft(host, "breast-resection", said)
        margins = region(d, "margins").lower()
        name = "dcis" if "dcis" in lesion.lower() else "lcis"
        assert name in margins and ("superior" if m == "sup" else m) in margins, (said, d.region_dict())


def test_a_denied_lesion_gives_no_subject_to_the_margin_sentence_after_it():
    out = parse_dictation("R WLE. No residual invasive carcinoma. Extending to lateral margin.")
    assert out[-1] == "Extending to lateral margin.", out


def test_a_status_written_plus_ve_or_minus_ve_is_written_out():
    for subject, (sign, word) in itertools.product(["ER", "PR", "HER2", "2/14 LN", "Nodes", "SLN 1/3"],
                                                   [("+ve", "positive"), ("-ve", "negative"), (" +ve", "positive"),
                                                    (" -ve", "negative")]):
        out = parse_dictation(f"{subject}{sign}.")[0]
        assert word in out and "ve" not in out.replace("positive", "").replace("negative", ""), (subject, sign, out)


def test_a_distance_opening_the_next_sentence_after_a_number_is_a_sentence_of_its_own():
    for end, dist, m in itertools.product(["G2", "grade 3", "1.5 cm", "12 mm"], ["2 mm", "<1 mm", "0.5mm"],
                                          ["deep", "superior", "lateral"]):
        out = parse_dictation(f"IDC {end}. {dist} from {m} margin.")
        assert len(out) == 2 and out[1].startswith("Invasive ductal carcinoma") and m in out[1], (end, dist, out)


def test_a_one_word_specimen_head_is_a_statement_of_its_own(host):
    for head, (tumour, kind) in itertools.product(["WLE", "Mastectomy", "Lumpectomy", "MRM", "Re-excision"],
                                                  [("IDC", "invasive ductal"), ("ILC", "invasive lobular"),
                                                   ("Mucinous ca", "mucinous")]):
        d = draft(host, "breast-resection", f"R breast. {head}: {tumour} 2 cm G2. Margins clear.")
        assert kind not in region(d, "procedure").lower() and kind in region(d, "histologic_type").lower(), \
            (head, tumour, d.region_dict())


def test_the_breast_side_of_the_clinical_line_is_the_laterality_when_nothing_else_names_one(host):
    for demo, side in itertools.product(["27F", "45 F", "63M"], ["L", "R", "left", "right"]):
        want = "Left." if side.lower().startswith("l") else "Right."
        d = draft(host, "breast-resection", f"{demo}, {side} breast lump. Lumpectomy. Secretory carcinoma 1.7cm. G1.")
        assert region(d, "laterality") == want, (demo, side, d.region_dict())
        d = draft(host, "breast-resection", f"{demo}, {side} breast lump. Right mastectomy. IDC 2 cm.")
        assert region(d, "laterality") == "Right.", (demo, side, d.region_dict())  # the specimen's own side wins
