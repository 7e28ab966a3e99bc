"""Example cases for radiology (``pixtralogist_examples``): one per template.

* ``radiology-cxr-example``: a chest-radiograph-like PNG drawn here with numpy
  (body outline, two dark lung fields, mediastinum and heart, spine, rib arcs).
  It is a picture of nothing: no patient, no finding.
* ``radiology-ct-chest-example``: a copy of pydicom's test file ``CT_small.dcm``
  with chest tags (BodyPartExamined CHEST, a CT chest study description).
* ``radiology-mri-brain-example``: a copy of pydicom's test file ``MR_small.dcm``
  with brain tags (BodyPartExamined BRAIN, an MRI brain study description).

The DICOM copies carry placeholder identity ("SYNTHETIC^EXAMPLE"); the pixel
data are pydicom's small test images, not these anatomies. Every dictation is
invented.
"""

from __future__ import annotations

import io

from pixtralogist.core.models import ExampleCase, ExampleImage

__all__ = ["chest_radiograph_png", "ct_chest_dicom", "mri_brain_dicom", "retag_dicom", "radiology_examples"]

CXR_NOTES = "small L effusion, heart nl, old R rib fx"
CT_CHEST_NOTES = (
    "7 mm solid nodule RUL. mild centrilobular emphysema. no pl eff or ptx. "
    "no mediastinal, hilar or axillary lymphadenopathy. heart nl size, no pericardial eff. "
    "mild coronary artery calcification. L adrenal nodule 2.1 cm. degenerative changes of the thoracic spine."
)
MRI_BRAIN_NOTES = (
    "scattered T2/FLAIR hyperintensities in the periventricular and deep wm, likely chronic small vessel "
    "ischemic change. no restricted diffusion. no ich, mass or mls. ventricles and sulci nl for age. "
    "flow voids preserved. mild mucosal thickening L maxillary sinus."
)


def chest_radiograph_png(size: int = 256) -> bytes:
    """A synthetic frontal chest-radiograph-like grayscale PNG (deterministic)."""
    import numpy as np
    from PIL import Image

    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    img = np.full((size, size), 10.0, dtype=np.float32)
    body = ((xx - 0.5) / 0.46) ** 2 + ((yy - 0.58) / 0.55) ** 2 < 1.0
    img[body] = 150.0
    for cx in (0.33, 0.67):  # lung fields
        lung = ((xx - cx) / 0.15) ** 2 + ((yy - 0.5) / 0.3) ** 2 < 1.0
        img[lung] = 45.0
    for k in range(8):  # rib arcs over the lungs
        arc = np.abs(yy - (0.26 + 0.06 * k) - 0.08 * ((xx - 0.5) / 0.3) ** 2) < 0.006
        img[arc & body] += 40.0
    img[(np.abs(xx - 0.5) < 0.035) & body] = 200.0  # spine
    heart = ((xx - 0.54) / 0.13) ** 2 + ((yy - 0.66) / 0.11) ** 2 < 1.0
    img[heart] = 185.0
    img[(np.abs(xx - 0.5) < 0.06) & (yy > 0.12) & (yy < 0.6)] = 175.0  # mediastinum
    img += np.random.default_rng(0).normal(0, 3, img.shape)
    buf = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), mode="L").save(buf, format="PNG")
    return buf.getvalue()


def retag_dicom(test_file: str, *, body_part: str | None = None, study_description: str | None = None,
                series_description: str | None = None) -> bytes:
    """A copy of one of pydicom's test files with the given tags and placeholder identity.

    ``None`` leaves a tag as it is; identity is always replaced.
    """
    import pydicom
    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file(test_file))
    ds.PatientName = "SYNTHETIC^EXAMPLE"
    ds.PatientID = "EXAMPLE"
    for kw in ("PatientBirthDate", "AccessionNumber", "InstitutionName", "ReferringPhysicianName"):
        if kw in ds:
            setattr(ds, kw, "")
    if body_part is not None:
        ds.BodyPartExamined = body_part
    if study_description is not None:
        ds.StudyDescription = study_description
    if series_description is not None:
        ds.SeriesDescription = series_description
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def ct_chest_dicom() -> bytes:
    """pydicom's ``CT_small.dcm`` tagged as a CT chest."""
    return retag_dicom("CT_small.dcm", body_part="CHEST", study_description="CT CHEST WITHOUT CONTRAST",
                       series_description="AXIAL LUNG 1.25 MM")


def mri_brain_dicom() -> bytes:
    """pydicom's ``MR_small.dcm`` tagged as an MRI brain."""
    return retag_dicom("MR_small.dcm", body_part="BRAIN", study_description="MRI BRAIN WITHOUT CONTRAST",
                       series_description="AX T2 FLAIR")


def radiology_examples() -> list[ExampleCase]:
    """The radiology example cases, one per template (images made on each call)."""
    return [
        ExampleCase(
            id="radiology-cxr-example",
            specialty="radiology",
            title="Chest radiograph: left effusion, old rib fracture (synthetic image)",
            images=[ExampleImage(filename="chest-pa.png", data=chest_radiograph_png())],
            indication="Cough and fever. Chest x-ray PA.",
            notes=CXR_NOTES,
            expected_template="cxr",
        ),
        ExampleCase(
            id="radiology-ct-chest-example",
            specialty="radiology",
            title="CT chest: 7 mm lung nodule, adrenal nodule (pydicom CT test image)",
            images=[ExampleImage(filename="ct-chest.dcm", data=ct_chest_dicom())],
            indication="Chronic cough in a 58-year-old former smoker.",
            notes=CT_CHEST_NOTES,
            expected_template="ct_chest",
        ),
        ExampleCase(
            id="radiology-mri-brain-example",
            specialty="radiology",
            title="MRI brain: white matter hyperintensities (pydicom MR test image)",
            images=[ExampleImage(filename="mri-brain.dcm", data=mri_brain_dicom())],
            indication="Headaches.",
            notes=MRI_BRAIN_NOTES,
            expected_template="mri_brain",
        ),
    ]
