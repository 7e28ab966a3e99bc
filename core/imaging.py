"""Image ingestion: PNG, JPEG and DICOM in, neutral metadata and a display PNG out.

Every upload goes through one path:

1. read the bytes, checking the size limit first (``stat`` for paths);
2. detect the format from the bytes themselves (magic numbers), never from the
   file name or extension;
3. check the pixel count from the header, before any pixel is decoded;
4. decode to a display-ready 8-bit grayscale or RGB image (DICOM: modality
   LUT, window or VOI LUT, MONOCHROME1 inversion, middle frame of a
   multi-frame object; PNG/JPEG: EXIF orientation, 16-bit scaling, alpha
   dropped onto black);
5. split what drafting needs (:class:`~pixtralogist.core.models.ImageMeta`:
   modality, body part, view, descriptions scrubbed of identifiers, window,
   size) from identity (:class:`~pixtralogist.core.identity.ImageIdentity`:
   the patient and study modules, the study/series/instance UIDs and the
   SHA-256 of the uploaded bytes). Identity rides on the
   :class:`~pixtralogist.core.models.StudyImage` in memory only (never
   serialised) until the service files it in the identity store; the case
   never holds it, nor the uploaded file name.

The display PNG is re-encoded from pixels, so ancillary metadata of the upload
(PNG text chunks, EXIF, DICOM headers) does not travel with it; an 8-bit grey
or RGB PNG shown as stored keeps its own compressed pixel data and only the
chunks that say how to read it (header, transparency, colour profile), which
gives the same pixels without re-compressing them. Text burned into the pixels
themselves cannot be removed here.

Every failure raises a subclass of :class:`~pixtralogist.core.errors.IngestError`
whose message names the image by its position ("Image 2"), says what is wrong
and what to do, and contains no patient data.

Nothing here changes global library state: Pillow's ``MAX_IMAGE_PIXELS`` and
``LOAD_TRUNCATED_IMAGES`` are left alone; the pixel limit and the truncation
checks are done locally, from the file structure, before Pillow decodes.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Union

import numpy as np
from PIL import Image, ImageOps

from pixtralogist.core.errors import (
    CaseError,
    CorruptImageError,
    ImageTooLargeError,
    IngestError,
    TooManyImagesError,
    UnsupportedFormatError,
)
from pixtralogist.core.identity import image_identity, raster_identity
from pixtralogist.core.models import (
    MAX_IMAGES_PER_CASE,
    Case,
    ImageFormat,
    ImageMeta,
    StudyImage,
)
from pixtralogist.core.text import clean_text

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

__all__ = [
    "CT_WINDOW_PRESETS",
    "DEFAULT_LIMITS",
    "ImageLimits",
    "ImageSource",
    "build_case",
    "detect_format",
    "load_image",
    "load_study",
    "window_dicom",
]

#: What an image can be given as: a path, the file's bytes, or a binary file object.
ImageSource = Union[str, os.PathLike, bytes, bytearray, memoryview, BinaryIO]

_MIB = 1024 * 1024

#: CT windows as (center, width) in Hounsfield units.
CT_WINDOW_PRESETS: dict[str, tuple[float, float]] = {
    "soft-tissue": (40.0, 400.0),
    "lung": (-600.0, 1500.0),
    "mediastinum": (50.0, 350.0),
    "bone": (400.0, 1800.0),
    "brain": (40.0, 80.0),
}
_CT_HEAD_PARTS = {"HEAD", "BRAIN", "SKULL"}

#: PNG encoding of the display image. zlib's run-length strategy is ~1.5x faster
#: than the default and, on radiographs and CT, as small or smaller (RGB photos: ~10% larger).
_PNG_SAVE_OPTIONS = {"compress_level": 6, "compress_type": zlib.Z_RLE}

_EXT = {"png": "png", "jpeg": "jpg", "dicom": "dcm"}
#: Key under which _decode_dicom hands the parsed data set to _ingest (for the identity split).
_SOURCE_KEY = "_source_dataset"
#: Key under which _decode_raster tells _ingest the display image is the file's pixels, unchanged.
_AS_STORED_KEY = "_pixels_as_stored"
#: The PNG chunks a display PNG keeps: the pixels and how to read them (transparency, colour
#: profile), as Pillow writes them; text, EXIF, time and private chunks are left out.
_PNG_KEPT_CHUNKS = frozenset({b"IHDR", b"PLTE", b"tRNS", b"iCCP", b"IDAT", b"IEND"})
_FORMAT_NAMES = {"png": "PNG", "jpeg": "JPEG", "dicom": "DICOM"}


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """Limits applied to every image before it is decoded.

    ``max_bytes`` applies to the uploaded file, ``max_pixels`` to
    width x height (x frames for DICOM), ``max_side`` to either side, and
    ``max_images`` to a study (at most the per-case maximum of the model).
    """

    max_bytes: int = 64 * _MIB
    max_pixels: int = 50_000_000
    max_images: int = MAX_IMAGES_PER_CASE
    max_side: int = 20_000

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_pixels", "max_side", "max_images"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ImageLimits.{name} must be a positive integer, got {value!r}")
        if self.max_images > MAX_IMAGES_PER_CASE:
            raise ValueError(
                f"ImageLimits.max_images must be at most {MAX_IMAGES_PER_CASE} "
                f"(the most a case can hold), got {self.max_images}"
            )


DEFAULT_LIMITS = ImageLimits()


# --- public API --------------------------------------------------------------


def load_image(source: ImageSource, *, index: int = 1, limits: ImageLimits | None = None) -> StudyImage:
    """Ingest one PNG, JPEG or DICOM image.

    ``source`` is a path (``str`` or :class:`os.PathLike`), the file's bytes,
    or a binary file object. ``index`` is the image's 1-based position in its
    study: it names the image in the label (``image-<index>.<ext>``) and in
    error messages. Raises an :class:`~pixtralogist.core.errors.IngestError`
    subclass when the image cannot be used.
    """
    return _ingest(source, index=_check_index(index), limits=limits or DEFAULT_LIMITS)


def load_study(sources: Sequence[ImageSource], limits: ImageLimits | None = None) -> list[StudyImage]:
    """Ingest the 1 to ``limits.max_images`` images of one study, labelled image-1, image-2, ...

    The number of images is checked before any file is read.
    """
    limits = limits or DEFAULT_LIMITS
    if sources is None:
        sources = []
    elif isinstance(sources, (str, bytes, bytearray, memoryview, os.PathLike)) or hasattr(sources, "read"):
        sources = [sources]  # one image given on its own
    items = list(sources)
    if not items:
        raise TooManyImagesError(
            "No image was given. Add 1 to "
            f"{limits.max_images} PNG, JPEG or DICOM images to the case and try again."
        )
    if len(items) > limits.max_images:
        extra = len(items) - limits.max_images
        raise TooManyImagesError(
            f"{len(items)} images were given, but a case takes at most {limits.max_images}. "
            f"Remove {extra} image{'s' if extra > 1 else ''} (keep the most relevant views) and try again."
        )
    return [_ingest(src, index=i, limits=limits) for i, src in enumerate(items, start=1)]


def window_dicom(
    source: ImageSource,
    center: float,
    width: float,
    *,
    index: int = 1,
    limits: ImageLimits | None = None,
) -> StudyImage:
    """Re-render a grayscale DICOM image with the window ``center``/``width``.

    Values are in the units of the modality LUT output (Hounsfield units for
    CT). The file's VOI LUT function (LINEAR, LINEAR_EXACT, SIGMOID) is kept;
    LINEAR when it has none. Uses the same code path and limits as
    :func:`load_image`; the result's ``meta`` records the window used.
    """
    try:
        center = float(center)
        width = float(width)
    except (TypeError, ValueError):
        raise ValueError(f"window center and width must be numbers, got {center!r} and {width!r}") from None
    if not (math.isfinite(center) and math.isfinite(width)) or width < 1:
        raise ValueError(f"window width must be a finite number >= 1 and center finite, got {center} / {width}")
    return _ingest(source, index=_check_index(index), limits=limits or DEFAULT_LIMITS, window=(center, width))


def build_case(
    sources: Sequence[ImageSource],
    *,
    limits: ImageLimits | None = None,
    **case_fields: Any,
) -> Case:
    """Ingest ``sources`` with :func:`load_study` and build a :class:`Case` from them.

    ``case_fields`` are the other fields of :class:`Case` (``indication``,
    ``notes``, ``modality``, ...). Modality and body part default to what the
    DICOM headers say. Invalid fields raise
    :class:`~pixtralogist.core.errors.CaseError`.
    """
    if "images" in case_fields:
        raise TypeError("build_case() takes the images as `sources`, not as `images=`")
    images = load_study(sources, limits=limits)
    from pydantic import ValidationError

    try:
        return Case(images=images, **case_fields)
    except ValidationError as exc:
        # Field names and reasons only: the rejected values may be clinical text.
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'case'}: {err['msg']}" for err in exc.errors()
        )
        raise CaseError(f"The case details are invalid ({problems}). Correct them and try again.") from None


def detect_format(data: bytes) -> ImageFormat | None:
    """The image format of ``data`` from its content ('png', 'jpeg', 'dicom'), or None.

    DICOM is recognised by 'DICM' at offset 128, or, without the 128-byte
    preamble, when pydicom can read it and it carries image tags.
    """
    fmt = _sniff(data)
    if fmt == "dicom-raw":
        return "dicom" if _read_raw_dicom_header(data) is not None else None
    return fmt


# --- reading and detection ------------------------------------------------------


def _check_index(index: int) -> int:
    if not isinstance(index, int) or isinstance(index, bool) or index < 1:
        raise ValueError(f"index must be a positive integer (1 for the first image), got {index!r}")
    return index


def _fmt_bytes(n: int) -> str:
    return f"{n / _MIB:.1f} MiB" if n >= _MIB else f"{n / 1024:.0f} KiB" if n >= 1024 else f"{n} bytes"


def _too_big_file(index: int, size: int, limits: ImageLimits) -> ImageTooLargeError:
    return ImageTooLargeError(
        f"Image {index} is {_fmt_bytes(size)}, over the limit of {_fmt_bytes(limits.max_bytes)} per image. "
        "Upload a smaller export (a single image or frame, or a PNG/JPEG copy) and try again."
    )


def _read_source(source: ImageSource, index: int, limits: ImageLimits) -> bytes:
    """The source's bytes; the size limit is checked before reading wherever the size is known."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        size = memoryview(source).nbytes
        if size > limits.max_bytes:
            raise _too_big_file(index, size, limits)
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        # The path is never put in a message: file names often carry patient names.
        path = Path(os.fspath(source))
        try:
            st = path.stat()
        except (OSError, ValueError):
            raise IngestError(
                f"Image {index} could not be opened: the file does not exist or cannot be read. "
                "Check the path and permissions, or upload the file again."
            ) from None
        if not path.is_file():
            raise IngestError(
                f"Image {index} is not a regular file (a folder or a device was given). "
                "Select the image file itself."
            )
        if st.st_size > limits.max_bytes:
            raise _too_big_file(index, st.st_size, limits)
        try:
            with path.open("rb") as fh:
                data = fh.read(limits.max_bytes + 1)
        except OSError:
            raise IngestError(
                f"Image {index} could not be read from disk. Check the file's permissions, "
                "or upload it again."
            ) from None
    elif hasattr(source, "read"):
        data = source.read(limits.max_bytes + 1)
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"image {index}: the file object must be opened in binary mode ('rb')")
        data = bytes(data)
    else:
        raise TypeError(
            f"image {index}: expected a path, bytes or a binary file object, got {type(source).__name__}"
        )
    if len(data) > limits.max_bytes:
        raise _too_big_file(index, len(data), limits)
    return data


_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_JPEG_SIG = b"\xff\xd8\xff"
# Little-endian (gggg eeee) and big-endian group numbers a DICOM data set without
# preamble and file meta starts with: (0002,xxxx) file meta or (0008,xxxx) identification.
_RAW_DICOM_STARTS = (b"\x02\x00", b"\x08\x00", b"\x00\x02", b"\x00\x08")

# Formats people upload by mistake, to say what the file is.
_OTHER_FORMATS: tuple[tuple[int, bytes, str], ...] = (
    (0, b"GIF87a", "a GIF image"),
    (0, b"GIF89a", "a GIF image"),
    (0, b"BM", "a BMP image"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (8, b"WEBP", "a WebP image"),
    (4, b"ftypheic", "a HEIC photo"),
    (4, b"ftypheix", "a HEIC photo"),
    (4, b"ftypmif1", "a HEIF photo"),
    (4, b"ftypavif", "an AVIF image"),
    (0, b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
    (0, b"\xff\x4f\xff\x51", "a JPEG 2000 image"),
    (0, b"%PDF", "a PDF document"),
    (0, b"PK\x03\x04", "a ZIP archive or an Office document"),
    (0, b"\x1f\x8b", "a gzip archive"),
)


def _sniff(data: bytes) -> str | None:
    """'png', 'jpeg', 'dicom', 'dicom-raw' (candidate DICOM without preamble) or None."""
    if data.startswith(_PNG_SIG):
        return "png"
    if data.startswith(_JPEG_SIG):
        return "jpeg"
    if len(data) >= 132 and data[128:132] == b"DICM":
        return "dicom"
    if len(data) >= 8 and data[:2] in _RAW_DICOM_STARTS:
        return "dicom-raw"
    return None


def _unsupported(index: int, data: bytes) -> UnsupportedFormatError:
    what = next((name for off, magic, name in _OTHER_FORMATS if data[off : off + len(magic)] == magic), None)
    found = f"it looks like {what}" if what else "its contents were checked, not its name"
    return UnsupportedFormatError(
        f"Image {index} is not a PNG, JPEG or DICOM image ({found}). "
        "Export or save it as PNG, JPEG or DICOM and upload it again."
    )


# --- PNG / JPEG ------------------------------------------------------------------


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """``(type, start, end)`` of each chunk of a PNG up to and including IEND (``data[start:end]`` is the
    chunk's data); ValueError when a chunk is incomplete or the file ends before IEND."""
    pos, n = 8, len(data)
    while True:
        if pos + 12 > n:
            raise ValueError("truncated")
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        if length > 0x7FFFFFFF or pos + 12 + length > n:
            raise ValueError("truncated")
        yield ctype, pos + 8, pos + 8 + length
        pos += 12 + length
        if ctype == b"IEND":
            return


def _png_without_metadata(data: bytes) -> bytes | None:
    """An 8-bit grey or RGB, non-interlaced, single-image PNG with only :data:`_PNG_KEPT_CHUNKS` (CRCs
    recomputed): the same pixels as re-encoding its decoded image, without the cost (~150 ms for a
    2k x 2k radiograph on one core). None for any other PNG, and for one that has nothing to leave
    out: the display image's bytes (and the SHA-256 in the case) then would be the upload's, which
    only the identity store may know (:mod:`pixtralogist.core.identity`); those are re-encoded."""
    bit_depth, colour_type, compression, filtering, interlace = data[24:29]
    if bit_depth != 8 or colour_type not in (0, 2) or compression or filtering or interlace:
        return None
    out = [data[:8]]
    try:
        for ctype, start, end in _png_chunks(data):
            if ctype in (b"acTL", b"fcTL", b"fdAT"):  # animated: the first frame is re-encoded
                return None
            if ctype in _PNG_KEPT_CHUNKS:
                body = data[start:end]
                out.append(struct.pack(">I", len(body)) + ctype + body
                           + struct.pack(">I", zlib.crc32(body, zlib.crc32(ctype)) & 0xFFFFFFFF))
    except ValueError:
        return None
    stripped = b"".join(out)
    return None if stripped == data else stripped


def _png_header(data: bytes, index: int) -> tuple[int, int]:
    """Width and height from IHDR, after checking every chunk is complete up to IEND."""
    broken = CorruptImageError(
        f"Image {index} looks like a PNG, but the file is incomplete or damaged "
        "(it ends before the image data does). Upload the complete file again or re-export it."
    )
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise broken
    width, height = struct.unpack(">II", data[16:24])
    try:
        seen_idat = b"IDAT" in [ctype for ctype, _, _ in _png_chunks(data)]
    except ValueError:
        raise broken from None
    if not seen_idat or width == 0 or height == 0:
        raise CorruptImageError(
            f"Image {index} looks like a PNG, but it contains no image data. Re-export it and upload it again."
        )
    return width, height


_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def _jpeg_header(data: bytes, index: int) -> tuple[int, int]:
    """Width and height from the SOF segment, after checking the file reaches its end marker.

    Segments are walked by their lengths up to the first scan, so EXIF
    thumbnails (inside APP1) are skipped; entropy-coded data cannot contain
    FF D9, so a file without an end-of-image marker after its first scan is
    truncated.
    """
    broken = CorruptImageError(
        f"Image {index} looks like a JPEG, but the file is incomplete or damaged "
        "(it ends before the image data does). Upload the complete file again or re-export it."
    )
    n = len(data)
    pos = 2
    size: tuple[int, int] | None = None
    while True:
        pos = data.find(b"\xff", pos)  # tolerates stray bytes between segments, as libjpeg does
        if pos < 0 or pos + 1 >= n:
            raise broken
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        pos += 2
        if marker == 0x01 or 0xD0 <= marker <= 0xD7 or marker == 0x00:
            continue
        if marker == 0xD9:  # end of image before any scan
            raise broken
        if pos + 2 > n:
            raise broken
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > n:
            raise broken
        if marker in _SOF_MARKERS and length >= 7:
            height, width = struct.unpack(">HH", data[pos + 3 : pos + 7])
            size = (width, height)
        if marker == 0xDA:  # start of scan
            if size is None or size[0] == 0 or size[1] == 0:
                raise CorruptImageError(
                    f"Image {index} looks like a JPEG, but its header is damaged (no image size). "
                    "Re-export it and upload it again."
                )
            if data.rfind(b"\xff\xd9") < pos + length:
                raise broken
            return size
        pos += length


def _check_pixels(index: int, width: int, height: int, frames: int, limits: ImageLimits) -> None:
    total = width * height * frames
    frames_txt = f" x {frames} frames" if frames > 1 else ""
    if total > limits.max_pixels:
        raise ImageTooLargeError(
            f"Image {index} is {width} x {height} pixels{frames_txt} ({total / 1e6:.1f} megapixels), "
            f"over the limit of {limits.max_pixels / 1e6:.1f} megapixels. "
            "Downscale it, crop the region of interest, or export a single frame, and upload it again."
        )
    if width > limits.max_side or height > limits.max_side:
        raise ImageTooLargeError(
            f"Image {index} is {width} x {height} pixels{frames_txt}; the largest side allowed is "
            f"{limits.max_side} pixels. Downscale it or crop the region of interest and upload it again."
        )


_PIL_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error, IndexError, KeyError)


def _decode_raster(data: bytes, fmt: str, index: int, limits: ImageLimits) -> tuple[Image.Image, dict[str, Any]]:
    name = _FORMAT_NAMES[fmt]
    width, height = _png_header(data, index) if fmt == "png" else _jpeg_header(data, index)
    _check_pixels(index, width, height, 1, limits)  # before Pillow decodes a single pixel
    try:
        im = Image.open(io.BytesIO(data), formats=[name])
        frames = int(getattr(im, "n_frames", 1) or 1)
        _check_pixels(index, im.width, im.height, 1, limits)
        im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLargeError(
            f"Image {index} has too many pixels to be decoded safely (possible decompression bomb). "
            "Downscale it and upload it again."
        ) from None
    except _PIL_DECODE_ERRORS as exc:
        raise CorruptImageError(
            f"Image {index} looks like a {name}, but its image data is damaged and cannot be decoded. "
            "Re-export or re-save it and upload it again."
        ) from exc
    try:
        upright = im.getexif().get(0x0112, 1) in (0, 1)  # no EXIF orientation to apply
        im = ImageOps.exif_transpose(im)
    except _PIL_DECODE_ERRORS:
        upright = False  # damaged EXIF block: the pixels are fine, show them as stored
    as_stored = upright and frames == 1 and im.mode in ("L", "RGB")
    return _to_display_mode(im), {"frames": frames, "frame_index": 0, _AS_STORED_KEY: as_stored}


def _scale_to_uint8(arr: np.ndarray) -> np.ndarray:
    """Min/max scaling of a high-bit-depth image to 0..255."""
    arr = arr.astype(np.float32, copy=False)
    lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return np.zeros(arr.shape, dtype=np.uint8)
    out = (arr - lo) * (255.0 / (hi - lo))
    return np.rint(out).astype(np.uint8)


def _flatten_alpha(im: Image.Image, mode: str) -> Image.Image:
    """Drop the alpha channel onto black (the usual background of medical images)."""
    base = Image.new(mode, im.size, 0)
    base.paste(im.convert(mode), mask=im.getchannel("A"))
    return base


def _to_display_mode(im: Image.Image) -> Image.Image:
    """An 8-bit 'L' or 'RGB' image."""
    mode = im.mode
    if mode in ("L", "RGB"):
        return im
    if mode == "1":
        return im.convert("L")
    if mode.startswith("I") or mode == "F":  # I;16, I;16B, I;16L, I, F
        return Image.fromarray(_scale_to_uint8(np.asarray(im)))
    if mode in ("LA", "La"):
        return _flatten_alpha(im.convert("LA"), "L")
    if mode in ("P", "PA"):
        palette = im.getpalette() or []
        gray = all(palette[i] == palette[i + 1] == palette[i + 2] for i in range(0, len(palette) - 2, 3))
        if mode == "PA" or "transparency" in im.info:
            rgba = im.convert("RGBA")
            return _flatten_alpha(rgba, "L" if gray else "RGB")
        return im.convert("L" if gray else "RGB")
    if mode in ("RGBA", "RGBa"):
        return _flatten_alpha(im.convert("RGBA"), "RGB")
    return im.convert("RGB")  # CMYK, YCbCr, LAB, HSV, RGBX


# --- DICOM -----------------------------------------------------------------------


def _read_raw_dicom_header(data: bytes) -> Dataset | None:
    """A preamble-less DICOM data set's header, or None when it is not DICOM image data."""
    import pydicom

    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=True, stop_before_pixels=True)
    except Exception:  # noqa: BLE001 - arbitrary bytes: any parse failure means "not DICOM"
        return None
    return ds if _has_image_tags(ds) else None


def _has_image_tags(ds: Dataset) -> bool:
    """Whether a data set read with ``force=True`` is really DICOM image data, not bytes misread as tags."""
    try:
        keys = set(ds.keys())
    except Exception:  # noqa: BLE001
        return False
    pixel_data = {0x7FE00010, 0x7FE00008, 0x7FE00009}  # Pixel Data, Float / Double Float Pixel Data
    image_size = {0x00280010, 0x00280011}  # Rows, Columns
    identity = {0x00080016, 0x00080060}  # SOP Class UID, Modality
    return bool(keys & pixel_data) or image_size <= keys or bool(keys & identity)


_PN_KEYWORDS = ("PatientName", "OtherPatientNames", "PatientMotherBirthName", "ReferringPhysicianName")
_ID_KEYWORDS = (
    "PatientID", "OtherPatientIDs", "PatientBirthDate", "AccessionNumber", "PatientAddress",
    "InstitutionName", "IssuerOfPatientID", "StudyID",
)


def _identifiers(ds: Dataset) -> list[str]:
    """Identifying values of the data set, to scrub from the free text we keep (descriptions).

    Person names are also split into their components (family^given^middle),
    so 'Doe' is removed as well as 'Doe^Jane'.
    """
    values: list[str] = []
    for kw in _PN_KEYWORDS + _ID_KEYWORDS:
        try:
            v = ds.get(kw)
        except Exception:  # noqa: BLE001
            continue
        if v is None:
            continue
        items = v if isinstance(v, (list, tuple)) or type(v).__name__ == "MultiValue" else [v]
        for item in items:
            text = str(item)
            values.append(text)
            if kw in _PN_KEYWORDS:
                values.extend(re.split(r"[\^=\s]+", text))
    return sorted({v.strip() for v in values if len(v.strip()) >= 3}, key=len, reverse=True)


def _text(ds: Dataset, keyword: str, scrub: list[str], *, upper: bool = False, limit: int = 200) -> str | None:
    try:
        value = ds.get(keyword)
    except Exception:  # noqa: BLE001
        return None
    if value is None:
        return None
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        value = value[0] if len(value) else ""
    text = clean_text(str(value))
    for ident in scrub:
        text = re.sub(re.escape(ident), "", text, flags=re.IGNORECASE)
    text = re.sub(r"\s{2,}", " ", text).strip(" ^-_,;:")[:limit]
    if upper:
        text = text.upper()
    return text or None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        if not len(value):
            return None
        value = value[0]
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _frame_group(ds: Dataset, frame: int, sequence: str) -> Dataset | None:
    """Item of a functional-group macro (per-frame first, then shared) of an enhanced multi-frame object."""
    for groups, i in (("PerFrameFunctionalGroupsSequence", frame), ("SharedFunctionalGroupsSequence", 0)):
        try:
            seq = ds.get(groups)
            if seq and len(seq) > i and sequence in seq[i] and len(seq[i][sequence].value):
                return seq[i][sequence].value[0]
        except Exception:  # noqa: BLE001
            continue
    return None


def _corrupt_dicom(index: int, what: str) -> CorruptImageError:
    return CorruptImageError(
        f"Image {index} is a DICOM file, but {what}. "
        "Upload the complete file again, or re-export it from your PACS or viewer."
    )


def _decode_dicom(
    data: bytes, raw: bool, index: int, limits: ImageLimits, window: tuple[float, float] | None
) -> tuple[np.ndarray, dict[str, Any]]:
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.pixels import get_decoder, pixel_array
    from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=raw)
    except Exception:  # noqa: BLE001 - untrusted bytes; the parser's message may quote header values
        raise _corrupt_dicom(index, "its header is damaged or cut off and cannot be read") from None
    if raw and not _has_image_tags(ds):
        raise _unsupported(index, data)

    pixel_kw = next((k for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData") if k in ds), None)
    if pixel_kw is None:
        if "Rows" in ds:
            raise CorruptImageError(
                f"Image {index} is a DICOM file whose pixel data is missing (the file may be truncated, "
                "or was exported without pixels). Upload the complete DICOM image file, or re-export it "
                "from your PACS or viewer."
            )
        raise CorruptImageError(
            f"Image {index} is a DICOM file without image pixel data (for example a structured "
            "report, a presentation state or a dose record). Upload the DICOM image itself."
        )

    # Without file meta (no preamble), pixel decoding needs the encoding the header was read with.
    meta = getattr(ds, "file_meta", None)
    if meta is None:
        meta = ds.file_meta = FileMetaDataset()
    tsyntax = meta.get("TransferSyntaxUID")
    if not tsyntax:
        implicit, little = getattr(ds, "original_encoding", (True, True))
        tsyntax = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian if little else ExplicitVRBigEndian
        meta.TransferSyntaxUID = tsyntax
    try:
        decoder = get_decoder(tsyntax)
    except NotImplementedError:
        raise _corrupt_dicom(
            index, f"its transfer syntax ({tsyntax.name}) is not an image encoding that can be decoded here"
        ) from None
    if not decoder.is_available:
        missing = "; ".join(decoder.missing_dependencies) or "a decoder plugin"
        raise CorruptImageError(
            f"Image {index} is a DICOM image compressed as '{tsyntax.name}', which this installation "
            f"cannot decode (needs one of: {missing}). Install one of those decoders, or export the "
            "image uncompressed (Explicit VR Little Endian) or as PNG and upload it again."
        )

    rows = int(_number(ds.get("Rows")) or 0)
    cols = int(_number(ds.get("Columns")) or 0)
    if rows < 1 or cols < 1:
        raise _corrupt_dicom(index, "its image size (Rows/Columns) is missing or zero")
    frames = max(1, int(_number(ds.get("NumberOfFrames")) or 1))
    _check_pixels(index, cols, rows, frames, limits)  # before any pixel is decoded

    frame_index = frames // 2
    try:
        arr = pixel_array(ds, index=frame_index)
    except Exception:  # noqa: BLE001 - decoders raise many types; messages may quote header values
        if tsyntax.is_compressed:
            # Every installed decoder refused the stream (pydicom tries each in turn): the
            # compressed data itself is damaged or does not follow its standard (e.g. JPEG
            # scan parameters a conforming decoder must reject). Codec messages are not quoted.
            tried = ", ".join(sorted(getattr(decoder, "available_plugins", ()) or ())) or "none"
            raise CorruptImageError(
                f"Image {index} is a DICOM image compressed as '{tsyntax.name}', but its compressed "
                f"pixel data is damaged or does not follow the {tsyntax.name} standard, so no decoder "
                f"could read it (tried: {tried}). Export the image again from the PACS or modality, "
                "uncompressed (Explicit VR Little Endian) or as PNG, and upload it again."
            ) from None
        raise _corrupt_dicom(
            index, "its pixel data is incomplete or does not match its image size (the file looks truncated)"
        ) from None

    photometric = str(ds.get("PhotometricInterpretation", "") or "").strip().upper() or None
    out: dict[str, Any] = {"frames": frames, "frame_index": frame_index, "photometric": photometric}
    out.update(_dicom_meta(ds))
    out[_SOURCE_KEY] = ds  # popped by _ingest: identity goes to ImageIdentity, never to ImageMeta

    if arr.ndim == 3 and arr.shape[-1] in (3, 4):  # colour: RGB, YBR_* (converted to RGB by pydicom)
        if window is not None:
            raise UnsupportedFormatError(
                f"Image {index} is a colour DICOM ({photometric}); window/level applies to grayscale "
                "DICOM images only. Show it without windowing."
            )
        bits = int(_number(ds.get("BitsStored")) or 8)
        pixels = arr[..., :3]
        if pixels.dtype != np.uint8 or bits > 8:
            pixels = np.rint(pixels.astype(np.float64) * (255.0 / (2**bits - 1))).clip(0, 255).astype(np.uint8)
        return np.ascontiguousarray(pixels), out
    if arr.ndim != 2:
        raise _corrupt_dicom(index, f"its decoded pixels have an unexpected shape {arr.shape}")

    if photometric == "PALETTE COLOR":
        if window is not None:
            raise UnsupportedFormatError(
                f"Image {index} is a palette-colour DICOM; window/level applies to grayscale DICOM "
                "images only. Show it without windowing."
            )
        from pydicom.pixels import apply_color_lut

        try:
            rgb = apply_color_lut(arr, ds)
        except Exception:  # noqa: BLE001
            raise _corrupt_dicom(index, "its colour palette is missing or damaged") from None
        if rgb.dtype != np.uint8:
            rgb = np.rint(rgb.astype(np.float64) / 257.0).clip(0, 255).astype(np.uint8)
        return np.ascontiguousarray(rgb), out

    try:
        gray, used = _grayscale_to_uint8(ds, arr, frame_index, window)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError):
        raise _corrupt_dicom(
            index, "its rescale or lookup-table attributes are damaged, so its pixel values cannot be shown"
        ) from None
    if photometric == "MONOCHROME1":  # 0 = white: invert for display
        gray = 255 - gray
    out["window_center"], out["window_width"] = used
    return gray, out


def _modality_values(ds: Dataset, arr: np.ndarray, frame: int) -> np.ndarray:
    """Stored values to modality values (HU for CT): Modality LUT or rescale, per frame when enhanced."""
    from pydicom.pixels import apply_modality_lut

    if "ModalityLUTSequence" in ds or "RescaleSlope" in ds or "RescaleIntercept" in ds:
        return np.asarray(apply_modality_lut(arr, ds))
    item = _frame_group(ds, frame, "PixelValueTransformationSequence")
    if item is not None:
        slope = _number(item.get("RescaleSlope"))
        intercept = _number(item.get("RescaleIntercept"))
        if slope is not None or intercept is not None:
            return arr.astype(np.float64) * (1.0 if slope is None else slope) + (intercept or 0.0)
    return arr


def _voi_function(ds: Dataset, frame: int) -> str:
    item = _frame_group(ds, frame, "FrameVOILUTSequence")
    value = ds.get("VOILUTFunction") or (item.get("VOILUTFunction") if item is not None else None)
    return str(value or "LINEAR").strip().upper()


def _apply_window(values: np.ndarray, center: float, width: float, function: str) -> np.ndarray:
    """DICOM PS3.3 C.11.2.1.2 windowing to 0..255 uint8 (LINEAR, LINEAR_EXACT or SIGMOID)."""
    x = values.astype(np.float32, copy=False)
    if function == "SIGMOID":
        y = 1.0 / (1.0 + np.exp(np.clip(-4.0 * (x - center) / width, -80, 80)))
    elif function == "LINEAR_EXACT":
        y = (x - center) / width + 0.5
    elif width > 1:  # LINEAR
        y = (x - (center - 0.5)) / (width - 1) + 0.5
    else:
        y = (x > center - 0.5).astype(np.float32)
    return np.rint(np.clip(y, 0.0, 1.0) * 255.0).astype(np.uint8)


def _grayscale_to_uint8(
    ds: Dataset, arr: np.ndarray, frame: int, window: tuple[float, float] | None
) -> tuple[np.ndarray, tuple[float | None, float | None]]:
    values = _modality_values(ds, arr, frame)
    function = _voi_function(ds, frame)
    if window is not None:
        return _apply_window(values, *window, function), window

    # 1. The file's own window (first value when several are given).
    item = _frame_group(ds, frame, "FrameVOILUTSequence")
    center = _number(ds.get("WindowCenter"))
    width = _number(ds.get("WindowWidth"))
    if (center is None or width is None) and item is not None:
        center, width = _number(item.get("WindowCenter")), _number(item.get("WindowWidth"))
    if center is not None and width is not None and width >= (1 if function == "LINEAR" else 1e-6):
        return _apply_window(values, center, width, function), (center, width)

    # 2. The file's VOI LUT table.
    if ds.get("VOILUTSequence"):
        from pydicom.pixels import apply_voi_lut

        try:
            lut_out = np.asarray(apply_voi_lut(values, ds, prefer_lut=True), dtype=np.float64)
            return _scale_to_uint8(lut_out), (None, None)
        except Exception:  # noqa: BLE001 - a damaged LUT falls back to a default window
            pass

    # 3. A default: CT presets in HU, otherwise a robust percentile window over the pixels.
    if str(ds.get("Modality", "")).strip().upper() == "CT":
        part = str(ds.get("BodyPartExamined", "") or "").strip().upper()
        center, width = CT_WINDOW_PRESETS["brain" if part in _CT_HEAD_PARTS else "soft-tissue"]
    else:
        center, width = _percentile_window(values)
    return _apply_window(values, center, width, "LINEAR"), (center, width)


def _percentile_window(values: np.ndarray) -> tuple[float, float]:
    """Center/width spanning the 0.5th-99.5th percentiles (on a subsample of large images)."""
    step = max(1, int(math.sqrt(values.size / 1_000_000)))
    sample = values[::step, ::step].astype(np.float64, copy=False)
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return 0.5, 1.0
    lo, hi = (float(v) for v in np.percentile(sample, [0.5, 99.5]))
    if hi <= lo:
        lo, hi = float(sample.min()), float(sample.max())
    if hi <= lo:
        hi = lo + 1.0
    width = max(hi - lo + 1.0, 1.0)  # LINEAR maps [c - 0.5 - (w-1)/2, c - 0.5 + (w-1)/2] to 0..255
    center = (lo + hi) / 2.0 + 0.5
    return round(center, 3), round(width, 3)


def _dicom_meta(ds: Dataset) -> dict[str, Any]:
    scrub = _identifiers(ds)
    return {
        "modality": _text(ds, "Modality", scrub, upper=True, limit=16),
        "body_part": _text(ds, "BodyPartExamined", scrub, upper=True, limit=64),
        "view": _text(ds, "ViewPosition", scrub, upper=True, limit=16),
        "study_description": _text(ds, "StudyDescription", scrub),
        "series_description": _text(ds, "SeriesDescription", scrub),
    }


# --- the one ingestion path --------------------------------------------------------


def _ingest(
    source: ImageSource, *, index: int, limits: ImageLimits, window: tuple[float, float] | None = None
) -> StudyImage:
    data = _read_source(source, index, limits)
    if not data:
        raise UnsupportedFormatError(
            f"Image {index} is empty (0 bytes). Upload the image file again; if it came from a "
            "PACS, a viewer or a phone, export it again first."
        )
    kind = _sniff(data)
    if kind is None:
        raise _unsupported(index, data)
    fmt: ImageFormat = "dicom" if kind.startswith("dicom") else kind  # type: ignore[assignment]
    if window is not None and fmt != "dicom":
        raise UnsupportedFormatError(
            f"Image {index} is a {_FORMAT_NAMES[fmt]} image; window/level applies to DICOM images only."
        )

    fields: dict[str, Any]
    if fmt == "dicom":
        pixels, fields = _decode_dicom(data, kind == "dicom-raw", index, limits, window)
        display = Image.fromarray(pixels)
    else:
        display, fields = _decode_raster(data, fmt, index, limits)

    source = fields.pop(_SOURCE_KEY, None)
    as_stored = fields.pop(_AS_STORED_KEY, False)
    png = _png_without_metadata(data) if fmt == "png" and as_stored else None
    if png is None:
        buf = io.BytesIO()
        display.save(buf, format="PNG", **_PNG_SAVE_OPTIONS)
        png = buf.getvalue()
    label = f"image-{index}.{_EXT[fmt]}"
    meta = ImageMeta(
        label=label,
        format=fmt,
        width=display.width,
        height=display.height,
        channels=len(display.getbands()),
        sha256=hashlib.sha256(png).hexdigest(),
        **fields,
    )
    identity = image_identity(source, data, label) if source is not None else raster_identity(data, label)
    return StudyImage(meta=meta, png=png).with_identity(identity)
