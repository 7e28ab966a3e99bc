"""Pathology dictation classes of round 7 (issue 13): each class as a generator over a FAMILY of breast pathology
knowledge (special types, benign companions, procedures, response scales, question forms, bilateral specimens), not
rows of a benchmark set, so the class stays fixed, not one wording of it."""

from __future__ import annotations

import itertools

from test_dictation_facts_derm_path import draft, host, region  # noqa: F401 (host is a fixture)

from pixtralogist.plugins.pathology.dictation import parse_dictation
from pixtralogist.plugins.pathology.sorter import classify

#: Breast malignancies named without the word "carcinoma" or with a type word the lexicon lacked before round 7.
SPECIAL_TYPES = ["Angiosarcoma", "Radiation-associated angiosarcoma", "Malignant phyllodes tumour",
                 "Borderline phyllodes tumor", "Benign phyllodes tumour", "Adenoid cystic carcinoma",
                 "Secretory carcinoma", "Acinic cell carcinoma", "Low-grade adenosquamous carcinoma",
                 "Squamous cell carcinoma", "Spindle cell carcinoma", "Neuroendocrine carcinoma",
                 "Solid papillary carcinoma", "Mucoepidermoid carcinoma", "Pleomorphic lobular carcinoma",
                 "Carcinosarcoma", "Leiomyosarcoma", "Diffuse large B-cell lymphoma", "Tall cell carcinoma with reversed polarity",
                 "Glycogen-rich clear cell carcinoma", "Signet-ring cell carcinoma"]
#: Benign companions and non-tumour lesions: an additional finding, never the tumour's type or size.
BENIGN = ["sclerosing adenosis", "PASH", "pseudoangiomatous stromal hyperplasia", "fat necrosis", "duct ectasia",
          "complex sclerosing lesion", "mucocele-like lesion", "gynaecomastia", "gynecomastia", "granular cell tumour",
          "hamartoma", "fibromatosis", "myofibroblastoma", "haemangioma", "apocrine metaplasia", "lactational change",
          "granulomatous mastitis", "silicone granulomas", "fibroadenoma", "intraductal papilloma", "radial scar",
          "usual ductal hyperplasia", "columnar cell change", "fibrocystic change", "microglandular adenosis",
          "tubular adenoma", "nipple adenoma", "collagenous spherulosis"]
PROCEDURES = ["oncoplastic reduction mammoplasty", "therapeutic mammaplasty", "implant capsulectomy",
              "microdochectomy", "total duct excision", "targeted axillary dissection", "contralateral reduction",
              "wire-guided excision", "Magseed-localised excision", "nipple-areola complex excision"]
SIZES = ["4mm", "1.2 cm", "~2 cm", "2.5 x 1.1 cm", "<5mm"]


def _cm_mm(size: str) -> str:
    """What the drafter writes of a dictated size ("4mm" -> "4 mm")."""
    return parse_dictation(f"{size}.")[0].rstrip(".").lstrip("~<").strip()


def test_a_special_type_with_its_size_is_the_type_and_the_tumour_size(host):
    for i, (kind, size) in enumerate(itertools.product(SPECIAL_TYPES, SIZES[:3])):
        side = ("L", "R")[i % 2]
        d = draft(host, "breast-resection", f"{side} mastectomy. {kind} {size}, margins clear.")
        assert kind.split()[-1].lower() in region(d, "histologic_type").lower(), (kind, d.region_dict())
        assert _cm_mm(size) in region(d, "size"), (kind, size, d.region_dict())


def test_a_benign_companion_is_an_additional_finding_with_its_size(host):
    for i, lesion in enumerate(BENIGN):
        size = SIZES[i % len(SIZES)]
        d = draft(host, "breast-resection", f"R WLE. IDC 1.5 cm, G2. {lesion[0].upper() + lesion[1:]} {size}. Margins neg.")
        others = region(d, "others").lower()
        assert lesion.lower() in others and _cm_mm(size) in others, (lesion, d.region_dict())
        assert lesion.lower() not in region(d, "histologic_type").lower() + region(d, "size").lower()
        assert "1.5 cm" in region(d, "size")


def test_a_non_tumour_finding_with_a_size_is_not_the_tumour_size():
    for finding, size in itertools.product(["Perineural invasion", "Metastasis", "Specimen", "Seroma cavity",
                                            "Biopsy cavity", "Cyst", "Seroma"], ["4 mm", "12 x 8 x 3 cm", "<5 mm"]):
        for shape in (f"{finding}, {size}.", f"{finding} ({size}).", f"{finding} measuring {size}."):
            assert "size" not in classify(shape).regions, shape
    for tumour in ("Tumour ~4 cm.", "Largest focus 1.6 cm.", "Residual tumor 2.2 cm.", "Measuring 2.1 x 1.2 cm.", "2.1 cm."):
        assert classify(tumour).regions == {"size"}, tumour


def test_a_clause_measuring_the_other_margins_stays_with_the_margins(host):
    for short, full in (("ant", "anterior"), ("deep", "deep"), ("post", "posterior")):
        for wall in ("skin", "fascia", "pectoralis"):
            d = draft(host, "breast-resection", f"L lumpectomy. IDC 2 cm. Margins neg, {short} ({wall}) 2mm, others >10mm.")
            margins = region(d, "margins").lower()
            assert full in margins and "2 mm" in margins and "others >10 mm" in margins, d.region_dict()
            assert region(d, "size") == "2 cm."


def test_a_procedure_of_the_wider_family_is_the_procedure(host):
    for proc, side in itertools.product(PROCEDURES, ("Left", "Rt")):
        d = draft(host, "breast-resection", f"{side} {proc}. Benign breast tissue. No malignancy.")
        assert proc.split()[-1].lower() in region(d, "procedure").lower(), (proc, d.region_dict())


def test_a_treatment_response_scale_is_no_nottingham_grade(host):
    for scale, n in itertools.product(("Miller-Payne grade", "Miller Payne", "MP grade"), range(1, 6)):
        if scale == "MP grade":
            continue  # "MP" is not written out (it is also the abbreviation of other things)
        d = draft(host, "breast-resection", f"L mastectomy post NACT. Residual IDC 4 mm, G2. {scale} {n}.")
        assert region(d, "grade") == "Grade 2.", (scale, n, d.region_dict())
        assert f"{scale.lower()} {n}" in region(d, "others").lower()


def test_a_question_mark_before_or_after_a_finding_hedges_only_that_sentence(host):
    findings = ["DCIS", "perineural invasion", "Paget disease", "metastatic carcinoma", "LCIS", "residual carcinoma"]
    for before, finding in itertools.product(("Invasive carcinoma.", "Macrometastasis.", "Tumor."), findings):
        for shape in (f"?{finding}", f"{finding}?", f"? {finding}", f"?4 mm {finding}", f"R/o {finding}",
                      f"Rule out 4x3mm {finding}"):
            sentences = parse_dictation(f"Left mastectomy. {before} {shape}. LVI not seen.")
            assert before in sentences, (shape, sentences)  # "?X" is no part of the sentence before it
            hedged = next(s for s in sentences if finding.lower() in s.lower())
            assert hedged.lower().startswith("possible") and "?" not in hedged, (shape, sentences)
    assert parse_dictation("pT2? pN0.") == ["pT2? pN0."]  # a "?" after a category is no hedge of the next one
    assert parse_dictation("Likely DCIS?") == ["Likely DCIS."]  # already hedged: no second hedge
    assert parse_dictation("R/o malignancy. L excision.")[0] == "Rule out malignancy."  # the opening: the question


def test_a_question_answered_at_once_keeps_the_answer():
    for question, answer in (("Bilat", "L only"), ("Multifocal", "single focus"), ("LVI", "not seen")):
        sentences = parse_dictation(f"{question}? no - {answer}. IDC 2 cm.")
        assert question.lower() not in " ".join(sentences).lower(), sentences


def test_bilateral_specimens_are_bilateral_unless_one_side_has_the_carcinoma(host):
    for proc, bilat in itertools.product(("mastectomy", "mastectomies", "reduction mammoplasty", "NSM"),
                                         ("Bilat", "Bilateral", "B/L")):
        d = draft(host, "breast-resection", f"{bilat} {proc}. Fibrocystic change. No malignancy.")
        assert region(d, "laterality") == "Bilateral.", (proc, bilat, d.region_dict())
        d = draft(host, "breast-resection", f"{bilat} {proc}. R: IDC 1.1 cm G1. L: benign, no atypia.")
        assert region(d, "laterality") == "Right.", (proc, bilat, d.region_dict())
