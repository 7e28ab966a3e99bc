"""Pathology dictation classes of round 6 (issue 13): each class as a generator over word lists (not rows of a
benchmark set), so the class stays fixed, not one wording of it."""

from __future__ import annotations

import itertools
import re

from test_dictation_facts_derm_path import draft, host, region  # noqa: F401 (host is a fixture)

ORIENTATIONS = {"superior": "sup", "inferior": "inf", "medial": "med", "lateral": "lat", "anterior": "ant",
                "posterior": "post", "deep": "deep"}
ORIENTATIONS_BY_SHORT = {short: full for full, short in ORIENTATIONS.items()}
COMPONENTS = ["invasive", "DCIS", "LCIS", "invasive, broad", "invasive, focal", "ILC"]
WRITTEN = {"ILC": "invasive lobular carcinoma"}
TYPES = {"IDC": "invasive ductal carcinoma", "ILC": "invasive lobular carcinoma", "mucinous ca": "mucinous carcinoma",
         "tubular ca": "tubular carcinoma", "metaplastic ca": "metaplastic carcinoma"}
_DENIED = re.compile(r"\b(?:no|not|without|negative for|free of)\b", re.I)


def _sentence_with(text: str, needle: str) -> str:
    """The sentence of ``text`` that holds ``needle`` ('' if none)."""
    return next((s for s in re.split(r"(?<=\.)\s+", text) if needle.lower() in s.lower()), "")


def _not_denied(text: str, needle: str) -> bool:
    """Whether ``needle`` is in ``text`` with no denial before it in its sentence (as a reader scopes a "no")."""
    sentence = _sentence_with(text, needle)
    return bool(sentence) and not _DENIED.search(sentence[: sentence.lower().index(needle.lower())])


# -- margin lists: every margin keeps its status, component and distance ------------------------------------------

def test_a_margin_list_with_per_margin_components_stays_in_the_margins(host):
    pairs = list(itertools.permutations(ORIENTATIONS, 2))
    for i, (o1, o2) in enumerate(pairs):
        c1, c2 = COMPONENTS[i % len(COMPONENTS)], COMPONENTS[(i + 2) % len(COMPONENTS)]
        status = ("involved", "positive", "close")[i % 3]
        short = i % 2 == 1  # the shorthand of the orientation half of the time
        w1, w2 = (ORIENTATIONS[o1], ORIENTATIONS[o2]) if short else (o1, o2)
        d = draft(host, "breast-resection", f"IDC 2.1 cm, G2. Margins {status}: {w1} ({c1}), {w2} ({c2}). R mastectomy.")
        margins = region(d, "margins").lower()
        for o, c in ((o1, c1), (o2, c2)):
            assert o in margins and WRITTEN.get(c, c).lower() in margins, (o, c, margins)
        assert status in margins
        assert o1 not in region(d, "others").lower() and o2 not in region(d, "others").lower()


def test_margin_distances_in_a_list_stay_with_their_margins(host):
    forms = ["Margins neg >={n}mm", "Margins neg ≥{n}mm", "Margins: negative, closest {n}mm {o}",
             "Margins: {o} ({c}) {n} mm, others >5mm", "Margins neg, closest {n} mm {o} ({c})"]
    for (form, o, n), c in zip(itertools.product(forms, ORIENTATIONS, (1, 2, 3.5)), itertools.cycle(COMPONENTS)):
        d = draft(host, "breast-resection", "L WLE. IDC 1.4 cm. " + form.format(n=n, o=o, c=c) + ".")
        margins = region(d, "margins").lower()
        assert f"{n} mm" in margins, (form, margins)
        if "{o}" in form:
            assert o in margins


def test_a_denial_in_one_margin_does_not_reach_the_next(host):
    for (o, short), n, note in itertools.product(ORIENTATIONS.items(), (1, 2, 5),
                                                 ("skin not included", "no tumour on ink", "not inked")):
        d = draft(host, "breast-resection", f"L lumpectomy. ILC 2.8 cm. Margins: {short} involved ({note}), others neg >{n}mm.")
        margins = region(d, "margins")
        assert o in margins.lower() and note in margins
        assert _not_denied(margins, f"{n} mm"), margins


# -- extent: focality, number of foci, separation, tumour bed after therapy; site: prior scar or biopsy site ---------

def test_focality_after_another_label_is_the_extent(host):
    for label, word, second in itertools.product(("Size", "Tumour size", "Histologic type"),
                                                 ("multifocal", "multicentric"), ("2nd", "second focus", "smaller")):
        value = "3.1 cm" if "ize" in label else "ILC classic"
        d = draft(host, "breast-resection", f"R mastectomy\n{label}: {value}, {word} (2 foci, {second} 0.8cm)\nGrade: 2")
        assert word in region(d, "extent").lower() and "0.8 cm" in region(d, "extent")
        assert word not in region(d, "size").lower() + region(d, "histologic_type").lower()


def test_the_number_of_foci_and_their_separation_are_the_extent(host):
    for count, noun, (t, name) in itertools.product(("Two", "2", "Three", "3"), ("foci", "separate foci", "separate"),
                                                   TYPES.items()):
        head = f"{count} {noun} {t}" if noun != "separate" else f"{count} separate {t}s" if t.isupper() else None
        if head is None:
            continue
        d = draft(host, "breast-resection",
                  f"L breast partial mastectomy. {head}: 1.2cm at 12:00 and 0.4cm at 11:00, separated by 1.5cm benign tissue.")
        extent = region(d, "extent").lower()
        assert count.lower() in extent and "separated by 1.5 cm" in extent, (head, extent)
        assert name in region(d, "histologic_type").lower()
        assert "1.5 cm" not in region(d, "size") and ("12:00" in region(d, "site") or "12 o'clock" in region(d, "site"))


def test_a_tumour_bed_named_inside_the_residual_tumour_is_its_own_statement(host):
    for (t, name), bed, size in itertools.product(TYPES.items(), ("tumor bed", "tumour bed", "residual tumour bed"),
                                                  ("2.5cm", "3 x 2 cm", "18 mm")):
        d = draft(host, "breast-resection", f"s/p NAC, L lumpectomy. Residual {t} 3mm in {size} {bed} w/ fibrosis, ~5% cellularity.")
        greatest = {"2.5cm": "2.5 cm", "3 x 2 cm": "3 cm", "18 mm": "18 mm"}[size]
        others = region(d, "others").lower()
        assert bed in others and greatest in others, others
        assert region(d, "size") == "3 mm." and bed not in region(d, "histologic_type").lower()


def test_a_tumour_bed_in_two_dimensions_gives_its_greatest_first(host):
    for a, b, unit, bed in itertools.product((3.1, 1.8, 4), (2.0, 0.9), ("cm", "mm"), ("Tumour bed", "Tumor bed measures")):
        d = draft(host, "breast-resection", f"L mastectomy after NACT. No residual invasive carcinoma. {bed} {a} x {b}{unit} "
                                            "with fibrosis, clip identified.")
        greatest = max(a, b)
        assert f"{greatest} {unit} in greatest dimension ({a} x {b} {unit})" in region(d, "others")


def test_skin_and_nipple_findings_are_the_extent(host):
    for part, status in itertools.product(("Skin", "Nipple", "Skin/nipple", "Dermis", "Skeletal muscle", "Chest wall"),
                                          ("uninvolved", "not involved", "involved by carcinoma", "neg")):
        d = draft(host, "breast-resection", f"R mastectomy. IDC 4.5 cm, G2. {part} {status}. Margins neg.")
        assert part.split("/")[0].lower() in region(d, "extent").lower()


def test_where_the_tumour_lies_relative_to_a_prior_operation_is_the_site(host):
    relations = ("adjacent to", "abutting", "at", "involving", "near")
    places = ("prior lumpectomy scar", "previous scar", "the old biopsy site", "prior bx site", "the biopsy cavity",
              "previous excision site", "surgical scar")
    for rel, place in itertools.product(relations, places):
        d = draft(host, "breast-resection", f"R mastectomy for recurrence. Recurrent IDC 1.1 cm {rel} {place}, G2.")
        site = region(d, "site").lower()
        key = place.split()[-1]
        assert key in site, (rel, place, site)
        assert key not in region(d, "procedure").lower()
        assert "invasive ductal carcinoma" in region(d, "histologic_type").lower() and "1.1 cm" in region(d, "size")


# -- receptor shorthand, additional-margin specimens, Paget disease -----------------------------------------------

def test_receptor_and_biomarker_shorthand_is_an_additional_finding(host):
    shorthand = {"triple neg": "triple negative", "triple negative": "triple negative", "TNBC": "triple-negative",
                 "HR+": "hr", "HR pos": "hr", "AR pos": "androgen receptor", "Allred 7/8": "allred",
                 "TILs 30%": "tumor-infiltrating lymphocytes", "HER2-low": "her2", "PD-L1 positive": "pd-l1",
                 "EIC present": "eic", "Oncotype RS 12": "oncotype"}
    for (t, name), (said, written) in itertools.product(TYPES.items(), shorthand.items()):
        d = draft(host, "breast-resection", f"Lt breast WLE 1 o'clock. {t} 1.9 cm, {said} as expected for type. Margins neg.")
        assert written in region(d, "others").lower(), (said, region(d, "others"))
        assert name in region(d, "histologic_type").lower() and written not in region(d, "histologic_type").lower()


def test_an_additional_margin_specimen_is_the_procedure(host):
    heads = ("Additional {o} margin", "New {o} margin", "Separately submitted {o} margin", "{o} shave margin, additional",
             "Re-excision of {o} margin")
    for head, o, side in itertools.product(heads, ORIENTATIONS, ("left", "L", "Rt")):
        h = head.format(o=o)
        d = draft(host, "breast-resection", f"{h}, {side} breast: benign breast tissue, no residual carcinoma.")
        assert o in region(d, "procedure").lower(), (h, region(d, "procedure"), region(d, "margins"))
        d = draft(host, "breast-resection", f"{h}: residual DCIS, intermediate grade, 2 mm, 0.5 mm from new inked margin.")
        assert "dcis, intermediate grade" in region(d, "others").lower(), (h, region(d, "others"))
        assert "0.5 mm from new inked margin" in region(d, "margins")


def test_a_margin_with_its_own_status_stays_a_margin(host):
    for adj, o, status in itertools.product(("New", "Final", "Additional"), ORIENTATIONS, ("clear", "negative", "2 mm")):
        d = draft(host, "breast-resection", f"Re-excision, L breast. No residual carcinoma. {adj} {o} margin {status}.")
        assert f"{o} margin {status}" in region(d, "margins").lower()
    d = draft(host, "breast-resection", "- Specimen: re-excision of L lumpectomy cavity\n- New margins: superior and medial "
                                        "clear, lateral 0.4mm")
    assert "lateral 0.4 mm" in region(d, "margins")


def test_paget_disease_of_the_nipple_is_a_diagnosis_line(host):
    forms = ("Paget disease of nipple", "Paget's disease of the nipple", "Paget dz of nipple", "Mammary Paget disease")
    withs = ("", " w/ underlying DCIS, high grade, 2.8cm", " with associated DCIS, intermediate grade")
    for form, with_ in itertools.product(forms, withs):
        d = draft(host, "breast-resection", f"L total mastectomy. {form}{with_}. No invasive ca identified. Margins neg.")
        assert any("paget" in line.lower() for line in d.impression), (form, d.impression)
    d = draft(host, "breast-resection", "L NSM. Nipple shave margin: benign ducts, no DCIS or Paget. IDC 1.3 cm G1.")
    assert not any("paget" in line.lower() for line in d.impression)


# -- approximate and shorthand values ------------------------------------------------------------------------------

def test_a_denial_in_a_list_does_not_reach_the_values_after_it(host):
    denials = ("no necrosis", "no comedo necrosis", "without calcifications", "no microinvasion")
    for denial, size, grade in itertools.product(denials, ("~1.5 cm", "approx 2 cm", "12 mm"), ("int", "high", "low")):
        d = draft(host, "breast-resection", f"L breast excision. DCIS, {grade} nuclear grade, cribriform, {denial}, {size}. pTis.")
        text = " ".join(f.text for f in d.findings if not f.is_default)
        value = size.split()[-2] if size[0].isalpha() else size.lstrip("~")
        value = value.replace("approx ", "")
        assert _not_denied(text, value), (denial, size, text)
        assert denial in text.lower()
    for after in ("ENE absent", "ENE not identified", "LVI not seen"):
        d = draft(host, "breast-resection", f"L mastectomy. LN 3/14 pos, largest 4mm, {after}.")
        nodes = " ".join(f.text for f in d.findings if not f.is_default)
        assert "4 mm" in _sentence_with(nodes, "4 mm") and "absent" not in _sentence_with(nodes, "4 mm") \
            and "not" not in _sentence_with(nodes, "4 mm")


def test_a_lumpectomy_written_lump_after_its_side(host):
    for side, rest in itertools.product(("L", "R", "Lt", "Rt", "Left", "right"), (", 5:00 4cm FN.", " + SLNB.", ".")):
        d = draft(host, "breast-resection", f"{side} lump{rest} Pure mucinous ca 3.1cm, G1.")
        assert "lumpectomy" in region(d, "procedure").lower(), (side, rest)
    for side, sep in itertools.product(("L", "R", "Lt", "Rt"), (": ", ", + SLNB. ", " w/ SLNB. ")):
        d = draft(host, "breast-resection", f"Lump {side}{sep}IDC 1.2 cm.")
        assert "lumpectomy" in region(d, "procedure").lower(), (side, sep, region(d, "procedure"))
    d = draft(host, "breast-resection", "Excision of L breast lump: fibroadenoma, no malignancy.")
    assert "lumpectomy" not in " ".join(f.text for f in d.findings).lower()


def test_nodes_counted_with_x(host):
    for noun, n, status in itertools.product(("SLN", "LN", "sentinel node", "node"), (2, 3, 4), ("neg", "negative")):
        d = draft(host, "breast-resection", f"Rt WLE. Tubular ca, 6mm, G1. {noun} x{n} {status}.")
        nodes = region(d, "lymph_nodes").lower()
        assert re.search(rf"\b{n} (?:sentinel )?(?:lymph )?nodes\b", nodes), (noun, nodes)
    d = draft(host, "breast-resection", "R mastectomy, SLNB x3: 1/3 positive.")  # the procedure keeps its count
    assert "1 of 3" in region(d, "lymph_nodes")


def test_a_side_between_commas_or_in_brackets(host):
    for head, side in itertools.product(("Nipple-areola complex, {s}, central excision", "Mastectomy, {s}, after NAC",
                                         "Breast tissue ({s}), excision"), ("L", "R", "Lt", "Rt")):
        word = "left" if side.lower().startswith("l") else "right"
        d = draft(host, "breast-resection", head.format(s=side) + ": Paget disease of nipple. Margins free.")
        assert word in region(d, "laterality").lower(), (head, side, region(d, "laterality"))
        assert not any(re.fullmatch(r"\(?(?:L|R|Lt|Rt)\)?\.?", f.text.strip()) for f in d.findings)


def test_a_plural_acronym_takes_its_expansion_plural(host):
    for acronym, plural in (("IDCs", "invasive ductal carcinomas"), ("ILCs", "invasive lobular carcinomas"),
                            ("SLNs", "sentinel lymph nodes")):
        for count in ("2", "two", "3"):
            d = draft(host, "breast-resection", f"R mastectomy. {count} separate {acronym}: UOQ 2.4 cm G2; LIQ 0.9 cm G1.")
            assert plural in " ".join(f.text for f in d.findings).lower()
    d = draft(host, "breast-resection", "R mastectomy. 2 separate IDCs: UOQ 2.4 cm G2; LIQ 0.9 cm G1.")
    assert "invasive ductal carcinomas" in region(d, "histologic_type").lower()


def test_an_approximate_size_keeps_its_qualifier(host):
    qualifiers = {"~": "~", "approx ": "approximately", "approx. ": "approximately", "approximately ": "approximately",
                  "c. ": "approximately", "<": "<"}
    for (q, written), (t, name), size in itertools.product(qualifiers.items(), TYPES.items(), ("2cm", "1.5 cm", "8 mm")):
        d = draft(host, "breast-resection", f"L WLE. {t} {q}{size}, G2, no DCIS.")
        value = size.replace("cm", " cm").replace("  ", " ")
        assert written in region(d, "size").lower() and value in region(d, "size"), (q, size, region(d, "size"))
        assert region(d, "histologic_type").lower().rstrip(".") == name, (q, region(d, "histologic_type"))


def test_slash_joined_margin_shorthand_is_written_out(host):
    for combo in itertools.permutations(("sup", "inf", "med", "lat", "ant"), 3):
        d = draft(host, "breast-resection", f"L lump. ILC 2.2cm. Margins: post 2mm, {'/'.join(combo)} >10mm.")
        margins = region(d, "margins")
        assert "/".join(ORIENTATIONS_BY_SHORT[c] for c in combo) + " >10 mm" in margins, margins


def test_a_margin_specimen_head_with_a_comma_and_a_shave_list(host):
    for o, status in itertools.product(ORIENTATIONS, ("no residual carcinoma", "benign breast tissue")):
        d = draft(host, "breast-resection", f"Re-excision, {o} margin: {status}.")
        assert o in region(d, "procedure").lower() and status not in region(d, "procedure").lower()
    for n, status in itertools.product((4, 6), ("all neg for carcinoma", "all negative", "all clear")):
        d = draft(host, "breast-resection", f"Cavity shave margins x{n}: {status}. L WLE: IDC 1.1 cm.")
        assert status.split()[-1] in region(d, "margins").lower() or "negative" in region(d, "margins").lower()
        assert "shave margins" in region(d, "margins").lower()


def test_the_site_of_a_prior_operation_is_the_site_for_in_situ_disease_too(host):
    for lesion, place in itertools.product(("Residual DCIS", "Residual IDC", "LCIS", "Recurrent ILC"),
                                           ("at the site of prior excision", "at the site of the previous biopsy",
                                            "adjacent to the biopsy cavity", "near the lumpectomy scar")):
        d = draft(host, "breast-resection", f"R re-excision. {lesion} {place}.")
        assert place.split()[-1] in region(d, "site").lower(), (lesion, place, region(d, "site"))
        assert place not in region(d, "procedure").lower()


def test_a_clause_naming_another_element_after_a_labelled_value_is_its_own_statement(host):
    labels = {"Histologic type": "IDC", "Type": "ILC classic", "Size": "~2.1 cm", "Tumour size": "18 mm"}
    detachable = {"triple neg": ("others", "triple negative"), "TNBC": ("others", "triple-negative"),
                  "ER+": ("others", "er positive"), "HER2 3+": ("others", "her2"), "Ki67 20%": ("others", "ki"),
                  "multifocal": ("extent", "multifocal"), "multicentric (3 foci)": ("extent", "multicentric")}
    for (label, value), (said, (where, written)) in itertools.product(labels.items(), detachable.items()):
        d = draft(host, "breast-resection", f"Procedure: L WLE\n{label}: {value}, {said}\nGrade: 2")
        assert written in region(d, where).lower(), (label, said, region(d, where))
    d = draft(host, "breast-resection", "Receptors: ER+, PR-, HER2 neg\nFocality: unifocal, 1 focus")  # its own label
    assert "er positive, pr negative" in region(d, "others").lower() and "unifocal, 1 focus" in region(d, "extent")


def test_a_structure_label_is_the_extent(host):
    structures = ("Pectoralis muscle", "Skeletal muscle", "Skin/nipple", "Nipple-areola complex", "Dermis",
                  "Deep fascia", "Ulceration", "Dermal lymphatics")
    for structure, status in itertools.product(structures, ("free", "uninvolved", "involved", "not identified")):
        d = draft(host, "breast-resection", f"L MRM. IDC 5.5 cm G3. {structure}: {status}.")
        assert f"{structure}: {status}" in region(d, "extent"), (structure, region(d, "extent"), region(d, "others"))


def test_a_margin_status_written_as_a_sign_or_a_clearance(host):
    for (o, short), comp, n in itertools.product(ORIENTATIONS.items(), ("DCIS", "invasive ca", "ILC"), (2, 4)):
        d = draft(host, "breast-resection", f"L WLE. IDC 2cm. Margins + for {comp} at {short}; invasive clear by {n} mm.")
        margins = region(d, "margins").lower()
        assert "positive for" in margins and o in margins and f"clear by {n} mm" in margins, margins
        assert f"{n} mm" not in region(d, "size")


def test_foci_of_the_carcinoma_are_the_extent_but_foci_of_node_deposits_are_not(host):
    for count, (t, name) in itertools.product(("two", "2", "three", "several"), TYPES.items()):
        d = draft(host, "breast-resection", f"R mastectomy. There are {count} foci of {t}, 2 cm apart.")
        assert f"{count} foci" in region(d, "extent").lower() and "2 cm apart" in region(d, "extent")
        assert "2 cm" not in region(d, "size")
        d = draft(host, "breast-resection", f"R mastectomy. IDC 2 cm. {count} foci of ITCs in SLN.")
        assert "foci" not in region(d, "extent").lower() and "foci" in region(d, "lymph_nodes").lower()
