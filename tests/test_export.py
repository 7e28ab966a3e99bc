"""Exports: plain text, JSON, and the FHIR R4 DiagnosticReport structure."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from datetime import datetime

import pytest

from pixtralogist.core.export import (
    AI_PROVENANCE_URL,
    export_bytes,
    export_filename,
    to_fhir,
    to_json,
    to_text,
)
from pixtralogist.core.models import (
    AI_DISCLAIMER,
    Case,
    Draft,
    Finding,
    Flag,
    GuidelineSnippet,
    ImageMeta,
    Provenance,
    StudyImage,
    Template,
)

# Values that would identify a patient if they ever leaked into an export.
PATIENT_NAME = "Doe^Jane"
UPLOAD_NAME = "jane_doe_chest.png"


def _png(w: int = 8, h: int = 6) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (w, h), 128).save(buf, format="PNG")
    return buf.getvalue()


def _prov(**kw) -> Provenance:
    base = dict(
        source="dictation", engine="offline-dictation", plugin="radiology", plugin_version="0.1.0",
        template_id="cxr", template_version="1",
    )
    base.update(kw)
    return Provenance(**base)


def _cxr():
    from pixtralogist.plugins.radiology.templates import get_template

    return get_template("cxr")


def _case(n_images: int = 2) -> Case:
    images = []
    for i in range(1, n_images + 1):
        png = _png()
        fmt = "dicom" if i == 2 else "png"
        images.append(StudyImage(
            meta=ImageMeta(label=f"image-{i}.{'dcm' if fmt == 'dicom' else 'png'}", format=fmt, width=8, height=6,
                           modality="DX" if fmt == "dicom" else None, view="PA" if fmt == "dicom" else None,
                           sha256=hashlib.sha256(png + bytes([i])).hexdigest()),
            png=png,
        ))
    return Case(images=images, indication="cough", notes="small L effusion, heart nl, 7 mm RUL nodule")


def _draft(case: Case, *, signed: bool = False) -> Draft:
    prov = _prov(model="pixtral-12b", adapter="cxr-lora", adapter_version="2024.1", guideline_ids=["fleischner-2017-scope"])
    findings = [
        Finding(region="lung", text="Small left pleural effusion.", abnormal=True, laterality="left", provenance=prov),
        Finding(id="f-nodule", region="lung", text="7 mm nodule in the right upper lobe.", abnormal=True,
                size_mm=7, provenance=prov),
        Finding(region="heart", text="Heart size is normal.", provenance=prov),
    ]
    d = Draft(
        case_id=case.id, specialty="radiology", template_id="cxr", template_version="1",
        regions=["lung", "heart", "mediastinal", "bone", "others"],
        region_labels={"lung": "Lungs and pleura", "heart": "Heart"},
        findings=findings,
        impression=["Small left pleural effusion.", "7 mm right upper lobe nodule; see Fleischner guidance."],
        flags=[Flag(code="fleischner-followup-missing", severity="warning", message="No follow-up stated",
                    region="lung", finding_id="f-nodule", snippet_ids=["fleischner-2017-solid-single-6-8mm"])],
        provenance=prov,
    )
    return d.sign("Dr A. Example") if signed else d


def _citations() -> dict:
    from pixtralogist.agents.types import Citation

    snip = GuidelineSnippet(id="fleischner-2017-measurement", specialty="radiology", text="Measure nodules ...",
                            source="MacMahon H et al. Radiology 2017")
    return {"f-nodule": [Citation(snippet=snip, score=0.81, rule_ids=["fleischner-category"], stance="supports")]}


# --- text and JSON ---------------------------------------------------------


def test_text_is_the_draft_text_with_disclaimer():
    case = _case()
    d = _draft(case)
    text = to_text(d)
    assert text == d.to_text()
    assert text.startswith(AI_DISCLAIMER)
    assert "Small left pleural effusion." in text


def test_json_round_trips_the_draft_and_keeps_citations():
    case = _case()
    d = _draft(case)
    doc = json.loads(to_json(d, citations=_citations()))
    assert Draft.model_validate(doc["draft"]) == d
    assert doc["status"] == "ai-draft-unsigned" and doc["disclaimer"] == AI_DISCLAIMER
    assert doc["citations"]["f-nodule"][0]["snippet"]["id"] == "fleischner-2017-measurement"
    # guideline ids from provenance, flags and citations, de-duplicated
    assert doc["guideline_ids"] == [
        "fleischner-2017-scope", "fleischner-2017-solid-single-6-8mm", "fleischner-2017-measurement"
    ]
    assert doc["report_text"] == d.to_text()


def test_json_of_signed_draft_has_no_disclaimer():
    case = _case()
    doc = json.loads(to_json(_draft(case, signed=True)))
    assert doc["status"] == "signed" and doc["disclaimer"] is None
    assert doc["citations"] == {}


# --- FHIR R4 -------------------------------------------------------------------

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
FHIR_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _check_r4_shape(res: dict) -> None:
    """The R4 DiagnosticReport rules this exporter relies on."""
    assert res["resourceType"] == "DiagnosticReport"
    assert FHIR_ID.match(res["id"])
    assert res["status"] in {"registered", "partial", "preliminary", "final", "amended", "corrected",
                             "appended", "cancelled", "entered-in-error", "unknown"}
    assert res["code"]["coding"] and all({"system", "code"} <= set(c) for c in res["code"]["coding"])
    assert "subject" in res and set(res["subject"]) <= {"reference", "display", "type", "identifier"}
    if any(t["code"] == "deidentified" for t in res["meta"]["tag"]):  # research exports carry no dates
        assert not {"effectiveDateTime", "issued"} & set(res)
        assert "creation" not in res["presentedForm"][0]
    else:
        assert FHIR_INSTANT.match(res["effectiveDateTime"]) and FHIR_INSTANT.match(res["issued"])
    assert res["text"]["status"] == "generated"
    assert res["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    # R4 has no DiagnosticReport.note (R5 does); elements must be R4 ones.
    allowed = {"resourceType", "id", "meta", "text", "contained", "extension", "identifier", "basedOn", "status",
               "category", "code", "subject", "encounter", "effectiveDateTime", "issued", "performer",
               "resultsInterpreter", "specimen", "result", "imagingStudy", "media", "conclusion",
               "conclusionCode", "presentedForm"}
    assert set(res) <= allowed, set(res) - allowed
    for form in res["presentedForm"]:
        assert form["contentType"].startswith("text/plain")  # att-1: data needs contentType
        assert isinstance(form["size"], int)
    # dom-3: every contained resource is referenced from the container
    refs = {m["link"]["reference"] for m in res.get("media", [])} | {s["reference"] for s in res.get("imagingStudy", [])}
    for c in res.get("contained", []):
        assert f"#{c['id']}" in refs
        if c["resourceType"] == "Media":
            assert c["status"] == "completed" and "content" in c
        else:
            assert c["resourceType"] == "ImagingStudy" and c["status"] == "available" and c["subject"]
            assert all(s["modality"]["code"] and s["uid"] for s in c["series"])
    # a complex extension has sub-extensions and no value of its own
    for ext in res["extension"]:
        assert "url" in ext and not any(k.startswith("value") for k in ext)
        for sub in ext["extension"]:
            assert sum(k.startswith("value") for k in sub) == 1


def test_fhir_unsigned_is_preliminary_without_interpreter():
    case = _case()
    d = _draft(case)
    res = to_fhir(d, case, citations=_citations())
    _check_r4_shape(res)
    assert res["status"] == "preliminary"
    assert "resultsInterpreter" not in res and "performer" not in res
    assert "NOT SIGNED" in res["text"]["div"]
    assert res["conclusion"].startswith("1. Small left pleural effusion.")
    json.dumps(res)  # JSON-ready


def test_fhir_signed_is_final_with_interpreter():
    case = _case()
    d = _draft(case, signed=True)
    res = to_fhir(d, case)
    _check_r4_shape(res)
    assert res["status"] == "final"
    assert res["resultsInterpreter"] == [{"display": "Dr A. Example"}]
    assert res["performer"] == [{"display": "Dr A. Example"}]
    assert datetime.fromisoformat(res["issued"]) == d.signed_at.replace(microsecond=0)


def test_fhir_presented_form_decodes_to_the_report_text():
    case = _case()
    d = _draft(case, signed=True)
    form = to_fhir(d, case, template=_cxr())["presentedForm"][0]
    data = base64.b64decode(form["data"])
    assert data.decode("utf-8") == to_text(d)
    assert form["size"] == len(data)
    assert base64.b64decode(form["hash"]) == hashlib.sha1(data).digest()
    assert form["title"] == "Chest radiograph report"


@pytest.mark.parametrize(("n", "code"), [(1, "36554-4"), (2, "36643-5"), (3, "18748-4")])
def test_fhir_code_follows_the_number_of_views(n, code):
    case = _case(n)
    res = to_fhir(_draft(case), case, template=_cxr())  # the codes come from the template's data
    assert res["code"]["coding"][0]["code"] == code
    assert res["code"]["coding"][0]["system"] == "http://loinc.org"


def test_fhir_generic_code_for_other_templates_and_no_case():
    case = _case()
    d = _draft(case).model_copy(update={"template_id": "skin-lesion", "specialty": "dermatology"})
    res = to_fhir(d)
    _check_r4_shape(res)
    assert res["code"] == {"coding": [{"system": "http://loinc.org", "code": "18748-4",
                                       "display": "Diagnostic imaging study"}], "text": "Imaging study report"}
    assert "media" not in res and "contained" not in res
    assert res["category"] == [{"text": "dermatology"}]


def test_fhir_images_are_contained_media_with_sha256():
    case = _case(2)
    res = to_fhir(_draft(case), case)
    assert [m["link"]["reference"] for m in res["media"]] == ["#image-1", "#image-2"]
    for img, media, contained in zip(case.images, res["media"], res["contained"]):
        assert media["comment"].startswith(img.meta.label) and img.meta.sha256 in media["comment"]
        assert contained["identifier"][0]["value"] == img.meta.sha256
        assert contained["content"]["title"] == img.meta.label
    assert res["contained"][1]["content"]["contentType"] == "application/dicom"
    assert res["contained"][1]["modality"]["coding"][0] == {"system": "http://dicom.nema.org/resources/ontology/DCM",
                                                           "code": "DX"}


def test_fhir_provenance_extension():
    case = _case()
    res = to_fhir(_draft(case), case, citations=_citations())
    ext = next(e for e in res["extension"] if e["url"] == AI_PROVENANCE_URL)
    subs: dict[str, list] = {}
    for s in ext["extension"]:
        subs.setdefault(s["url"], []).append(next(v for k, v in s.items() if k.startswith("value")))
    assert subs["model"] == ["pixtral-12b"]
    assert subs["adapter"] == ["cxr-lora"] and subs["adapterVersion"] == ["2024.1"]
    assert subs["template"] == ["cxr"] and subs["plugin"] == ["radiology"]
    assert subs["aiGenerated"] == [True] and subs["clinicianSigned"] == [False]
    assert "fleischner-2017-measurement" in subs["guideline"]
    assert "fleischner-2017-solid-single-6-8mm" in subs["guideline"]
    assert subs["disclaimer"] == [AI_DISCLAIMER]


def test_fhir_carries_no_patient_data():
    case = _case()
    res = to_fhir(_draft(case, signed=True), case)
    blob = json.dumps(res)
    assert res["subject"]["reference"] == "Patient/placeholder"
    assert "birthDate" not in blob and PATIENT_NAME not in blob and UPLOAD_NAME not in blob
    assert not any(c.get("resourceType") == "Patient" for c in res.get("contained", []))


def test_export_bytes_and_names():
    case = _case()
    d = _draft(case)
    assert export_bytes("text", d).decode() == d.to_text() + "\n"
    assert json.loads(export_bytes("json", d))["draft"]["id"] == d.id
    assert json.loads(export_bytes("fhir", d, case))["resourceType"] == "DiagnosticReport"
    assert export_filename(d, "fhir") == f"{case.id}-fhir-diagnosticreport.json"
    with pytest.raises(ValueError, match="unknown export format"):
        export_bytes("pdf", d)


def test_real_dicom_identity_only_in_the_identified_fhir_export(tmp_path):
    """CT_small (patient "CompressedSamples^CT1", id "1CT1", JFK IMAGING): text and JSON never carry
    them; the identified FHIR export names the patient and the study; the research one does not."""
    pydicom_data = pytest.importorskip("pydicom.data")
    import shutil

    import pydicom

    from pixtralogist.core.imaging import build_case

    src = tmp_path / "CompressedSamples_CT1.dcm"  # a file name that identifies the patient
    shutil.copy(pydicom_data.get_testdata_file("CT_small.dcm"), src)
    ds = pydicom.dcmread(src)
    case = build_case([src], indication="staging")
    d = _draft(case, signed=True).model_copy(update={"case_id": case.id})
    idents = ("CompressedSamples", "CT1", "1CT1", "JFK IMAGING", ds.StudyInstanceUID, ds.SOPInstanceUID,
              hashlib.sha256(src.read_bytes()).hexdigest(), "Dr A. Example")
    for fmt in ("text", "json", "fhir"):
        blob = export_bytes(fmt, d, case, deidentify=True).decode("utf-8")
        for ident in idents:
            assert ident not in blob, (fmt, ident)
        assert d.signed_at.date().isoformat() not in blob and case.created_at.date().isoformat() not in blob
    for fmt in ("text", "json"):
        blob = export_bytes(fmt, d, case).decode("utf-8")
        for ident in idents[:-1]:
            assert ident not in blob, (fmt, ident)
    res = to_fhir(d, case)  # identified: the identity ingestion attached to the case
    _check_r4_shape(res)
    assert res["subject"]["identifier"]["value"] == "1CT1"
    assert res["subject"]["identifier"]["type"]["coding"][0]["code"] == "MR"
    assert res["subject"]["display"] == "CT1 CompressedSamples"
    study = res["contained"][0]
    assert res["imagingStudy"] == [{"reference": "#study"}] and study["resourceType"] == "ImagingStudy"
    assert study["identifier"][0] == {"system": "urn:dicom:uid", "value": f"urn:oid:{ds.StudyInstanceUID}"}
    assert study["subject"] == res["subject"] and study["started"] == "2004-01-19"
    assert study["series"][0]["uid"] == ds.SeriesInstanceUID
    assert study["series"][0]["instance"][0]["uid"] == ds.SOPInstanceUID
    media = res["contained"][1]
    assert media["modality"]["coding"][0]["code"] == "CT" and res["media"][0]["comment"].startswith("image-1.dcm")
    assert {"system": "urn:dicom:uid", "value": f"urn:oid:{ds.SOPInstanceUID}"} in media["identifier"]
    research = to_fhir(d, case, deidentify=True)
    _check_r4_shape(research)
    assert research["subject"]["reference"] == "Patient/placeholder" and "imagingStudy" not in research
    assert all(c["resourceType"] == "Media" for c in research["contained"])
    assert research["resultsInterpreter"] == [{"display": "Reviewer"}]
    # read back from storage (no identity attached), the placeholder stays
    from pixtralogist.core.models import Case as CaseModel

    stored = CaseModel.model_validate_json(case.model_dump_json())
    assert to_fhir(d, stored)["subject"]["reference"] == "Patient/placeholder"


def test_fhir_code_comes_from_the_template_when_it_has_one():
    from pixtralogist.core.models import ReportCode

    tpl = Template.model_validate({
        "id": "synoptic", "specialty": "pathology", "title": "Breast resection (synoptic)",
        "regions": [{"name": "site", "label": "Site", "normal": "Not reported."}],
        "impression": {"normal": "See synoptic report."},
        "code": {"system": "http://loinc.org", "code": "11526-1", "display": "Pathology study"},
    })
    d = Draft(case_id="case-x", specialty="pathology", template_id="synoptic", template_version="1",
              regions=["site"], provenance=Provenance(source="template-default", engine="offline-dictation",
                                                      plugin="pathology", plugin_version="1",
                                                      template_id="synoptic", template_version="1"))
    res = to_fhir(d, template=tpl)
    assert res["code"] == {"coding": [{"system": "http://loinc.org", "code": "11526-1", "display": "Pathology study"}],
                           "text": "Breast resection (synoptic)"}
    assert isinstance(tpl.code, ReportCode)
    # without the template (or with another one) the generic imaging code stays
    assert to_fhir(d)["code"]["coding"][0]["code"] == "18748-4"
