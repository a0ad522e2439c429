"""libphonenumber's own example numbers must extract and normalise to the
same E.164: in international form with no region hint, and in national form
with the region as the hint."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from vigil.indicators import IndicatorExtractor, extract_indicators
from vigil.indicators.phones import check_region, find_phone_numbers

_TYPES = [
    value
    for name, value in vars(PhoneNumberType).items()
    if name.isupper() and isinstance(value, int) and name != "UNKNOWN"
]


def _phones(text: str, region: str | None = None) -> list[str]:
    return [h.value for h in extract_indicators(text, region=region, kinds=["phone"])]


def _example_numbers() -> list[tuple[str, phonenumbers.PhoneNumber]]:
    examples = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for number_type in _TYPES:
            number = phonenumbers.example_number_for_type(region, number_type)
            if number is not None:
                examples.append((region, number))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number is not None:
            examples.append(("001", number))
    return examples


def test_every_example_number_is_found_and_normalised() -> None:
    examples = _example_numbers()
    assert len(examples) > 1000
    failures = []
    international = national = 0
    for region, number in examples:
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        written = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
        if _phones(f"Call me on {written} after six.") == [e164]:
            international += 1
        else:
            failures.append(f"{region} {written}")
        if region == "001":
            continue  # non-geographic numbers have no national form
        written = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
        if _phones(f"Call me on {written} after six.", region) == [e164]:
            national += 1
        else:
            failures.append(f"{region} national {written}")
    geo = sum(1 for region, _ in examples if region != "001")
    print(
        f"\nVECTORS libphonenumber examples: international {international}/{len(examples)}, "
        f"national with region hint {national}/{geo}"
    )
    assert not failures, failures[:20]


def test_national_form_needs_a_region_hint() -> None:
    text = "Ring 020 7946 0018 tomorrow."
    assert _phones(text) == []
    assert _phones(text, "GB") == ["+442079460018"]
    assert _phones(text, "gb") == ["+442079460018"]


def test_phone_details_and_span() -> None:
    text = "WhatsApp: +49 1512 3456789."
    [hit] = extract_indicators(text, kinds=["phone"])
    assert hit.raw == "+49 1512 3456789" and text[hit.start : hit.end] == hit.raw
    assert hit.details["region"] == "DE"
    assert hit.details["number_type"] == "mobile"


def test_numbers_in_long_texts_are_all_found() -> None:
    line = "filler words without any digits at all, " * 3
    text = "\n".join(f"{line} +1 415 555 {2600 + i:04d}" for i in range(400))
    assert len(text) > 4096 * 10
    assert len(set(_phones(text))) == 400


def test_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown phone region"):
        check_region("XX")
    with pytest.raises(ValueError):
        IndicatorExtractor(region="Narnia")


_PIECES = ["+44 20 7946 0018", "+1 (415) 555-2671", "+49-30-901820", "＋86 10 6552 9988", "+",
           "ext. 12", " x99", "tel:", "(", ")", " ", "-", ".", "/", "\n", "abc", "€", "$", "7",
           "0049 30 901820", "+33 1 23 45 67 89", "+7 495 123-45-67"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)), max_size=20).map("".join))
def test_reading_around_plus_signs_finds_what_the_whole_text_gives(text: str) -> None:
    whole = [
        (m.start, m.end, phonenumbers.format_number(m.number, PhoneNumberFormat.E164))
        for m in phonenumbers.PhoneNumberMatcher(text, None, leniency=phonenumbers.Leniency.VALID)
    ]
    windows = [(h.start, h.end, h.e164) for h in find_phone_numbers(text)]
    assert windows == whole
