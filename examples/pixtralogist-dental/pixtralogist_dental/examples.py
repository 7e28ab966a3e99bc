"""Example cases with synthetic images (drawn here with numpy; never patient data).

- ``dental-bitewing``: a DICOM intra-oral radiograph (Modality ``IO``, body part
  ``JAW``) drawn as two rows of tooth shapes with one filling, routed by modality;
- ``dental-panoramic``: a PNG panoramic-style picture, routed by the words of
  its indication and dictation alone.

Images are deterministic (same bytes on every call) and a few kilobytes each.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np

from pixtralogist.core.models import ExampleCase, ExampleImage

# Fixed UIDs (under the 2.25 "UUID-derived" root) keep the DICOM bytes identical on every call.
_STUDY_UID = "2.25.111111111111111111111111111111111"
_SERIES_UID = "2.25.222222222222222222222222222222222"
_SOP_UID = "2.25.333333333333333333333333333333333"
_IO_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.1.3"  # Digital Intra-Oral X-Ray Image Storage - For Presentation


def _teeth(height: int, width: int, n: int, *, rows: tuple[str, ...] = ("upper", "lower")) -> np.ndarray:
    """An 8-bit picture: dark background, bright tooth crowns and roots, one very bright filling."""
    yy, xx = np.mgrid[0:height, 0:width]
    img = np.full((height, width), 30, dtype=np.float64)
    step = width / n
    for row in rows:
        for i in range(n):
            cx = step * (i + 0.5)
            cy = height * (0.3 if row == "upper" else 0.7)
            crown = ((xx - cx) / (step * 0.42)) ** 2 + ((yy - cy) / (height * 0.14)) ** 2 <= 1
            root_y = cy - height * 0.18 if row == "upper" else cy + height * 0.18
            root = (np.abs(xx - cx) <= step * 0.12) & (np.abs(yy - root_y) <= height * 0.12)
            img[crown | root] = 190
    filling = (np.abs(xx - step * 1.5) <= step * 0.2) & (np.abs(yy - height * 0.7) <= height * 0.05)
    img[filling] = 255
    img += 8 * np.sin(xx / 5.0) * np.cos(yy / 7.0)  # a little texture
    return np.clip(img, 0, 255).astype(np.uint8)


def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _io_dicom(pixels: np.ndarray) -> bytes:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = _IO_SOP_CLASS
    meta.MediaStorageSOPInstanceUID = _SOP_UID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = "2.25.444444444444444444444444444444444"
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = _IO_SOP_CLASS, _SOP_UID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = _STUDY_UID, _SERIES_UID
    ds.Modality, ds.BodyPartExamined = "IO", "JAW"
    ds.StudyDescription = "Bitewing radiographs (synthetic example)"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = pixels.tobytes()
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


@lru_cache(maxsize=1)
def example_cases() -> tuple[ExampleCase, ...]:
    """The plugin's example cases (built once)."""
    return (
        ExampleCase(
            id="dental-bitewing",
            specialty="dental",
            title="Dental: bitewing with distal caries (synthetic DICOM IO)",
            images=[ExampleImage(filename="bitewing.dcm", data=_io_dicom(_teeth(120, 160, 4)))],
            indication="Routine review, left bitewing radiographs.",
            comparison="None.",
            notes="Small distal caries #36, #46 MOD amalgam intact, perio bone levels nl, no PA lucency",
            expected_template="dental",
        ),
        ExampleCase(
            id="dental-panoramic",
            specialty="dental",
            title="Dental: panoramic radiograph, impacted wisdom tooth (synthetic PNG)",
            images=[ExampleImage(filename="panoramic.png", data=_png(_teeth(128, 320, 8)))],
            indication="Panoramic radiograph: lower left wisdom tooth review.",
            notes="38 impacted (mesioangular). Possible periapical lucency at 46 apex. Maxillary sinuses clear",
            expected_template="dental",
        ),
    )
