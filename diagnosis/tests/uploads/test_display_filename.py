import pytest

from diagnosis.services import display_filename


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("chest.png", "chest.png"),
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\x\\scan 1.jpg", "scan 1.jpg"),
        ("bad\x00name\x1f.png", "badname.png"),
        ("röntgen-画像.png", "röntgen-画像.png"),
        ("", "upload"),
        (None, "upload"),
        ("///", "upload"),
    ],
)
def test_display_filename_is_safe(raw, shown):
    assert display_filename(raw) == shown


def test_long_names_are_cut_keeping_the_extension():
    shown = display_filename("a" * 10_000 + ".jpeg")

    assert len(shown) <= 255
    assert shown.endswith(".jpeg")
