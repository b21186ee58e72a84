import pytest

from peerlearn_core.money import display, percent_of, rupees, to_paise


@pytest.mark.parametrize(
    ("paise", "shown"),
    [
        (0, "₹0.00"),
        (5, "₹0.05"),
        (49900, "₹499.00"),
        (107730, "₹1,077.30"),
        (12345678, "₹1,23,456.78"),
        (1234567800, "₹1,23,45,678.00"),
        (-2706, "-₹27.06"),
    ],
)
def test_display_uses_the_indian_grouping_the_pages_use(paise, shown):
    assert display(paise) == shown


def test_wire_format_stays_plain():
    assert rupees(107730) == "1077.30"
    assert to_paise("1077.30") == 107730
    assert percent_of(107730, 10) == 10773
