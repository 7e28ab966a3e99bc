"""Image ingestion (core/imaging.py) on real files: PNG, JPEG, DICOM, and every bad input.

All images are generated in tmp_path or taken from pydicom's shipped test files;
nothing is mocked.
"""

from __future__ import annotations

import io
import json
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image, ImageFile
from pydicom.data import get_testdata_file
from pydicom.pixels import apply_modality_lut, get_decoder

from pixtralogist.core.errors import (
    CaseError,
    CorruptImageError,
    ImageTooLargeError,
    IngestError,
    TooManyImagesError,
    UnsupportedFormatError,
)
from pixtralogist.core.imaging import (
    _png_without_metadata,
    CT_WINDOW_PRESETS,
    ImageLimits,
    build_case,
    detect_format,
    load_image,
    load_study,
    window_dicom,
)
from pixtralogist.core.models import Case, StudyImage

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


# --- helpers ---------------------------------------------------------------------


def dicom_file(name: str) -> str:
    path = get_testdata_file(name)
    assert path is not None, f"pydicom test file {name} is not shipped with this pydicom"
    return path


def pixels(img: StudyImage) -> np.ndarray:
    return np.asarray(img.pil())


def save(im: Image.Image, path: Path, fmt: str, **kw) -> Path:
    im.save(path, fmt, **kw)
    return path


def gradient(w: int = 64, h: int = 48) -> np.ndarray:
    return np.tile(np.linspace(0, 255, w).astype(np.uint8), (h, 1))


def linear_window(values: np.ndarray, center: float, width: float) -> np.ndarray:
    """DICOM LINEAR windowing, written out independently of the module."""
    lo = center - 0.5 - (width - 1) / 2
    hi = center - 0.5 + (width - 1) / 2
    y = ((values - (center - 0.5)) / (width - 1) + 0.5) * 255
    y = np.where(values <= lo, 0, np.where(values > hi, 255, y))
    return np.rint(y).astype(np.int16)


def write_dicom(ds: pydicom.Dataset, path: Path) -> Path:
    ds.save_as(path)
    return path


def assert_helpful(exc: BaseException, *needles: str) -> str:
    msg = str(exc)
    assert msg.startswith("Image ") or msg.startswith("No image") or "images were given" in msg, msg
    for needle in needles:
        assert needle.lower() in msg.lower(), f"{needle!r} not in {msg!r}"
    # says what to do
    assert any(w in msg.lower() for w in ("upload", "export", "install", "remove", "add", "downscale")), msg
    return msg


# --- PNG / JPEG ------------------------------------------------------------------


def test_png_grayscale(tmp_path):
    arr = gradient()
    img = load_image(save(Image.fromarray(arr), tmp_path / "a.png", "PNG"))
    m = img.meta
    assert (m.format, m.width, m.height, m.channels, m.frames, m.frame_index) == ("png", 64, 48, 1, 1, 0)
    assert m.label == "image-1.png"
    assert img.pil().mode == "L"
    assert np.array_equal(pixels(img), arr)
    assert m.modality is None and m.window_center is None


def test_png_rgb_and_bytes_source(tmp_path):
    arr = np.stack([gradient(), gradient()[:, ::-1], np.full((48, 64), 7, np.uint8)], axis=-1)
    data = save(Image.fromarray(arr), tmp_path / "rgb.png", "PNG").read_bytes()
    img = load_image(data, index=3)
    assert img.meta.channels == 3 and img.pil().mode == "RGB"
    assert img.meta.label == "image-3.png"
    assert np.array_equal(pixels(img), arr)
    import hashlib

    assert img.meta.sha256 == hashlib.sha256(img.png).hexdigest()  # the display image's, in the case
    assert img.identity.source_sha256 == hashlib.sha256(data).hexdigest()  # the upload's, identity only
    assert img.identity.source_sha256 not in img.model_dump_json()
    # a binary file object works too and gives the same result
    assert load_image(io.BytesIO(data), index=3) == img


def test_png_rgba_alpha_dropped_onto_black(tmp_path):
    arr = np.zeros((10, 20, 4), np.uint8)
    arr[..., 0] = 200  # red everywhere
    arr[:, :10, 3] = 255  # left half opaque
    arr[:, 10:, 3] = 0  # right half transparent
    img = load_image(save(Image.fromarray(arr, "RGBA"), tmp_path / "a.png", "PNG"))
    out = pixels(img)
    assert img.pil().mode == "RGB" and img.meta.channels == 3
    assert (out[:, :10] == [200, 0, 0]).all()
    assert (out[:, 10:] == 0).all()


def test_png_la_mode(tmp_path):
    la = Image.merge("LA", [Image.fromarray(np.full((8, 8), 180, np.uint8)), Image.fromarray(gradient(8, 8))])
    out = pixels(load_image(save(la, tmp_path / "la.png", "PNG")))
    assert out.ndim == 2
    assert out[0, 0] == 0 and out[0, -1] == 180  # alpha 0 -> black, alpha 255 -> the gray value


def test_png_16bit_scaled_by_min_max(tmp_path):
    arr = np.tile(np.linspace(1000, 3000, 50).astype(np.uint16), (20, 1))
    im = Image.fromarray(arr)
    assert im.mode.startswith("I;16")
    img = load_image(save(im, tmp_path / "deep.png", "PNG"))
    out = pixels(img)
    assert img.pil().mode == "L"
    assert out.min() == 0 and out.max() == 255
    expected = np.rint((arr.astype(float) - 1000) * 255 / 2000)
    assert np.abs(out.astype(int) - expected).max() <= 1


def test_png_palette(tmp_path):
    pal = Image.new("P", (16, 16))
    pal.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * (256 * 3 - 9))
    pal.putdata([1] * 128 + [2] * 128)
    img = load_image(save(pal, tmp_path / "p.png", "PNG"))
    out = pixels(img)
    assert img.pil().mode == "RGB"
    assert (out[0, 0] == [255, 0, 0]).all() and (out[-1, -1] == [0, 0, 255]).all()
    # a grayscale palette becomes a grayscale image
    gray = Image.fromarray(gradient(16, 16)).convert("P")
    assert load_image(save(gray, tmp_path / "g.png", "PNG")).pil().mode == "L"


def test_png_1bit(tmp_path):
    im = Image.fromarray(gradient(16, 4) > 127)
    out = pixels(load_image(save(im, tmp_path / "bw.png", "PNG")))
    assert set(np.unique(out)) == {0, 255}


def test_jpeg_gray_rgb_and_cmyk(tmp_path):
    gray = load_image(save(Image.fromarray(gradient()), tmp_path / "g.jpg", "JPEG", quality=95))
    assert gray.meta.format == "jpeg" and gray.meta.label == "image-1.jpg" and gray.pil().mode == "L"
    assert np.abs(pixels(gray).astype(int) - gradient()).max() < 8
    rgb = Image.fromarray(np.stack([gradient()] * 3, -1))
    assert load_image(save(rgb, tmp_path / "c.jpg", "JPEG")).pil().mode == "RGB"
    cmyk = Image.new("CMYK", (8, 8), (0, 255, 255, 0))  # red
    out = pixels(load_image(save(cmyk, tmp_path / "k.jpg", "JPEG", quality=95)))
    assert out.shape == (8, 8, 3) and out[4, 4, 0] > 200 and out[4, 4, 1] < 60


def test_exif_orientation_applied(tmp_path):
    arr = np.zeros((20, 40), np.uint8)
    arr[:, 20:] = 255  # left half black, right half white; 40 wide, 20 high
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    for fmt, ext in (("JPEG", "jpg"), ("PNG", "png")):
        img = load_image(save(Image.fromarray(arr), tmp_path / f"o.{ext}", fmt, exif=exif))
        out = pixels(img)
        assert (img.meta.width, img.meta.height) == (20, 40), fmt
        # after a clockwise turn the old left (black) side is on top
        assert out[:15].mean() < 30 and out[-15:].mean() > 225, fmt


def test_png_text_metadata_not_carried_over(tmp_path):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Patient", "Doe^Jane-PLANTED")
    img = load_image(save(Image.fromarray(gradient()), tmp_path / "t.png", "PNG", pnginfo=info))
    assert b"PLANTED" not in img.png
    assert "PLANTED" not in img.model_dump_json()


def test_2048_png_is_fast(tmp_path):
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:2048, 0:2048]
    arr = ((np.sin(x / 50) + np.cos(y / 70)) * 60 + 128 + rng.normal(0, 8, (2048, 2048))).clip(0, 255)
    path = save(Image.fromarray(arr.astype(np.uint8)), tmp_path / "big.png", "PNG")
    load_image(path)  # warm up
    t0 = time.perf_counter()
    img = load_image(path)
    elapsed = time.perf_counter() - t0
    assert (img.meta.width, img.meta.height) == (2048, 2048)
    assert elapsed < 1.0, f"2048x2048 PNG took {elapsed:.2f} s"


# --- DICOM -----------------------------------------------------------------------


def test_ct_hounsfield_and_default_window():
    img = load_image(dicom_file("CT_small.dcm"))
    m = img.meta
    assert (m.format, m.label, m.modality, m.photometric) == ("dicom", "image-1.dcm", "CT", "MONOCHROME2")
    assert (m.width, m.height, m.channels, m.frames) == (128, 128, 1, 1)
    assert (m.window_center, m.window_width) == CT_WINDOW_PRESETS["soft-tissue"] == (40.0, 400.0)
    ds = pydicom.dcmread(dicom_file("CT_small.dcm"))
    hu = apply_modality_lut(ds.pixel_array, ds)
    assert float(ds.RescaleIntercept) == -1024  # HU differs from the stored values
    out = pixels(img).astype(int)
    assert np.abs(out - linear_window(hu, 40, 400)).max() <= 1
    assert (out[hu <= -160] == 0).all() and (out[hu >= 240] == 255).all()


def test_mr_uses_window_from_file():
    img = load_image(dicom_file("MR_small.dcm"))
    ds = pydicom.dcmread(dicom_file("MR_small.dcm"))
    assert (img.meta.window_center, img.meta.window_width) == (float(ds.WindowCenter), float(ds.WindowWidth))
    assert img.meta.modality == "MR"
    expected = linear_window(ds.pixel_array.astype(float), 600, 1600)
    assert np.abs(pixels(img).astype(int) - expected).max() <= 1


def test_multivalued_window_uses_first(tmp_path):
    ds = pydicom.dcmread(dicom_file("MR_small.dcm"))
    ds.WindowCenter = [300, 900]
    ds.WindowWidth = [500, 2000]
    img = load_image(write_dicom(ds, tmp_path / "w.dcm"))
    assert (img.meta.window_center, img.meta.window_width) == (300.0, 500.0)


def test_mr_without_window_gets_percentile_window(tmp_path):
    ds = pydicom.dcmread(dicom_file("MR_small.dcm"))
    del ds.WindowCenter, ds.WindowWidth
    img = load_image(write_dicom(ds, tmp_path / "nowin.dcm"))
    m = img.meta
    lo, hi = np.percentile(ds.pixel_array, [0.5, 99.5])
    assert lo < m.window_center < hi and m.window_width == pytest.approx(hi - lo + 1, rel=0.01)
    out = pixels(img)
    assert out.min() == 0 and out.max() == 255
    assert 0.002 < (out == 255).mean() < 0.05  # only the top ~0.5% saturates


def test_monochrome1_is_inverted(tmp_path):
    ds = pydicom.dcmread(dicom_file("MR_small.dcm"))
    normal = pixels(load_image(write_dicom(ds, tmp_path / "m2.dcm"))).astype(int)
    ds.PhotometricInterpretation = "MONOCHROME1"
    img = load_image(write_dicom(ds, tmp_path / "m1.dcm"))
    assert img.meta.photometric == "MONOCHROME1"
    inverted = pixels(img).astype(int)
    assert np.array_equal(inverted, 255 - normal)
    assert normal.std() > 10  # not a trivially flat image


def test_multiframe_shipped_file_takes_middle_frame():
    path = dicom_file("rtdose.dcm")
    img = load_image(path)
    assert (img.meta.frames, img.meta.frame_index) == (15, 7)
    ds = pydicom.dcmread(path)
    frame7 = apply_modality_lut(ds.pixel_array[7], ds)
    out = pixels(img).astype(int)
    expected = linear_window(frame7, img.meta.window_center, img.meta.window_width)
    assert np.abs(out - expected).max() <= 1


def test_multiframe_middle_frame_by_content(tmp_path):
    ds = pydicom.dcmread(dicom_file("MR_small.dcm"))
    frames = np.stack([np.full((64, 64), v, np.int16) for v in (0, 500, 1000)])
    ds.NumberOfFrames = 3
    ds.PixelData = frames.tobytes()
    ds.WindowCenter, ds.WindowWidth = 500, 1001
    img = load_image(write_dicom(ds, tmp_path / "mf.dcm"))
    assert (img.meta.frames, img.meta.frame_index) == (3, 1)
    assert set(np.unique(pixels(img))) == {128}  # frame 0 would be black, frame 2 white


def test_rgb_dicom_kept_as_rgb():
    path = dicom_file("examples_rgb_color.dcm")
    img = load_image(path)
    assert img.meta.channels == 3 and img.pil().mode == "RGB" and img.meta.photometric == "RGB"
    assert img.meta.window_center is None
    assert np.array_equal(pixels(img), pydicom.dcmread(path).pixel_array)


def test_ybr_dicom_converted_to_rgb():
    path = dicom_file("SC_ybr_full_422_uncompressed.dcm")
    img = load_image(path)
    assert img.meta.photometric == "YBR_FULL_422" and img.pil().mode == "RGB"
    assert np.array_equal(pixels(img), pydicom.dcmread(path).pixel_array)  # pydicom's YBR->RGB


def test_preamble_less_dicom(tmp_path):
    ds = pydicom.dcmread(dicom_file("CT_small.dcm"))
    ds.preamble = None
    del ds.file_meta
    buf = io.BytesIO()
    pydicom.dcmwrite(buf, ds, enforce_file_format=False)
    data = buf.getvalue()
    assert data[128:132] != b"DICM"
    assert detect_format(data) == "dicom"
    img = load_image(data)
    assert img.meta.format == "dicom" and img.meta.modality == "CT"
    assert np.array_equal(pixels(img), pixels(load_image(dicom_file("CT_small.dcm"))))


def test_window_dicom_rewindows_same_image():
    path = dicom_file("CT_small.dcm")
    default = load_image(path)
    lung = window_dicom(path, *CT_WINDOW_PRESETS["lung"])
    assert (lung.meta.window_center, lung.meta.window_width) == (-600.0, 1500.0)
    assert lung.identity.source_sha256 == default.identity.source_sha256 and lung.meta.label == default.meta.label
    assert lung.meta.sha256 != default.meta.sha256  # a different display image
    assert lung.png != default.png
    ds = pydicom.dcmread(path)
    hu = apply_modality_lut(ds.pixel_array, ds)
    assert np.abs(pixels(lung).astype(int) - linear_window(hu, -600, 1500)).max() <= 1
    # the window reported by load_image reproduces its image exactly
    mr = load_image(dicom_file("MR_small.dcm"))
    again = window_dicom(dicom_file("MR_small.dcm"), mr.meta.window_center, mr.meta.window_width)
    assert again.png == mr.png


def test_window_dicom_rejects_bad_input(tmp_path):
    png = save(Image.fromarray(gradient()), tmp_path / "a.png", "PNG")
    with pytest.raises(UnsupportedFormatError, match="DICOM images only"):
        window_dicom(png, 40, 400)
    with pytest.raises(UnsupportedFormatError, match="grayscale"):
        window_dicom(dicom_file("examples_rgb_color.dcm"), 40, 400)
    with pytest.raises(ValueError, match="width"):
        window_dicom(dicom_file("CT_small.dcm"), 40, 0)


# --- PHI and labels --------------------------------------------------------------


def planted_dicom(tmp_path: Path) -> Path:
    ds = pydicom.dcmread(dicom_file("CT_small.dcm"))
    ds.PatientName = "Doe^Jane-PLANTED"
    ds.PatientID = "PLANTED-123"
    ds.PatientBirthDate = "19010203"
    ds.PatientAddress = "1 PLANTED Street"
    ds.AccessionNumber = "ACC-PLANTED"
    ds.InstitutionName = "PLANTED General Hospital"
    ds.ReferringPhysicianName = "Referrer^PLANTED"
    ds.OtherPatientIDs = "OTHER-PLANTED"
    ds.StudyDescription = "CT CHEST Doe^Jane-PLANTED"
    ds.SeriesDescription = "AXIAL 5mm"
    ds.BodyPartExamined = "chest"
    ds.ViewPosition = "AP"
    return write_dicom(ds, tmp_path / "Doe_Jane-PLANTED_19010203.dcm")


def test_phi_never_reaches_the_returned_objects(tmp_path):
    path = planted_dicom(tmp_path)
    img = load_image(path)
    dumped = img.model_dump_json()
    case = build_case([path, str(path)], notes="small L effusion")
    for text in (dumped, case.model_dump_json()):
        for secret in ("PLANTED", "Doe", "Jane", "19010203", "Referrer"):
            assert secret not in text, secret
    assert b"PLANTED" not in img.png
    m = img.meta
    assert m.label == "image-1.dcm"
    assert (m.modality, m.body_part, m.view) == ("CT", "CHEST", "AP")
    assert m.study_description == "CT CHEST"  # the name inside the description is scrubbed
    assert m.series_description == "AXIAL 5mm"
    assert case.modality == "CT" and case.body_part == "CHEST"
    assert [i.meta.label for i in case.images] == ["image-1.dcm", "image-2.dcm"]


def test_labels_are_neutral(tmp_path):
    png = save(Image.fromarray(gradient()), tmp_path / "Smith_John_MRN42.png", "PNG")
    jpg = save(Image.fromarray(gradient()), tmp_path / "Smith_John_MRN42.jpg", "JPEG")
    images = load_study([png, jpg, dicom_file("MR_small.dcm")])
    assert [i.meta.label for i in images] == ["image-1.png", "image-2.jpg", "image-3.dcm"]
    assert "Smith" not in json.dumps([i.model_dump(mode="json") for i in images])


def test_error_messages_carry_no_phi_or_file_name(tmp_path):
    ds = pydicom.dcmread(planted_dicom(tmp_path))
    del ds.PixelData
    path = write_dicom(ds, tmp_path / "Doe_Jane-PLANTED.dcm")
    with pytest.raises(CorruptImageError) as err:
        load_image(path)
    assert "PLANTED" not in str(err.value) and "Doe" not in str(err.value)
    with pytest.raises(IngestError) as err:
        load_image(tmp_path / "Doe_Jane-PLANTED-missing.png")
    assert "PLANTED" not in str(err.value)
    assert "does not exist" in str(err.value)


def test_build_case_validation_error_is_a_case_error(tmp_path):
    with pytest.raises(CaseError) as err:
        build_case([dicom_file("CT_small.dcm")], notes="PLANTED " * 3000)
    assert "notes" in str(err.value) and "PLANTED" not in str(err.value)
    case = build_case(dicom_file("MR_small.dcm"), indication="headache", modality="MR")
    assert isinstance(case, Case) and len(case.images) == 1 and case.indication == "headache"


# --- bad inputs ------------------------------------------------------------------


def png_bytes(tmp_path: Path) -> bytes:
    return save(Image.fromarray(gradient(200, 150)), tmp_path / "ok.png", "PNG").read_bytes()


def jpeg_bytes(tmp_path: Path) -> bytes:
    rng = np.random.default_rng(1)
    arr = rng.integers(0, 255, (150, 200, 3), dtype=np.uint8)
    return save(Image.fromarray(arr), tmp_path / "ok.jpg", "JPEG").read_bytes()


def test_corrupt_png_data(tmp_path):
    data = bytearray(png_bytes(tmp_path))
    start = data.index(b"IDAT") + 4
    data[start + 2 : start + 40] = b"\xff" * 38  # keep the chunk layout, damage the compressed stream
    with pytest.raises(CorruptImageError) as err:
        load_image(bytes(data))
    assert_helpful(err.value, "PNG", "damaged")
    with pytest.raises(CorruptImageError):
        load_image(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)


@pytest.mark.parametrize("tolerant", [False, True])
def test_truncated_png_and_jpeg(tmp_path, monkeypatch, tolerant):
    # Even with Pillow's global tolerance switched on elsewhere, a truncated file is an error.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", tolerant)
    for data, name in ((png_bytes(tmp_path), "PNG"), (jpeg_bytes(tmp_path), "JPEG")):
        with pytest.raises(CorruptImageError) as err:
            load_image(data[: len(data) * 2 // 3])
        assert_helpful(err.value, name, "incomplete")
        with pytest.raises(CorruptImageError):
            load_image(data[:-2])  # just the end marker missing


def test_pillow_globals_untouched(tmp_path):
    before = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES)
    load_image(png_bytes(tmp_path))
    with pytest.raises(CorruptImageError):
        load_image(png_bytes(tmp_path)[:-100])
    assert (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES) == before == (89478485, False)


def test_truncated_dicom(tmp_path):
    data = Path(dicom_file("CT_small.dcm")).read_bytes()
    with pytest.raises(CorruptImageError) as err:  # cut inside the pixel data
        load_image(data[:20000])
    assert_helpful(err.value, "DICOM", "truncated")
    with pytest.raises(CorruptImageError) as err:  # cut inside the header
        load_image(data[:5000])
    assert_helpful(err.value, "DICOM", "pixel data is missing")
    with pytest.raises(CorruptImageError):  # pydicom's own truncated sample
        load_image(dicom_file("MR_truncated.dcm"))


def test_dicom_without_pixel_data(tmp_path):
    ds = pydicom.dcmread(dicom_file("CT_small.dcm"))
    del ds.PixelData
    with pytest.raises(CorruptImageError) as err:
        load_image(write_dicom(ds, tmp_path / "nopix.dcm"))
    assert_helpful(err.value, "DICOM", "pixel data is missing")
    with pytest.raises(CorruptImageError) as err:  # a DICOM that is not an image at all
        load_image(dicom_file("rtplan.dcm"))
    assert_helpful(err.value, "without image pixel data", "structured report")


def test_non_image_with_image_extension(tmp_path):
    path = tmp_path / "scan.png"
    path.write_text("this is a text file, not an image\n" * 10)
    with pytest.raises(UnsupportedFormatError) as err:
        load_image(path)
    assert_helpful(err.value, "not a PNG, JPEG or DICOM", "contents were checked")
    pdf = tmp_path / "xray.jpg"
    pdf.write_bytes(b"%PDF-1.7\n" + b"0" * 300)
    with pytest.raises(UnsupportedFormatError, match="PDF document"):
        load_image(pdf)
    gif = save(Image.fromarray(gradient()), tmp_path / "anim.dcm", "GIF")
    with pytest.raises(UnsupportedFormatError, match="GIF"):
        load_image(gif)
    # bytes that start like a raw DICOM data set but are not one
    with pytest.raises(UnsupportedFormatError):
        load_image(b"\x08\x00" + bytes(range(256)) * 4)
    assert detect_format(b"\x08\x00" + bytes(range(256)) * 4) is None
    assert detect_format(png_bytes(tmp_path)) == "png"


def test_empty_file(tmp_path):
    path = tmp_path / "empty.dcm"
    path.write_bytes(b"")
    with pytest.raises(UnsupportedFormatError) as err:
        load_image(path)
    assert_helpful(err.value, "empty", "0 bytes")
    with pytest.raises(UnsupportedFormatError, match="empty"):
        load_image(b"")


def _bomb_png(path: Path, side: int = 30000) -> Path:
    """A real, valid 1-bit PNG of side x side black pixels (~110 KB on disk)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed bits
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def test_decompression_bomb_rejected_before_decoding(tmp_path):
    bomb = _bomb_png(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 1_000_000
    t0 = time.perf_counter()
    with pytest.raises(ImageTooLargeError) as err:
        load_image(bomb)
    assert time.perf_counter() - t0 < 0.5  # header check only, nothing decoded
    assert_helpful(err.value, "30000 x 30000", "900.0 megapixels", "50.0 megapixels")
    # a JPEG whose header claims a huge size
    data = bytearray(jpeg_bytes(tmp_path))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 30000, 30000)
    with pytest.raises(ImageTooLargeError, match="30000 x 30000"):
        load_image(bytes(data))


def test_pixel_and_side_limits(tmp_path):
    png = save(Image.fromarray(gradient(200, 10)), tmp_path / "wide.png", "PNG")
    with pytest.raises(ImageTooLargeError, match="largest side allowed is 100"):
        load_image(png, limits=ImageLimits(max_side=100))
    with pytest.raises(ImageTooLargeError) as err:
        load_image(dicom_file("CT_small.dcm"), limits=ImageLimits(max_pixels=10_000))
    assert_helpful(err.value, "128 x 128")
    with pytest.raises(ImageTooLargeError, match="x 15 frames"):
        load_image(dicom_file("rtdose.dcm"), limits=ImageLimits(max_pixels=1_000))


def test_file_size_limit(tmp_path):
    data = png_bytes(tmp_path)
    small = ImageLimits(max_bytes=100)
    with pytest.raises(ImageTooLargeError) as err:
        load_image(tmp_path / "ok.png", limits=small)
    assert_helpful(err.value, "over the limit of 100 bytes")
    with pytest.raises(ImageTooLargeError):
        load_image(data, limits=small)
    with pytest.raises(ImageTooLargeError):
        load_image(io.BytesIO(data), limits=small)
    # checked with stat before reading: a sparse 100 MiB file is rejected at once
    huge = tmp_path / "huge.png"
    with huge.open("wb") as fh:
        fh.write(data[:64])
        fh.truncate(100 * 1024 * 1024)
    with pytest.raises(ImageTooLargeError, match="100.0 MiB, over the limit of 64.0 MiB"):
        load_image(huge)


def test_too_many_and_zero_images(tmp_path):
    paths = [tmp_path / f"missing-{i}.png" for i in range(5)]  # never read: the count is checked first
    with pytest.raises(TooManyImagesError) as err:
        load_study(paths)
    assert_helpful(err.value, "5 images", "at most 4", "Remove 1 image")
    with pytest.raises(TooManyImagesError) as err:
        load_study([])
    assert_helpful(err.value, "No image", "Add 1 to 4")
    with pytest.raises(TooManyImagesError):
        build_case([], notes="x")
    with pytest.raises(TooManyImagesError, match="at most 2"):
        load_study([dicom_file("CT_small.dcm")] * 3, limits=ImageLimits(max_images=2))


def test_limits_validate():
    with pytest.raises(ValueError, match="max_images"):
        ImageLimits(max_images=5)
    with pytest.raises(ValueError, match="max_bytes"):
        ImageLimits(max_bytes=0)
    assert ImageLimits() == ImageLimits(64 * 1024 * 1024, 50_000_000, 4, 20_000)


def test_study_of_mixed_formats(tmp_path):
    png = save(Image.fromarray(gradient()), tmp_path / "a.png", "PNG")
    images = load_study([png, dicom_file("CT_small.dcm"), Path(dicom_file("MR_small.dcm")).read_bytes()])
    assert [i.meta.format for i in images] == ["png", "dicom", "dicom"]
    assert all(isinstance(i, StudyImage) for i in images)


def test_damaged_inputs_only_raise_ingest_errors(tmp_path):
    """Cut or scribbled-on files fail with an IngestError subclass, never a library exception."""
    import random

    rng = random.Random(0)
    sources = {
        "png": png_bytes(tmp_path),
        "jpeg": jpeg_bytes(tmp_path),
        "ct": Path(dicom_file("CT_small.dcm")).read_bytes(),
        "rgb-rle": Path(dicom_file("SC_rgb_rle.dcm")).read_bytes(),
    }
    for name, data in sources.items():
        for i in range(40):
            damaged = bytearray(data)
            if i % 2:
                damaged = damaged[: rng.randrange(1, len(data))]
            else:
                for _ in range(rng.randrange(1, 10)):
                    damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            try:
                load_image(bytes(damaged))
            except IngestError:
                pass


def test_module_import_is_light():
    import subprocess
    import sys

    code = "import sys, pixtralogist.core.imaging; print(sorted({'torch', 'pydicom'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- a PNG's own pixel data kept, its metadata left out ------------------------------------


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos < len(png):
        length, ctype = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(ctype + body)
        out.append((ctype, body))
        pos += 12 + length
    return out


def _with_metadata(arr: np.ndarray, **kw) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Patient: DOE^JANE, MRN 12345678")
    info.add_itxt("Author", "Dr Example", zip=True)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG", pnginfo=info, dpi=(150, 150), **kw)
    return buf.getvalue()


@pytest.mark.parametrize("shape", [(300, 200), (120, 90, 3)])
def test_png_upload_keeps_its_pixel_data_and_drops_its_metadata(shape):
    rng = np.random.default_rng(3)
    arr = rng.integers(0, 255, shape, dtype=np.uint8)
    icc = b"fake-icc-profile-bytes"
    data = _with_metadata(arr, icc_profile=icc)
    img = load_image(data, index=1)
    assert np.array_equal(pixels(img), arr)
    kinds = [c for c, _ in _chunks(img.png)]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"iCCP" in kinds
    assert not {b"tEXt", b"iTXt", b"zTXt", b"pHYs", b"tIME", b"eXIf"} & set(kinds)
    assert b"DOE" not in img.png and b"12345678" not in img.png
    # the compressed pixel data is the upload's own (not re-encoded)
    idat = b"".join(body for c, body in _chunks(data) if c == b"IDAT")
    assert b"".join(body for c, body in _chunks(img.png) if c == b"IDAT") == idat
    assert Image.open(io.BytesIO(img.png)).info.get("icc_profile") == icc
    import hashlib

    assert img.meta.sha256 == hashlib.sha256(img.png).hexdigest() != img.identity.source_sha256


def test_png_upload_is_re_encoded_when_its_pixels_are_not_kept_as_stored():
    import hashlib

    rng = np.random.default_rng(4)
    arr = rng.integers(0, 255, (40, 60), dtype=np.uint8)
    bare = io.BytesIO()
    Image.fromarray(arr).save(bare, format="PNG")
    img = load_image(bare.getvalue())  # nothing to leave out: bytes must not equal the upload's
    assert img.png != bare.getvalue() and img.meta.sha256 != img.identity.source_sha256
    assert np.array_equal(pixels(img), arr)
    wide = _with_metadata(arr.astype(np.uint16) * 200)  # 16-bit grey: scaled to 8 bits, re-encoded
    assert _chunks(wide)[0][1][8] == 16
    out = load_image(wide)
    assert _chunks(out.png)[0][1][8] == 8 and b"DOE" not in out.png
    # interlaced (Pillow does not write them: the header says it) and animated PNGs are re-encoded too
    plain = _with_metadata(arr)
    ihdr = bytearray(plain)
    ihdr[28] = 1
    assert _png_without_metadata(bytes(ihdr)) is None
    animated = plain[:33] + struct.pack(">I", 8) + b"acTL" + bytes(8) + struct.pack(">I", zlib.crc32(b"acTL" + bytes(8))) + plain[33:]
    assert _png_without_metadata(animated) is None
    assert _png_without_metadata(plain) is not None
    # an EXIF orientation is applied, so the pixels are re-encoded turned
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG", exif=exif.tobytes())
    turned = load_image(buf.getvalue())
    assert pixels(turned).shape == (60, 40)
