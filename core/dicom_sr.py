"""Export a report as a DICOM Comprehensive SR, filed with the source DICOM study.

Only for cases with at least one DICOM image: the SR takes the source's
StudyInstanceUID, so a PACS files it with the study it reports on, and lists
the source instances as its evidence (Current Requested Procedure Evidence
Sequence, by the UIDs kept at ingestion in the identity store,
:class:`~pixtralogist.core.identity.CaseIdentity`). A case without DICOM
images raises :class:`~pixtralogist.core.errors.ExportError`; export it as
text, JSON or FHIR instead.

Two modes:

- **identified** (default, for the originating system): the Patient module
  (name, id, issuer, birth date, sex) and the General Study module (study
  date, time, id, accession number, referring physician) are the source's,
  from the identity store, so a PACS files the report with its patient and
  study.
- **de-identified** (``deidentify=True``, research): the patient's name and
  id are a pseudonym (:func:`~pixtralogist.core.identity.research_pseudonym`),
  birth date, sex, accession number, study id and referring physician are
  empty, every date and time is the dummy value 19000101/000000 (DICOM PS3.15
  Basic Profile "D"), the signing clinician is "Reviewer", the study, series
  and instance UIDs are new, the same for every export of the case
  (:func:`~pixtralogist.core.identity.research_uid`), and Patient Identity
  Removed is YES with the profile named (DCM 113100).

The content tree follows the shape of DICOM TID 2000 "Basic Diagnostic
Imaging Report" (root LOINC 18748-4)::

    CONTAINER Diagnostic Imaging Report (LN 18748-4)
      HAS CONCEPT MOD  Language = English
      HAS CONCEPT MOD  Procedure reported (LOINC code of the template, when known)
      HAS OBS CONTEXT  Observer: Device (Pixtralogist, the drafting model)
      HAS OBS CONTEXT  Observer: Person (the signing clinician; signed reports only)
      CONTAINS CONTAINER History (DCM 121060)       the case's indication, when given
        CONTAINS TEXT History (DCM 121060)
      CONTAINS CONTAINER Current Procedure Descriptions (DCM 121064)   when the DICOM has a study description
        CONTAINS TEXT Procedure Description (DCM 121065)
      CONTAINS CONTAINER Findings (DCM 121070)
        CONTAINS CONTAINER <region label> (SCT code of the anatomy when the template gives one,
                                           RegionSpec.snomed; else 99PIXTRALOGIST <region key>)
          CONTAINS TEXT Finding (DCM 121071) ...   one per finding, in order
      CONTAINS CONTAINER Impressions (DCM 121072)
        CONTAINS TEXT Impression (DCM 121073) ...  one per item
      CONTAINS CONTAINER AI drafting provenance (99PIXTRALOGIST)
        CONTAINS TEXT Comment (DCM 121106)         AI-generated/unsigned or signed statement
        HAS CONCEPT MOD  Algorithm Name/Version/Manufacturer/Parameters (TID 4019)
        CONTAINS TEXT    Guideline reference ...   one per guideline snippet id
      CONTAINS CONTAINER Image Library (DCM 111028)
        CONTAINS IMAGE Source image (DCM 121324) ... one per source DICOM instance

Sign-off maps to the SR Document General module: an unsigned AI draft is
``CompletionFlag PARTIAL``, ``VerificationFlag UNVERIFIED``, ``PreliminaryFlag
PRELIMINARY``; a signed report is ``COMPLETE``, ``VERIFIED`` (the Verifying
Observer is the signing clinician, at the signing time) and ``FINAL``.

>>> from pixtralogist.core.dicom_sr import to_dicom_sr, to_dicom_sr_bytes   # doctest: +SKIP
>>> ds = to_dicom_sr(turn.draft, case, citations=turn.citations)
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from pixtralogist import __version__
from pixtralogist.core.errors import ExportError
from pixtralogist.core.identity import (
    RESEARCH_SIGNER,
    CaseIdentity,
    ImageIdentity,
    case_identity,
    research_pseudonym,
    research_uid,
)
from pixtralogist.core.models import AI_DISCLAIMER, SIGNED_NOTE, Case, Draft, Template

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

__all__ = ["PRIVATE_SCHEME", "SR_SERIES_NUMBER", "dicom_evidence", "region_concept", "to_dicom_sr",
           "to_dicom_sr_bytes"]

#: Coding scheme of the project's own (local) codes: region keys and provenance items.
#: DICOM reserves designators starting with "99" for local schemes (PS3.16 8.2).
PRIVATE_SCHEME = "99PIXTRALOGIST"
#: Series number of the SR series (one SR series per case; its UID derives from the case id).
SR_SERIES_NUMBER = 9901
#: VerifyingOrganization is Type 1 once verified; the app does not record one.
UNKNOWN_ORGANIZATION = "Not recorded"
MANUFACTURER = "Pixtralogist"
#: De-identified exports: the dummy date and time (PS3.15 Basic Profile action D).
DUMMY_DATE, DUMMY_TIME = "19000101", "000000"
#: De-identification Method (LO, 1-n: each value at most 64 characters).
DEIDENTIFICATION_METHOD = [
    "Pixtralogist research export",
    "PS3.15 Basic Application Confidentiality Profile",
    "Patient name and id replaced by a pseudonym",
    "New study, series and instance UIDs per case",
    "Dates and times replaced by 19000101 000000",
    "Clinician names replaced by Reviewer",
]

_LOINC_SYSTEM = "http://loinc.org"
_IDENTIFYING_TYPE2 = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber", "StudyID", "StudyDate",
    "StudyTime", "ReferringPhysicianName",
)


# --- evidence and identity --------------------------------------------------------


def dicom_evidence(case: Case | None, identity: CaseIdentity | None = None) -> list[ImageIdentity]:
    """The identity records of the case's DICOM images that an SR can reference (all four UIDs
    known), in upload order. ``identity`` defaults to what ingestion attached to ``case`` in memory.

    Raises :class:`ExportError` with a readable message when there is none.
    """
    if case is None:
        raise ExportError(
            "A DICOM SR export needs the case's DICOM images, and this case's images are not available. "
            "Export as text, JSON or FHIR instead."
        )
    dicoms = [img.meta for img in case.images if img.meta.format == "dicom"]
    if not dicoms:
        raise ExportError(
            "DICOM SR export needs a DICOM study: this case has only PNG/JPEG images, so there is no DICOM "
            "study to file the report with. Export as text, JSON or FHIR instead."
        )
    ident = identity if identity is not None else case_identity(case)
    usable = []
    for meta in dicoms:
        record = ident.for_label(meta.label) if ident is not None else None
        if record is not None and record.referenceable:
            usable.append(record)
    if not usable:
        raise ExportError(
            "The DICOM images of this case carry no usable study/series/instance UIDs (the files lack them, "
            "or the case was created before the identity store kept them), so a DICOM SR could not reference "
            "them. Upload the DICOM files again in a new case, or export as text, JSON or FHIR."
        )
    return usable


def _da(value: str | None) -> str | None:
    return value if value and re.fullmatch(r"\d{8}", value) else None


def _tm(value: str | None) -> str | None:
    return value if value and re.fullmatch(r"\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?", value) else None


def _pn(value: str | None) -> str | None:
    """A source person name as a PN value; a single component gets its trailing ``^`` (same name in DICOM),
    so that highdicom does not warn with the name in its message."""
    if not value:
        return None
    return value if "^" in value or "=" in value else f"{value}^"


def _patient_study(record: ImageIdentity) -> dict[str, Any]:
    """The Patient and General Study attributes of an identified export, from the source's identity
    (values that would not be valid DICOM are left empty)."""
    sex = (record.patient_sex or "").upper()
    return {
        "PatientName": _pn(record.patient_name),
        "PatientID": record.patient_id,
        "IssuerOfPatientID": record.issuer_of_patient_id,
        "PatientBirthDate": _da(record.patient_birth_date),
        "PatientSex": sex if sex in ("M", "F", "O") else None,
        "StudyDate": _da(record.study_date),
        "StudyTime": _tm(record.study_time),
        "StudyID": _lo(record.study_id, 16) if record.study_id else None,
        "AccessionNumber": _lo(record.accession_number, 16) if record.accession_number else None,
        "ReferringPhysicianName": _pn(record.referring_physician_name),
    }


def _research_patient(key: bytes, case_id: str) -> dict[str, Any]:
    """Patient and study attributes of a de-identified export: a pseudonym and nothing else."""
    pseudonym = research_pseudonym(key, case_id)
    out: dict[str, Any] = {kw: None for kw in _IDENTIFYING_TYPE2}
    out.update(PatientName=f"{pseudonym}^", PatientID=pseudonym, PatientIdentityRemoved="YES",
               DeidentificationMethod=DEIDENTIFICATION_METHOD, StudyDate=DUMMY_DATE, StudyTime=DUMMY_TIME)
    return out


def _research_records(records: list[ImageIdentity], key: bytes, case_id: str) -> list[ImageIdentity]:
    """``records`` with new study/series/instance UIDs (SOP classes are kept: they name the kind of object)."""
    fields = ("study_instance_uid", "series_instance_uid", "sop_instance_uid", "frame_of_reference_uid")
    return [r.model_copy(update={f: research_uid(key, case_id, getattr(r, f)) for f in fields if getattr(r, f)})
            for r in records]


def _evidence_dataset(record: ImageIdentity, patient: dict[str, Any]) -> "Dataset":
    """The data set highdicom needs per evidence instance: UIDs, and the patient and study it copies."""
    from pydicom.dataset import Dataset

    ds = Dataset()
    ds.StudyInstanceUID = record.study_instance_uid
    ds.SeriesInstanceUID = record.series_instance_uid
    ds.SOPInstanceUID = record.sop_instance_uid
    ds.SOPClassUID = record.sop_class_uid
    for keyword in _IDENTIFYING_TYPE2:  # Type 2: present, empty when unknown
        setattr(ds, keyword, patient.get(keyword))
    for keyword in ("IssuerOfPatientID", "PatientIdentityRemoved", "DeidentificationMethod"):  # Type 3/1C
        if patient.get(keyword):
            setattr(ds, keyword, patient[keyword])
    return ds


def _dummy_dates(ds: "Dataset") -> None:
    """Every date, time and date-time of ``ds`` (nested ones too) set to the dummy value (PS3.15 action D)."""
    dummy = {"DA": DUMMY_DATE, "TM": DUMMY_TIME, "DT": DUMMY_DATE + DUMMY_TIME}
    for elem in ds.iterall():
        if elem.VR in dummy and elem.value not in (None, ""):
            elem.value = dummy[elem.VR]


_quiet_lock = threading.Lock()
_quiet_depth = 0
_quiet_saved = logging.NOTSET


@contextlib.contextmanager
def _quiet_highdicom() -> Iterator[None]:
    """highdicom logs the evidence's SOP Instance UIDs at INFO/DEBUG while it copies the patient and
    study: keep its loggers at WARNING while an SR is built, so no identifier reaches the app's logs."""
    global _quiet_depth, _quiet_saved
    logger = logging.getLogger("highdicom")
    with _quiet_lock:
        if _quiet_depth == 0:
            _quiet_saved = logger.level
            logger.setLevel(max(logging.WARNING, logger.level))
        _quiet_depth += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                logger.setLevel(_quiet_saved)


# --- content -----------------------------------------------------------------------


def region_concept(draft: Draft, region: str, template: Template | None = None):
    """The concept name of a region's container: the SNOMED CT code the template gives the region
    (:attr:`RegionSpec.snomed`: a region that is exactly one anatomic structure), else a local code
    carrying the template's label."""
    from pydicom.sr.codedict import codes

    from highdicom.sr import CodedConcept

    name = None
    if template is not None and template.id == draft.template_id and region in template.region_names:
        name = template.region(region).snomed
    if name is not None:
        code = getattr(codes.SCT, name)
        return CodedConcept(value=code.value, scheme_designator=code.scheme_designator, meaning=code.meaning)
    label = draft.region_labels.get(region) or region.replace("_", " ").capitalize()
    return _local(region, label)


def _local(code: str, meaning: str):
    from highdicom.sr import CodedConcept

    return CodedConcept(value=code, scheme_designator=PRIVATE_SCHEME, meaning=_lo(meaning))


def _lo(text: str, limit: int = 64) -> str:
    """A value fit for a LO/SH-like attribute: one line, no backslash, at most ``limit`` characters."""
    text = re.sub(r"\s+", " ", str(text)).replace("\\", "/").strip()
    return text[:limit] or "-"


def person_name(display: str) -> str:
    """A clinician's name as typed ("Dr A. Example", "Example, Anna") as a DICOM PN value.

    "Family, Given" becomes ``Family^Given``; a value with ``^`` is kept; any
    other text is kept whole as the family-name component (``Dr A. Example^``)
    rather than guessing which word is the family name.
    """
    name = re.sub(r"\s+", " ", display).replace("\\", "/").replace("=", "-").strip()
    if "^" not in name:
        family, sep, given = name.partition(",")
        name = f"{family.strip()}^{given.strip()}" if sep else f"{name}^"
    return name[:64]


def _container(name, items: Sequence[Any], relationship: str | None = "CONTAINS", **kw: Any):
    from highdicom.sr import ContainerContentItem, ContentSequence

    item = ContainerContentItem(name=name, relationship_type=relationship, **kw)
    if items:
        item.ContentSequence = ContentSequence(list(items))
    return item


def _text(name, value: str, relationship: str = "CONTAINS"):
    from highdicom.sr import TextContentItem

    return TextContentItem(name=name, value=value, relationship_type=relationship)


def _procedure_code(draft: Draft, case: Case, template: Template | None):
    """The template's LOINC procedure code (as the FHIR export chooses it), or None when only generic."""
    from highdicom.sr import CodedConcept

    from pixtralogist.core.export import GENERIC_CODE, _code

    coding = _code(draft, case, template)["coding"][0]
    if coding.get("system") != _LOINC_SYSTEM or coding.get("code") == GENERIC_CODE["code"]:
        return None
    return CodedConcept(value=coding["code"], scheme_designator="LN", meaning=_lo(coding["display"]))


def _device_observer(draft: Draft):
    from highdicom.sr import DeviceObserverIdentifyingAttributes, ObserverContext
    from pydicom.sr.codedict import codes
    from pydicom.uid import generate_uid

    p = draft.provenance
    model = p.model or p.engine
    uid = generate_uid(entropy_srcs=["pixtralogist-device-observer", __version__, p.engine, model])
    return ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=DeviceObserverIdentifyingAttributes(
            uid=uid, name=_lo(f"Pixtralogist {__version__} ({p.engine})"), manufacturer_name=MANUFACTURER,
            model_name=_lo(model),
        ),
    )


def _signer(draft: Draft, deidentify: bool) -> str:
    return RESEARCH_SIGNER if deidentify else (draft.signed_by or "")


def _person_observer(draft: Draft, deidentify: bool):
    from highdicom.sr import ObserverContext, PersonObserverIdentifyingAttributes
    from pydicom.sr.codedict import codes

    return ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=PersonObserverIdentifyingAttributes(
            name=person_name(_signer(draft, deidentify))),
    )


def _provenance(draft: Draft, guideline_ids: list[str], deidentify: bool) -> Any:
    from highdicom.sr import AlgorithmIdentification
    from pydicom.sr.codedict import codes

    p = draft.provenance
    if draft.is_signed and draft.signed_at:
        when = "" if deidentify else f" at {draft.signed_at.isoformat()}"
        status = f"{SIGNED_NOTE} Signed by {_signer(draft, deidentify)}{when}."
    else:
        status = f"AI-generated draft - NOT SIGNED. {draft.disclaimer or AI_DISCLAIMER}"
    params = [f"engine={p.engine}", f"source={p.source}"]
    params += [f"adapter={p.adapter}"] if p.adapter else []
    params += [f"adapter_version={p.adapter_version}"] if p.adapter_version else []
    params += [
        f"plugin={p.plugin} {p.plugin_version}",
        f"specialty={draft.specialty}",
        f"template={draft.template_id} v{draft.template_version}",
        f"draft_id={draft.id}",
        *([] if deidentify else [f"drafted_at={p.created_at.isoformat()}"]),
        f"generator=pixtralogist {__version__}",
    ]
    algorithm = AlgorithmIdentification(
        name=_lo(p.model or f"pixtralogist {p.engine}"),
        version=_lo(p.adapter_version or p.plugin_version or __version__),
        parameters=params,
        manufacturer=MANUFACTURER,
    )
    items = [_text(codes.DCM.Comment, status), *algorithm]
    items += [_text(_local("guideline", "Guideline reference"), gid) for gid in guideline_ids]
    return _container(_local("ai-provenance", "AI drafting provenance"), items)


def _content(draft: Draft, case: Case, evidence: list[ImageIdentity], template: Template | None,
             guideline_ids: list[str], deidentify: bool):
    from highdicom.sr import CodeContentItem, CodedConcept, ImageContentItem, LanguageOfContentItemAndDescendants
    from pydicom.sr.codedict import codes

    root_items: list[Any] = [
        *LanguageOfContentItemAndDescendants(
            language=CodedConcept(value="en", scheme_designator="RFC5646", meaning="English")),
    ]
    procedure = _procedure_code(draft, case, template)
    if procedure is not None:
        root_items.append(CodeContentItem(name=codes.DCM.ProcedureReported, value=procedure,
                                          relationship_type="HAS CONCEPT MOD"))
    root_items += [*_device_observer(draft)]
    if draft.is_signed:
        root_items += [*_person_observer(draft, deidentify)]

    if case.indication:
        root_items.append(_container(codes.DCM.History, [_text(codes.DCM.History, case.indication)]))
    described = next((img.meta.study_description for img in case.images if img.meta.study_description), None)
    if described:
        root_items.append(_container(codes.DCM.CurrentProcedureDescriptions,
                                     [_text(codes.DCM.ProcedureDescription, described)]))
    regions = []
    for region, findings in draft.by_region().items():
        regions.append(_container(region_concept(draft, region, template),
                                  [_text(codes.DCM.Finding, f.text) for f in findings]))
    root_items.append(_container(codes.DCM.Findings, regions))
    root_items.append(_container(codes.DCM.Impressions, [_text(codes.DCM.Impression, i) for i in draft.impression]))
    root_items.append(_provenance(draft, guideline_ids, deidentify))
    root_items.append(_container(codes.DCM.ImageLibrary, [
        ImageContentItem(name=codes.DCM.SourceImage, referenced_sop_class_uid=m.sop_class_uid,
                         referenced_sop_instance_uid=m.sop_instance_uid, relationship_type="CONTAINS")
        for m in evidence
    ]))
    return _container(codes.LN.DiagnosticImagingReport, root_items, relationship=None, template_id="2000")


# --- the document ------------------------------------------------------------------


def to_dicom_sr(draft: Draft, case: Case | None, *, template: Template | None = None, citations: Any = None,
                organization: str | None = None, identity: CaseIdentity | None = None, deidentify: bool = False,
                research_key: bytes | None = None) -> "Dataset":
    """The report as a DICOM Comprehensive SR instance (a ``pydicom.Dataset``, highdicom ``ComprehensiveSR``).

    - Study: the StudyInstanceUID of the case's first DICOM image, so a PACS
      files the SR with the study it reports on; a new SR series whose UID
      derives from the case id (repeated exports share it), a new SOP
      instance per export.
    - Evidence: every DICOM image of the case with known UIDs (Current
      Requested Procedure Evidence Sequence for the same study, Pertinent
      Other Evidence for images of another study) and an IMAGE item each.
    - Patient and General Study modules: the source's (``identity``, from the
      identity store; default: what ingestion attached to ``case`` in
      memory). With ``deidentify=True`` a research export instead (see the
      module docstring): pseudonym, no dates, new UIDs keyed with
      ``research_key`` (required then).
    - Findings: one container per template region with one TEXT item per
      finding; the impression as TEXT items.
    - Status: unsigned -> PARTIAL / UNVERIFIED / PRELIMINARY with the AI
      disclaimer; signed -> COMPLETE / VERIFIED / FINAL, the Verifying Observer
      being the signing clinician at the signing time (``organization`` is the
      Verifying Organization; "Not recorded" when not given).
    - AI provenance: a device observer (Pixtralogist and the model) and an
      algorithm identification (model, adapter version, plugin and template
      versions) plus the guideline snippet ids relied on (from the draft,
      its flags and ``citations``).

    ``template`` (optional) supplies the report's LOINC procedure code.
    Raises :class:`~pixtralogist.core.errors.ExportError` when the case has no
    DICOM image that can be referenced, or the draft is of another case.
    """
    from highdicom.coding_schemes import CodingSchemeIdentificationItem
    from highdicom.sr import ComprehensiveSR
    from pydicom.uid import generate_uid
    from pydicom.valuerep import DT

    from pixtralogist.core.export import _citation_dicts, _guideline_ids, _title

    evidence = dicom_evidence(case, identity)
    if draft.case_id != case.id:
        raise ExportError(
            f"The draft belongs to case {draft.case_id}, not to case {case.id}; export it with its own case.")
    if deidentify:
        if not research_key:
            raise ExportError("A de-identified export needs the installation's research key "
                              "(ReportingService.research_key()); none was given.")
        patient = _research_patient(research_key, case.id)
        evidence = _research_records(evidence, research_key, case.id)
        series_uid = research_uid(research_key, case.id, "pixtralogist-sr-series")
    else:
        patient = _patient_study(evidence[0])
        series_uid = generate_uid(entropy_srcs=["pixtralogist-sr-series", case.id])
    # The SR joins the first image's study; highdicom takes the study from evidence[0].
    study = evidence[0].study_instance_uid
    ordered = [m for m in evidence if m.study_instance_uid == study] + [
        m for m in evidence if m.study_instance_uid != study]
    guideline_ids = _guideline_ids(draft, _citation_dicts(citations))
    content = _content(draft, case, ordered, template, guideline_ids, deidentify)
    signed = draft.is_signed
    signer = _signer(draft, deidentify)
    with _quiet_highdicom():
        sr = ComprehensiveSR(
            evidence=[_evidence_dataset(m, patient) for m in ordered],
            content=content,
            series_instance_uid=series_uid,
            series_number=SR_SERIES_NUMBER,
            sop_instance_uid=generate_uid(),
            instance_number=1,
            manufacturer=MANUFACTURER,
            is_complete=signed,
            is_final=signed,
            is_verified=signed,
            verifying_observer_name=person_name(signer) if signed and signer else None,
            verifying_organization=_lo(organization or UNKNOWN_ORGANIZATION) if signed else None,
            series_description=_lo(f"{_title(draft, template)} report (AI-assisted)"),
            manufacturer_model_name=MANUFACTURER,
            software_versions=_lo(__version__, 64),
            specific_character_set="ISO_IR 192",
            coding_schemes=[CodingSchemeIdentificationItem(designator=PRIVATE_SCHEME, name="Pixtralogist local codes")],
        )
    if signed and draft.signed_at is not None:
        sr.VerifyingObserverSequence[0].VerificationDateTime = DT(draft.signed_at)
    if deidentify:
        _research_codes(sr)
        _dummy_dates(sr)
    return sr


def _research_codes(sr: "Dataset") -> None:
    """De-identification Method Code Sequence: the Basic Application Confidentiality Profile (DCM 113100)."""
    from pydicom.dataset import Dataset

    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator = "113100", "DCM"
    item.CodeMeaning = "Basic Application Confidentiality Profile"
    sr.DeidentificationMethodCodeSequence = [item]
    sr.PatientIdentityRemoved = "YES"
    sr.DeidentificationMethod = DEIDENTIFICATION_METHOD


def to_dicom_sr_bytes(draft: Draft, case: Case | None, *, template: Template | None = None,
                      citations: Any = None, organization: str | None = None, identity: CaseIdentity | None = None,
                      deidentify: bool = False, research_key: bytes | None = None) -> bytes:
    """:func:`to_dicom_sr` written as a DICOM Part 10 file (what ``export_bytes('dicom-sr', ...)`` returns)."""
    from pydicom import dcmwrite

    sr = to_dicom_sr(draft, case, template=template, citations=citations, organization=organization,
                     identity=identity, deidentify=deidentify, research_key=research_key)
    buf = io.BytesIO()
    dcmwrite(buf, sr, enforce_file_format=True)
    return buf.getvalue()
