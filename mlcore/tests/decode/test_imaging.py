import io

import numpy as np
import pytest
from PIL import Image

from mlcore.data.dataset import model_input_of_file
from mlcore.decode.pictures import to_model_input
from mlcore.decode.upload import Limits, decode_upload, to_grayscale
from mlcore.errors import ImageError


def decode_image(data: bytes, **options) -> Image.Image:
    """The decoded picture of an upload (what the model and the stored copies start from)."""
    return decode_upload(data, **options).image


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def gradient(width: int = 96, height: int = 72) -> np.ndarray:
    return np.tile(np.linspace(0, 255, width, dtype=np.uint8), (height, 1))


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "CMYK", "LA"])
def test_any_8_bit_mode_becomes_grayscale(mode):
    source = Image.fromarray(gradient(), mode="L").convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "PNG"

    image = decode_image(encode(source, fmt))

    assert image.mode == "L"
    assert image.size == (96, 72)
    row = np.asarray(image, dtype=int)[30]
    assert row[0] < 20 and row[-1] > 230


def test_16_bit_png_keeps_its_range_instead_of_clipping():
    pixels = (np.tile(np.linspace(0, 4095, 64), (64, 1))).astype(np.uint16)
    image = decode_image(encode(Image.fromarray(pixels)))

    assert image.mode == "L"
    values = np.asarray(image)
    assert values.min() == 0 and values.max() == 255
    assert len(np.unique(values)) > 50


def test_exif_orientation_is_applied():
    source = Image.fromarray(gradient(128, 64), mode="L")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    image = decode_image(encode(source, "JPEG", exif=exif.tobytes()))

    assert image.size == (64, 128)


def test_jpeg_draft_decodes_large_images_smaller_but_not_below_the_asked_size():
    big = Image.fromarray(np.tile(gradient(2000, 1), (1600, 1)), mode="L")
    image = decode_image(encode(big, "JPEG"), draft_size=224)

    assert 224 <= min(image.size) < 1600


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"GIF89a not really", "not a readable JPEG, PNG or DICOM"),
        (b"%PDF-1.4 hello", "not a readable JPEG, PNG or DICOM"),
    ],
)
def test_unreadable_bytes_raise_one_clear_error(data, message):
    with pytest.raises(ImageError, match=message):
        decode_image(data)


def test_other_formats_are_refused_by_name():
    with pytest.raises(ImageError, match="Unsupported image format GIF"):
        decode_image(encode(Image.fromarray(gradient(), mode="L"), "GIF"))


def test_truncated_png_is_refused():
    data = encode(
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200), dtype=np.uint8))
    )
    with pytest.raises(ImageError, match="damaged or truncated"):
        decode_image(data[: len(data) // 2])


def test_pixel_limit_and_minimum_size():
    with pytest.raises(ImageError, match="more than the limit"):
        decode_image(encode(Image.new("L", (300, 300))), limits=Limits(max_pixels=50_000))
    with pytest.raises(ImageError, match="at least"):
        decode_image(encode(Image.new("L", (10, 300))))


def test_absurd_aspect_ratio_is_refused():
    with pytest.raises(ImageError, match="times wider than high"):
        decode_image(encode(Image.new("L", (1000, 100))))


def test_animated_png_gives_its_first_frame_with_a_note():
    frames = [Image.new("L", (80, 80), value) for value in (200, 10, 10)]
    data = encode(frames[0], "PNG", save_all=True, append_images=frames[1:])

    decoded = decode_upload(data)

    assert np.asarray(decoded.image).mean() == 200
    assert decoded.notes == ["Animated image (3 frames): the first frame was used."]


def test_model_input_shape_range_and_equalisation():
    image = to_grayscale(Image.fromarray((gradient() // 4 + 60).astype(np.uint8), mode="L"))

    plain = to_model_input(image, 32)
    equalised = to_model_input(image, 32, equalize=True)

    assert plain.shape == (32, 32, 1) and plain.dtype == np.float32
    assert plain.min() >= 0.0 and plain.max() <= 1.0
    assert plain.max() < 0.6
    assert equalised.max() > 0.95 and equalised.min() < 0.05


def test_a_dataset_file_is_read_as_an_upload_then_prepared(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(encode(Image.fromarray(gradient(), mode="L")))

    expected = to_model_input(decode_image(path.read_bytes()), 16)
    assert np.array_equal(model_input_of_file(path, 16), expected)


def large_jpeg(exif: bytes = b"") -> bytes:
    """A 2000x1600 radiograph-like JPEG (stored lying on its side when ``exif`` says so)."""
    rows = np.linspace(30, 220, 1600)[:, np.newaxis]
    pixels = (rows + 25 * np.sin(np.arange(2000) / 37.0)).clip(0, 255).astype(np.uint8)
    return encode(Image.fromarray(pixels, mode="L"), "JPEG", quality=90, exif=exif)


@pytest.mark.parametrize("orientation", [1, 6, 3], ids=["upright", "quarter-turn", "half-turn"])
def test_the_models_picture_is_what_decoding_at_model_size_gives_from_one_decode(
    tmp_path, orientation
):
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "large.jpg"
    path.write_bytes(large_jpeg(exif.tobytes()))

    decoded = decode_upload(path.read_bytes(), draft_size=512, model_size=96)
    trained_on = decode_image(path.read_bytes(), draft_size=96)  # training's decode

    assert decoded.model_image.size == trained_on.size  # 250x200, upright
    difference = np.abs(np.asarray(decoded.model_image, int) - np.asarray(trained_on, int))
    assert difference.max() <= 2 and difference.mean() < 0.5  # gray levels of 255
    assert 512 <= min(decoded.image.size) < 1600  # the display copy's decode, larger
    model_input = to_model_input(decoded.model_image, 96)
    assert np.abs(model_input - model_input_of_file(path, 96)).max() <= 2 / 255


def test_a_png_or_a_jpeg_that_needs_no_reduction_gives_the_model_the_decoded_picture():
    png = encode(Image.fromarray(np.tile(gradient(1200, 1), (900, 1)), mode="L"), "PNG")
    small_jpeg = encode(Image.fromarray(gradient(180, 170), mode="L"), "JPEG")  # < 2 x 96

    for data in (png, small_jpeg):
        decoded = decode_upload(data, draft_size=512, model_size=96)
        assert decoded.model_image is decoded.image
