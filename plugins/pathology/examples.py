"""Synthetic example cases for pathology (``pixtralogist_examples``).

The images are made here, deterministically, with numpy: an H&E-like field
(pink eosin background, purple haematoxylin "nuclei", white lumina) written
either as a PNG photomicrograph or as a small multi-frame slide-microscopy
DICOM (modality ``SM``, RGB, VL Whole Slide Microscopy Image Storage). They
are pictures of nothing: no patient, no tissue, no finding. The dictation of
each case is invented.
"""

from __future__ import annotations

import io

from pixtralogist.core.models import ExampleCase, ExampleImage

__all__ = ["he_field", "he_png", "sm_dicom", "example_cases"]

#: The SOP class of a whole-slide microscopy image (DICOM PS3.4).
VL_WSI_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.77.1.6"

_EOSIN = (232, 168, 205)
_HAEMATOXYLIN = (84, 52, 140)
_LUMEN = (246, 240, 246)


def he_field(size: int = 128, *, seed: int = 0, nuclei: int = 90):
    """An ``size x size x 3`` uint8 array that looks like an H&E field (no real tissue)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    img = np.empty((size, size, 3), dtype=np.float32)
    img[:] = _EOSIN
    img += rng.normal(0, 6, img.shape)  # stromal texture
    yy, xx = np.mgrid[0:size, 0:size]
    for _ in range(max(1, nuclei // 15)):  # a few empty lumina
        cy, cx, r = rng.integers(0, size), rng.integers(0, size), rng.integers(size // 16, size // 8)
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = _LUMEN
    for _ in range(nuclei):
        cy, cx = rng.integers(0, size), rng.integers(0, size)
        ry, rx = rng.uniform(1.5, 4.0), rng.uniform(1.5, 4.0)
        mask = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 < 1.0
        img[mask] = np.array(_HAEMATOXYLIN) + rng.normal(0, 8, 3)
    return np.clip(img, 0, 255).astype(np.uint8)


def he_png(size: int = 128, *, seed: int = 0, fmt: str = "PNG") -> bytes:
    """A synthetic H&E-like photomicrograph, PNG (or JPEG) bytes."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(he_field(size, seed=seed)).save(buf, format=fmt)
    return buf.getvalue()


def sm_dicom(size: int = 96, *, frames: int = 2, seed: int = 0, body_part: str = "BREAST") -> bytes:
    """A small multi-frame RGB slide-microscopy DICOM (modality SM) of synthetic H&E-like tiles.

    Identifying attributes are fixed placeholders ("SYNTHETIC^EXAMPLE"), never a person.
    """
    import numpy as np
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID, generate_uid

    tiles = np.stack([he_field(size, seed=seed + i) for i in range(frames)])
    uid = lambda part: generate_uid(entropy_srcs=["pixtralogist-pathology-example", str(seed), part])  # noqa: E731
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = VL_WSI_SOP_CLASS
    meta.MediaStorageSOPInstanceUID = uid("sop")
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = VL_WSI_SOP_CLASS
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = uid("study")
    ds.SeriesInstanceUID = uid("series")
    ds.Modality = "SM"
    ds.BodyPartExamined = body_part
    ds.StudyDescription = "H&E breast slide"
    ds.SeriesDescription = "H&E"
    ds.PatientName = "SYNTHETIC^EXAMPLE"
    ds.PatientID = "EXAMPLE"
    ds.ImageType = ["DERIVED", "PRIMARY", "VOLUME", "NONE"]
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "RGB"
    ds.PlanarConfiguration = 0
    ds.Rows = size
    ds.Columns = size
    ds.NumberOfFrames = frames
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = tiles.tobytes()
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def example_cases(specialty: str = "pathology") -> list[ExampleCase]:
    """Two invented breast-resection cases: one consistent, one built to trigger the rule checks."""
    return [
        ExampleCase(
            id="pathology-breast-lumpectomy",
            specialty=specialty,
            title="Left breast lumpectomy, synoptic (consistent dictation)",
            images=[ExampleImage(filename="slide-1.dcm", data=sm_dicom(seed=1))],
            indication="Left breast lumpectomy for invasive carcinoma diagnosed on core biopsy.",
            notes=(
                "Procedure: L breast lumpectomy with sentinel LN biopsy\n"
                "Site: L breast UOQ, 2 o'clock\n"
                "Laterality: left\n"
                "IDC NST\n"
                "Nottingham grade 2 (tubules 3, pleomorphism 2, mitoses 2; total 7)\n"
                "Tumor size 2.1 cm\n"
                "No skin or chest wall involvement\n"
                "Margins neg for invasive ca, closest 4 mm posterior\n"
                "LN 1/3 pos, macromet, no ENE\n"
                "LVI not identified\n"
                "pT2 pN1a\n"
                "DCIS present, intermediate grade"
            ),
            expected_template="breast-resection",
        ),
        ExampleCase(
            id="pathology-breast-mastectomy-discrepant",
            specialty=specialty,
            title="Right mastectomy with discrepant elements (triggers the checks)",
            images=[ExampleImage(filename="field-1.png", data=he_png(seed=7))],
            indication="Mastectomy specimen, H&E slides.",
            notes=(
                "Procedure: R total mastectomy with axillary dissection\n"
                "Laterality: left\n"
                "ILC\n"
                "Grade 2, tubules 3 pleomorphism 3 mitoses 2\n"
                "Tumor size 3.4 cm\n"
                "LN 5/3 positive\n"
                "LVI present\n"
                "pT2 pN2a"
            ),
            expected_template="breast-resection",
        ),
    ]
