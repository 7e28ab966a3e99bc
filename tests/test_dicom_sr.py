"""DICOM SR export (core/dicom_sr.py) of a real DICOM study drafted by the offline drafter.

A copy of pydicom's CT_small with a planted patient name and id goes through
ingestion (``build_case``) and the offline drafting pipeline; the SR is written
to bytes and read back with pydicom, and with highdicom's own SR reader.
"""

from __future__ import annotations

import hashlib
import io

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import ComprehensiveSRStorage
from pydicom.valuerep import DT

from pixtralogist.core import dicom_sr
from pixtralogist.core.dicom_sr import PRIVATE_SCHEME, person_name, region_concept
from pixtralogist.core.errors import ExportError
from pixtralogist.core.export import EXPORT_FORMATS, export_bytes, export_filename
from pixtralogist.core.imaging import build_case
from pixtralogist.core.models import Case, ImageMeta, StudyImage
from pixtralogist.core.pipeline import draft_case
from pixtralogist.core.plugins import get_plugin_manager

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

PLANTED_NAME = "Quibblewick^Ottoline"
PLANTED_ID = "QPID-550173"
NOTES = "7 mm RUL nodule, RLL consolidation, small L effusion, heart nl"


def planted_ct(path):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.PatientName = PLANTED_NAME
    ds.PatientID = PLANTED_ID
    ds.BodyPartExamined = "CHEST"
    ds.save_as(path)
    return path


def png_file(path):
    from PIL import Image

    Image.linear_gradient("L").resize((64, 64)).save(path)
    return path


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """(source dataset, case, draft, template) for the planted CT, drafted offline."""
    d = tmp_path_factory.mktemp("sr")
    path = planted_ct(d / "Quibblewick_Ottoline.dcm")
    case = build_case([path], indication="Cough.", notes=NOTES)
    host = get_plugin_manager(autoload=False)
    draft, decision = draft_case(case, host, specialty="radiology")
    return pydicom.dcmread(path), case, draft, host.template(draft.template_id)


def to_dicom_sr(*args, **kwargs):
    # Through the module, so the conftest's dciodvfy check sees every SR this file makes.
    return dicom_sr.to_dicom_sr(*args, **kwargs)


def to_dicom_sr_bytes(*args, **kwargs):
    return dicom_sr.to_dicom_sr_bytes(*args, **kwargs)


def read(blob: bytes) -> pydicom.Dataset:
    return pydicom.dcmread(io.BytesIO(blob))


def code_of(item) -> tuple[str, str]:
    c = item.ConceptNameCodeSequence[0]
    value = c.get("CodeValue") or c.get("LongCodeValue")
    return str(c.CodingSchemeDesignator), str(value)


def child(item, scheme: str, value: str):
    hits = [i for i in item.ContentSequence if code_of(i) == (scheme, value)]
    assert len(hits) == 1, (scheme, value, [code_of(i) for i in item.ContentSequence])
    return hits[0]


def texts(item, scheme: str, value: str) -> list[str]:
    return [str(i.TextValue) for i in item.get("ContentSequence", []) if i.ValueType == "TEXT"
            and code_of(i) == (scheme, value)]


# --- ingestion: UIDs go to the identity record, never to the case -----------------------------


def test_ingestion_splits_uids_into_the_identity_record_and_none_into_the_case(study, tmp_path):
    src, case, _, _ = study
    img = case.images[0]
    assert img.meta.format == "dicom"
    ident = img.identity
    assert (ident.study_instance_uid, ident.series_instance_uid, ident.sop_instance_uid, ident.sop_class_uid) == (
        src.StudyInstanceUID, src.SeriesInstanceUID, src.SOPInstanceUID, src.SOPClassUID)
    assert ident.frame_of_reference_uid == src.FrameOfReferenceUID
    assert (ident.patient_name, ident.patient_id) == (PLANTED_NAME, PLANTED_ID)
    assert ident.label == img.meta.label
    dumped = case.model_dump_json()
    for needle in ("Quibblewick", "Ottoline", PLANTED_ID, src.StudyInstanceUID, src.SOPInstanceUID,
                   src.SeriesInstanceUID, src.FrameOfReferenceUID, ident.source_sha256):
        assert needle not in dumped, needle
    assert "identity" not in repr(img) and PLANTED_ID not in repr(case)
    # the case's sha256 is the display PNG's, not the upload's
    assert img.meta.sha256 == hashlib.sha256(img.png).hexdigest() != ident.source_sha256
    # read back (as from a checkpoint), the case carries no identity at all
    assert Case.model_validate_json(dumped).images[0].identity is None
    png = build_case([png_file(tmp_path / "x.png")]).images[0]
    assert png.identity.study_instance_uid is None and not png.identity.referenceable
    assert png.identity.source_sha256 == hashlib.sha256((tmp_path / "x.png").read_bytes()).hexdigest()


def test_a_uid_built_from_the_patient_id_stays_in_the_identity_record(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.PatientID = "88123456"
    ds.StudyInstanceUID = "1.2.826.0.1.88123456.7"  # some systems embed the MRN in UIDs
    ds.SeriesInstanceUID = "1.2.3.x"  # malformed
    ds.save_as(tmp_path / "a.dcm")
    img = build_case([tmp_path / "a.dcm"]).images[0]
    assert img.identity.study_instance_uid == "1.2.826.0.1.88123456.7"  # what a PACS files the SR by
    assert img.identity.series_instance_uid is None
    assert "88123456" not in img.meta.model_dump_json()


def test_older_checkpoints_with_uid_fields_still_load():
    legacy = {"label": "image-1.dcm", "format": "dicom", "width": 8, "height": 8, "modality": "CT",
              "sha256": "0" * 64, "study_instance_uid": "1.2.3", "series_instance_uid": "1.2.3.4",
              "sop_instance_uid": "1.2.3.4.5", "sop_class_uid": "1.2.840.10008.5.1.4.1.1.2",
              "frame_of_reference_uid": "1.2.3.9"}
    meta = ImageMeta.model_validate(legacy)
    assert meta.modality == "CT" and "1.2.3" not in meta.model_dump_json()
    case = Case.model_validate({"images": [{"meta": legacy, "png": ""}], "notes": "x"})
    assert case.images[0].meta.label == "image-1.dcm"
    with pytest.raises(ValueError):  # other unknown fields are still refused
        ImageMeta.model_validate({**legacy, "patient_name": "Doe^Jane"})


# --- the SR document ------------------------------------------------------------------


def test_unsigned_draft_round_trips_as_a_partial_unverified_comprehensive_sr(study):
    src, case, draft, template = study
    blob = export_bytes("dicom-sr", draft, case, template=template)
    sr = read(blob)
    assert sr.SOPClassUID == ComprehensiveSRStorage == sr.file_meta.MediaStorageSOPClassUID
    assert sr.Modality == "SR"
    # filed with the source study, in its own series, as a new instance
    assert sr.StudyInstanceUID == src.StudyInstanceUID
    assert sr.SeriesInstanceUID != src.SeriesInstanceUID and sr.SOPInstanceUID != src.SOPInstanceUID
    # evidence: the source instance, by its UIDs
    (ev,) = sr.CurrentRequestedProcedureEvidenceSequence
    assert ev.StudyInstanceUID == src.StudyInstanceUID
    (series,) = ev.ReferencedSeriesSequence
    assert series.SeriesInstanceUID == src.SeriesInstanceUID
    (ref,) = series.ReferencedSOPSequence
    assert (ref.ReferencedSOPInstanceUID, ref.ReferencedSOPClassUID) == (src.SOPInstanceUID, src.SOPClassUID)
    assert "PertinentOtherEvidenceSequence" not in sr
    # AI draft status
    assert (sr.CompletionFlag, sr.VerificationFlag, sr.PreliminaryFlag) == ("PARTIAL", "UNVERIFIED", "PRELIMINARY")
    assert "VerifyingObserverSequence" not in sr
    # identified export: the source's patient and study, so a PACS files it with them
    assert (str(sr.PatientName), sr.PatientID) == (PLANTED_NAME, PLANTED_ID)
    for kw in ("PatientBirthDate", "PatientSex", "StudyDate", "StudyTime", "StudyID", "AccessionNumber"):
        assert str(sr.get(kw) or "") == str(src.get(kw) or ""), kw
    assert str(sr.ReferringPhysicianName) == str(src.ReferringPhysicianName)
    assert "PatientIdentityRemoved" not in sr

    # the content tree: a Diagnostic Imaging Report with findings per region and the impression
    assert code_of(sr) == ("LN", "18748-4") and sr.ValueType == "CONTAINER"
    findings = child(sr, "DCM", "121070")
    tpl = template
    expected = [(region_concept(draft, r, tpl).scheme_designator, region_concept(draft, r, tpl).value)
                for r in draft.regions]
    assert [code_of(c) for c in findings.ContentSequence] == expected
    assert draft.template_id == "ct_chest" and ("SCT", "3120008") in expected  # the pleura, by SNOMED CT
    for region in draft.regions:
        box = child(findings, *expected[draft.regions.index(region)])
        if tpl.region(region).snomed is None:
            assert box.ConceptNameCodeSequence[0].CodeMeaning == draft.region_labels[region]
        assert " ".join(texts(box, "DCM", "121071")) == draft.region_text(region)
    assert texts(child(sr, "DCM", "121060"), "DCM", "121060") == ["Cough."]  # History: the indication
    assert any("effusion" in draft.region_text(r).lower() for r in draft.regions)
    assert max(len(fs) for fs in draft.by_region().values()) >= 2  # one TEXT item per finding, in order
    impressions = child(sr, "DCM", "121072")
    assert texts(impressions, "DCM", "121073") == draft.impression and draft.impression
    # the image library references the source image
    (image,) = child(sr, "DCM", "111028").ContentSequence
    assert image.ValueType == "IMAGE"
    assert image.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == src.SOPInstanceUID

    # AI provenance: the device observer and the algorithm identification
    root = {code_of(i)[1]: i for i in sr.ContentSequence if i.RelationshipType == "HAS OBS CONTEXT"}
    assert root["121005"].ConceptCodeSequence[0].CodeMeaning == "Device"
    assert "Pixtralogist" in str(root["121013"].TextValue)
    assert str(root["121015"].TextValue) == (draft.provenance.model or draft.provenance.engine)
    assert "121008" not in root  # no person observer before signing
    prov = child(sr, PRIVATE_SCHEME, "ai-provenance")
    status = " ".join(texts(prov, "DCM", "121106"))
    assert "NOT SIGNED" in status and draft.disclaimer in status
    params = texts(prov, "DCM", "111002")
    p = draft.provenance
    assert f"template={draft.template_id} v{draft.template_version}" in params
    assert f"plugin={p.plugin} {p.plugin_version}" in params
    assert f"engine={p.engine}" in params and f"draft_id={draft.id}" in params
    assert texts(prov, "DCM", "111001") == [p.model or f"pixtralogist {p.engine}"]

    # highdicom reads it back as a Comprehensive SR
    from highdicom.sr import ComprehensiveSR

    doc = ComprehensiveSR.from_dataset(sr)
    assert [e[2] for e in doc.get_evidence()] == [src.SOPInstanceUID]


def test_signed_report_is_complete_verified_and_names_the_clinician(study):
    src, case, draft, template = study
    signed = draft.sign("Example, Anna")
    sr = read(to_dicom_sr_bytes(signed, case, template=template, organization="General Hospital Radiology"))
    assert (sr.CompletionFlag, sr.VerificationFlag, sr.PreliminaryFlag) == ("COMPLETE", "VERIFIED", "FINAL")
    (obs,) = sr.VerifyingObserverSequence
    assert str(obs.VerifyingObserverName) == "Example^Anna"
    assert obs.VerifyingOrganization == "General Hospital Radiology"
    assert DT(obs.VerificationDateTime) == signed.signed_at
    root = {code_of(i)[1]: i for i in sr.ContentSequence if i.RelationshipType == "HAS OBS CONTEXT"}
    assert str(root["121008"].PersonName) == "Example^Anna"
    status = " ".join(texts(child(sr, PRIVATE_SCHEME, "ai-provenance"), "DCM", "121106"))
    assert "Example, Anna" in status and "NOT SIGNED" not in status
    assert sr.StudyInstanceUID == src.StudyInstanceUID
    # the same case's SRs share one series; each export is a new instance
    again = to_dicom_sr(signed, case, template=template)
    assert again.SeriesInstanceUID == sr.SeriesInstanceUID and again.SOPInstanceUID != sr.SOPInstanceUID
    assert again.VerifyingObserverSequence[0].VerifyingOrganization == "Not recorded"


def test_person_name_encoding():
    assert person_name("Example, Anna") == "Example^Anna"
    assert person_name("Dr A. Example") == "Dr A. Example^"
    assert person_name("Example^Anna") == "Example^Anna"
    assert person_name("A\\B=C") == "A/B-C^"
    assert len(person_name("x" * 100)) == 64


def test_guideline_ids_from_citations_are_listed(study):
    _, case, draft, template = study
    cites = {"f-1": [{"snippet": {"id": "fleischner-2017-solid-small"}, "score": 0.9}]}
    sr = to_dicom_sr(draft, case, template=template, citations=cites)
    ids = texts(child(sr, PRIVATE_SCHEME, "ai-provenance"), PRIVATE_SCHEME, "guideline")
    assert "fleischner-2017-solid-small" in ids
    assert set(draft.provenance.guideline_ids) <= set(ids)


def test_mixed_case_references_only_its_dicom_images(study, tmp_path):
    src, _, _, _ = study
    path = planted_ct(tmp_path / "ct.dcm")
    case = build_case([png_file(tmp_path / "frontal.png"), path], notes=NOTES)
    draft, _ = draft_case(case, get_plugin_manager(autoload=False), specialty="radiology")
    sr = to_dicom_sr(draft, case)
    assert sr.StudyInstanceUID == src.StudyInstanceUID
    (image,) = child(sr, "DCM", "111028").ContentSequence
    assert image.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == src.SOPInstanceUID


# --- refusals ----------------------------------------------------------------------------


def test_png_only_case_gets_a_readable_error(tmp_path):
    case = build_case([png_file(tmp_path / "frontal.png")], notes=NOTES)
    draft, _ = draft_case(case, get_plugin_manager(autoload=False), specialty="radiology")
    with pytest.raises(ExportError, match="only PNG/JPEG images") as err:
        export_bytes("dicom-sr", draft, case)
    assert "FHIR" in str(err.value)  # says what to do instead
    with pytest.raises(ExportError, match="not available"):
        export_bytes("dicom-sr", draft, None)


def test_dicom_without_uids_and_a_foreign_draft_are_refused(study):
    _, case, draft, _ = study
    png = case.images[0].png
    old = StudyImage(meta=ImageMeta(label="image-1.dcm", format="dicom", width=8, height=8, modality="CT",
                                    sha256=hashlib.sha256(b"x").hexdigest()), png=png)
    legacy = Case(images=[old])
    with pytest.raises(ExportError, match="no usable study/series/instance UIDs"):
        to_dicom_sr(draft.model_copy(update={"case_id": legacy.id}), legacy)
    with pytest.raises(ExportError, match="belongs to case"):
        to_dicom_sr(draft, case.model_copy(update={"id": "case-other"}))


def test_export_format_is_registered(study):
    _, _, draft, _ = study
    assert "dicom-sr" in EXPORT_FORMATS
    assert export_filename(draft, "dicom-sr") == f"{draft.case_id}-dicom-sr.dcm"


def test_uids_are_validated_on_the_identity_record():
    from pixtralogist.core.identity import ImageIdentity

    with pytest.raises(ValueError):
        ImageIdentity(label="i", source_sha256="0", study_instance_uid="1.2.Doe")
    with pytest.raises(ValueError):
        ImageIdentity(label="i", source_sha256="0", sop_instance_uid="1." + "2" * 70)


def test_region_codes_are_in_pydicoms_code_dictionary():
    from pydicom.sr.codedict import codes

    from pixtralogist.plugins.radiology.templates import get_template

    named = {(t, r.name): r.snomed for t in ("cxr", "ct_chest", "mri_brain") for r in get_template(t).regions if r.snomed}
    assert named == {("cxr", "heart"): "Heart", ("cxr", "bone"): "Bone", ("ct_chest", "pleura"): "Pleura",
                     ("ct_chest", "upper_abdomen"): "UpperAbdomen"}
    for name in named.values():
        code = getattr(codes.SCT, name)
        assert code.scheme_designator == "SCT" and code.value.isdigit()
    assert (codes.SCT.Heart.value, codes.SCT.Pleura.value) == ("80891009", "3120008")


# --- research (de-identified) exports ----------------------------------------------------------


def test_deidentified_sr_has_a_pseudonym_new_uids_and_no_dates(study):
    src, case, draft, template = study
    key = b"k" * 32
    signed = draft.sign("Example, Anna")
    blob = export_bytes("dicom-sr", signed, case, template=template, deidentify=True, research_key=key)
    sr = read(blob)
    assert sr.PatientIdentityRemoved == "YES" and sr.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    assert str(sr.PatientName) == f"{sr.PatientID}^" and sr.PatientID.startswith("ANON-")
    for kw in ("PatientBirthDate", "PatientSex", "AccessionNumber", "StudyID", "ReferringPhysicianName"):
        assert not str(sr.get(kw) or ""), kw
    assert (sr.StudyDate, sr.StudyTime) == ("19000101", "000000")
    # new UIDs, the same for every export of the case, other ones for another key
    assert sr.StudyInstanceUID != src.StudyInstanceUID
    ref = sr.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence[0].ReferencedSOPSequence[0]
    assert ref.ReferencedSOPInstanceUID != src.SOPInstanceUID
    assert ref.ReferencedSOPClassUID == src.SOPClassUID
    again = read(export_bytes("dicom-sr", signed, case, template=template, deidentify=True, research_key=key))
    assert (again.StudyInstanceUID, again.SeriesInstanceUID, again.PatientID) == (
        sr.StudyInstanceUID, sr.SeriesInstanceUID, sr.PatientID)
    other = to_dicom_sr(signed, case, template=template, deidentify=True, research_key=b"x" * 32)
    assert other.StudyInstanceUID != sr.StudyInstanceUID and other.PatientID != sr.PatientID
    # no date or time but the dummy one; no signer's name
    dates = {str(e.value) for e in sr.iterall() if e.VR in ("DA", "TM", "DT") and e.value}
    assert dates <= {"19000101", "000000", "19000101000000"}, dates
    assert str(sr.VerifyingObserverSequence[0].VerifyingObserverName) == "Reviewer^"
    for needle in (PLANTED_NAME, "Quibblewick", "Ottoline", PLANTED_ID, src.StudyInstanceUID, src.SOPInstanceUID,
                   src.SeriesInstanceUID, str(src.StudyDate), "Example", "Anna",
                   signed.signed_at.date().isoformat(), signed.signed_at.strftime("%Y%m%d")):
        assert needle.encode() not in blob, needle
    with pytest.raises(ExportError, match="research key"):
        to_dicom_sr(signed, case, template=template, deidentify=True)


def test_dciodvfy_flags_an_identified_sr_without_identity(study):
    """The checker itself: an SR whose patient module is empty fails as an identified export."""
    from dciodvfy import DicomValidationError, check_sr

    _, case, draft, template = study
    sr = dicom_sr.to_dicom_sr(draft, case, template=template, deidentify=True, research_key=b"k" * 32)
    sr.StudyID = "S1"
    check_sr(sr, identified=True)  # every identity attribute filled: passes
    sr.PatientID = ""
    check_sr(sr, identified=False)
    with pytest.raises(DicomValidationError, match="PatientID"):
        check_sr(sr, identified=True)
    sr.CompletionFlag = "MAYBE"
    with pytest.raises(DicomValidationError, match="Error"):
        check_sr(sr, identified=False)
