"""Plain value checks, global ids and cursors: no database."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strawberry.exceptions import StrawberryInputCoercionError

from domain import values
from domain.access.profiles import Profile
from domain.errors import DomainError, ErrorCode, Problems
from schema import ids
from schema.errors import QueryError
from schema.pagination import PAGE_DEFAULT, PageRequest, decode_cursor, encode_cursor
from schema.scalars import parse_decimal


def codes(problems: Problems) -> list[tuple[ErrorCode, tuple[str, ...]]]:
    return [(p.code, p.field) for p in problems.items]


# -- decimal ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity"])
def test_decimal_must_be_finite(raw: str) -> None:
    problems = Problems()
    assert values.decimal(problems, Decimal(raw), "target") is None
    assert codes(problems) == [(ErrorCode.NOT_FINITE, ("target",))]


@pytest.mark.parametrize("raw", ["0.00001", "-1.23456", "1E-5", "12345.000001", "1E-30"])
def test_decimal_has_at_most_four_places(raw: str) -> None:
    problems = Problems()
    assert values.decimal(problems, Decimal(raw), "value") is None
    assert codes(problems) == [(ErrorCode.TOO_PRECISE, ("value",))]


@pytest.mark.parametrize("raw", ["1.00000", "2.50000000", "0E-10", "-3.1000"])
def test_trailing_zeros_are_not_too_precise(raw: str) -> None:
    problems = Problems()
    assert values.decimal(problems, Decimal(raw), "value") == Decimal(raw)
    assert not problems


@pytest.mark.parametrize("raw", ["1E+16", "10000000000000000", "-10000000000000000", "1E+100", "-9.9E+20"])
def test_decimal_fits_sixteen_integer_digits(raw: str) -> None:
    problems = Problems()
    assert values.decimal(problems, Decimal(raw), "value") is None
    assert codes(problems) == [(ErrorCode.OUT_OF_RANGE, ("value",))]


@pytest.mark.parametrize("raw", ["9999999999999999.9999", "-9999999999999999.9999", "0", "-0", "1E+15"])
def test_largest_decimals_are_accepted(raw: str) -> None:
    problems = Problems()
    assert values.decimal(problems, Decimal(raw), "value") == Decimal(raw)
    assert not problems


@pytest.mark.parametrize(
    "raw", ["12345678901234567890123456.12345", "123456789012345678901234567890.123456789"]
)
def test_a_huge_over_precise_decimal_is_a_problem_not_a_crash(raw: str) -> None:
    problems = Problems()
    assert values.decimal(problems, Decimal(raw), "value") is None
    assert len(problems.items) == 1
    assert problems.items[0].code in (ErrorCode.TOO_PRECISE, ErrorCode.OUT_OF_RANGE)


def test_decimal_bounds_are_inclusive() -> None:
    low, high = Decimal(0), Decimal(100)
    for good in ("0", "100", "50.5", "0.0001", "99.9999"):
        problems = Problems()
        assert values.decimal(problems, Decimal(good), "share", minimum=low, maximum=high) == Decimal(good)
        assert not problems
    for bad, message in (("-0.0001", "at least 0"), ("100.0001", "at most 100"), ("-5", "at least 0")):
        problems = Problems()
        assert values.decimal(problems, Decimal(bad), "target_share", minimum=low, maximum=high) is None
        assert codes(problems) == [(ErrorCode.OUT_OF_RANGE, ("target_share",))]
        assert message in problems.items[0].message
        assert problems.items[0].message.startswith("Target share")


def test_no_decimal_is_fine() -> None:
    problems = Problems()
    assert values.decimal(problems, None, "baseline") is None
    assert not problems


@given(
    st.decimals(
        min_value=Decimal("-9999999999999999.9999"),
        max_value=Decimal("9999999999999999.9999"),
        places=4,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_every_numeric_20_4_value_is_accepted_unchanged(value: Decimal) -> None:
    problems = Problems()
    assert values.decimal(problems, value, "value") == value
    assert not problems


@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_decimal_never_raises_and_reports_at_most_one_problem(value: Decimal) -> None:
    problems = Problems()
    result = values.decimal(problems, value, "value")
    assert len(problems.items) <= 1
    assert (result is None) is (len(problems.items) == 1)


# -- text ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n "])
def test_name_must_not_be_blank(raw: str | None) -> None:
    problems = Problems()
    assert values.name(problems, raw, "name") == ""
    assert codes(problems) == [(ErrorCode.BLANK, ("name",))]
    assert problems.items[0].message == "Name must not be blank."


def test_name_is_trimmed_and_limited() -> None:
    problems = Problems()
    assert values.name(problems, "  Educate  ", "name") == "Educate"
    assert values.name(problems, "x" * 200, "name") == "x" * 200
    assert values.name(problems, " " + "x" * 200 + " ", "name") == "x" * 200
    assert not problems
    values.name(problems, "x" * 201, "name")
    assert codes(problems) == [(ErrorCode.TOO_LONG, ("name",))]
    problems = Problems()
    values.name(problems, "x" * 11, "title", limit=10)
    assert codes(problems) == [(ErrorCode.TOO_LONG, ("title",))]


def test_text_is_optional_and_limited() -> None:
    problems = Problems()
    assert values.text(problems, None, "brief") == ""
    assert values.text(problems, "  hello ", "brief") == "hello"
    assert values.text(problems, "x" * values.SHORT_TEXT_MAX, "brief") == "x" * values.SHORT_TEXT_MAX
    assert not problems
    values.text(problems, "x" * (values.SHORT_TEXT_MAX + 1), "brief")
    assert codes(problems) == [(ErrorCode.TOO_LONG, ("brief",))]


def test_texts_are_trimmed_deduplicated_and_limited() -> None:
    problems = Problems()
    assert values.texts(problems, [" a", "b ", "", "  ", "a", "c"], "interests") == ["a", "b", "c"]
    assert not problems
    values.texts(problems, ["ok", "x" * 201, "fine"], "interests")
    assert codes(problems) == [(ErrorCode.TOO_LONG, ("interests", "1"))]
    problems = Problems()
    assert values.texts(problems, ["x"] * 101, "locations") == []
    assert codes(problems) == [(ErrorCode.TOO_MANY, ("locations",))]


UNSTORABLE = ["a\x00b", "\x00", "x\ud800y", "\udfff", "\udc00\ud83d", " \x00 "]


@pytest.mark.parametrize("raw", UNSTORABLE)
def test_a_text_with_nul_or_half_a_surrogate_pair_is_invalid_text_and_nothing_else(raw: str) -> None:
    assert not values.storable(raw)
    for check in (values.name, values.text, values.url):
        problems = Problems()
        check(problems, raw + "x" * 30_000, "brief")  # too long as well: one problem, INVALID_TEXT
        assert codes(problems) == [(ErrorCode.INVALID_TEXT, ("brief",))], check
        assert problems.items[0].message == (
            "Brief holds a character that cannot be stored: a NUL character or half of a surrogate pair."
        )
    problems = Problems()
    assert values.texts(problems, ["ok", raw, "fine", raw], "interests") == ["ok", "fine"]
    assert codes(problems) == [
        (ErrorCode.INVALID_TEXT, ("interests", "1")),
        (ErrorCode.INVALID_TEXT, ("interests", "3")),
    ]


@pytest.mark.parametrize(
    "raw", ["مرحبا", "שלום", "e\u0301", "👩‍👩‍👧‍👦", "𝄞\U0010ffff", "\ufeff\u200b", "\x01\x7f", "\ud7ff\ue000"]
)
def test_any_other_text_is_storable(raw: str) -> None:
    assert values.storable(raw)
    problems = Problems()
    assert values.name(problems, f" {raw} ", "name") == raw
    assert not problems


@given(st.text())
def test_storable_is_what_utf8_and_postgresql_take(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        encodable = False
    else:
        encodable = True
    assert values.storable(text) == (encodable and "\x00" not in text)


@given(st.text(st.characters(codec=None, categories=["Cs"]), min_size=1))
def test_no_lone_surrogate_is_storable(text: str) -> None:
    assert not values.storable(text)


# -- decimal text ----------------------------------------------------------------------------------

WRITTEN = [
    ("0", "0"),
    ("-12.5", "-12.5"),
    ("+3", "3"),
    (".5", "0.5"),
    ("5.", "5"),
    ("1.5E+3", "1500"),
    ("2e-2", "0.02"),
    ("007", "7"),
    ("NaN", "NaN"),
    ("Infinity", "Infinity"),
    ("-inf", "-Infinity"),
]


@pytest.mark.parametrize(("written", "read"), WRITTEN)
def test_a_decimal_is_read_as_written_in_ascii(written: str, read: str) -> None:
    decimal = values.decimal_of(written)
    assert decimal is not None
    assert str(decimal) == read or decimal == Decimal(read)


@pytest.mark.parametrize(
    "written",
    [
        "١٢٣",
        "１２",
        "४२",
        "1٫5",
        "٣.٥",
        " 12",
        "12 ",
        "1_000",
        "1,5",
        "sNaN",
        "0x10",
        "",
        ".",
        "e5",
        "1e",
        "--1",
    ],
)
def test_a_decimal_of_other_digits_or_separators_is_no_decimal(written: str) -> None:
    assert values.decimal_of(written) is None


@given(st.text(max_size=12))
def test_what_decimal_of_reads_is_ascii_and_what_decimal_reads(text: str) -> None:
    read = values.decimal_of(text)
    if read is not None:
        assert text.isascii()
        assert read.compare_total(Decimal(text)) == 0 or (read.is_nan() and Decimal(text).is_nan())


@pytest.mark.parametrize(
    ("given_value", "read"),
    [(42, "42"), (2.5, "2.5"), (0.1, "0.1"), ("1.5E+3", "1.5E+3"), (1e400, "Infinity")],
)
def test_the_decimal_scalar_reads_json_numbers_and_ascii_strings(given_value: object, read: str) -> None:
    assert str(parse_decimal(given_value)) == read


@pytest.mark.parametrize("given_value", ["١٢٣", " 1", True, None, [1], {"n": 1}])
def test_the_decimal_scalar_refuses_anything_else_saying_what_it_reads(given_value: object) -> None:
    with pytest.raises(StrawberryInputCoercionError) as caught:
        parse_decimal(given_value)
    assert "Value cannot represent a Decimal" in str(caught.value)
    assert "ASCII digits" in str(caught.value)


def test_the_decimal_scalar_shows_a_long_value_cut_short() -> None:
    with pytest.raises(StrawberryInputCoercionError) as caught:
        parse_decimal("١" * 10_000)
    assert len(str(caught.value)) < 300


# -- url -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_no_url_is_none(raw: str | None) -> None:
    problems = Problems()
    assert values.url(problems, raw, "url") is None
    assert not problems


@pytest.mark.parametrize(
    "raw",
    ["https://example.com", "http://example.com/a?b=c#d", "  https://x.io/path  ", "HTTPS://EXAMPLE.COM"],
)
def test_good_urls(raw: str) -> None:
    problems = Problems()
    result = values.url(problems, raw, "url")
    assert result == raw.strip()
    assert not problems


@pytest.mark.parametrize(
    "raw",
    ["example.com", "ftp://example.com", "javascript:alert(1)", "https://", "//example.com", "mailto:a@b.c"],
)
def test_bad_urls(raw: str) -> None:
    problems = Problems()
    assert values.url(problems, raw, "url") is None
    assert codes(problems) == [(ErrorCode.INVALID_URL, ("url",))]


def test_url_length() -> None:
    problems = Problems()
    base = "https://example.com/"
    ok = base + "x" * (values.URL_MAX - len(base))
    assert values.url(problems, ok, "url") == ok
    assert not problems
    assert values.url(problems, ok + "x", "url") is None
    assert codes(problems) == [(ErrorCode.TOO_LONG, ("url",))]


# -- dates -----------------------------------------------------------------------------------------


def test_date_range_is_inclusive() -> None:
    problems = Problems()
    for good in (values.EARLIEST_DATE, values.LATEST_DATE, dt.date(2030, 6, 15)):
        assert values.date(problems, good, "deadline") == good
    assert values.date(problems, None, "deadline") is None
    assert not problems
    for bad in (dt.date(1989, 12, 31), dt.date(2200, 1, 1), dt.date(1, 1, 1), dt.date(9999, 12, 31)):
        problems = Problems()
        assert values.date(problems, bad, "deadline") is None
        assert codes(problems) == [(ErrorCode.OUT_OF_RANGE, ("deadline",))]


def test_moment_takes_naive_times_as_utc() -> None:
    problems = Problems()
    naive = dt.datetime(2030, 1, 2, 3, 4, 5)
    assert values.moment(problems, naive, "planned_at") == naive.replace(tzinfo=dt.UTC)
    aware = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    result = values.moment(problems, aware, "planned_at")
    assert result == aware
    assert result is not None
    assert result.utcoffset() == dt.timedelta(hours=2)
    assert values.moment(problems, None, "planned_at") is None
    assert not problems
    assert values.moment(problems, dt.datetime(2500, 1, 1, tzinfo=dt.UTC), "planned_at") is None
    assert codes(problems) == [(ErrorCode.OUT_OF_RANGE, ("planned_at",))]


# -- global ids ------------------------------------------------------------------------------------

TYPE_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,30}", fullmatch=True)


@given(type_name=TYPE_NAMES, id_=st.uuids())
def test_global_ids_round_trip(type_name: str, id_: uuid.UUID) -> None:
    global_id = ids.encode(type_name, id_)
    assert "=" not in global_id
    assert ids.parse(global_id) == (type_name, id_)
    assert ids.decode(global_id, type_name) == id_
    assert ids.decode_optional(global_id, type_name) == id_


@given(text=st.text(max_size=300))
def test_parse_never_raises(text: str) -> None:
    parsed = ids.parse(text)
    assert parsed is None or isinstance(parsed[1], uuid.UUID)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "garbage",
        "!!!",
        "é",
        base64.urlsafe_b64encode(b"Strategy").decode(),
        base64.urlsafe_b64encode(b"Strategy:not-a-uuid").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe:x").decode(),
        ids.encode("Strategy", uuid.uuid4()) + "A" * 200,
    ],
)
def test_malformed_ids_are_refused(bad: str) -> None:
    assert ids.parse(bad) is None
    with pytest.raises(DomainError) as caught:
        ids.decode(bad, "Strategy", "strategy_id")
    (problem,) = caught.value.problems
    assert problem.code is ErrorCode.INVALID_ID
    assert problem.field == ("strategy_id",)


def test_an_id_of_another_type_is_refused() -> None:
    kpi = ids.encode("Kpi", uuid.uuid4())
    with pytest.raises(DomainError) as caught:
        ids.decode(kpi, "Tactic", "tactic_id")
    (problem,) = caught.value.problems
    assert problem.code is ErrorCode.INVALID_ID
    assert problem.field == ("tactic_id",)
    assert "Tactic" in problem.message
    assert "Kpi" in problem.message


def test_decode_many_reports_every_bad_id_with_its_position() -> None:
    good = [ids.encode("Kpi", uuid.uuid4()) for _ in range(2)]
    assert ids.decode_many(good, "Kpi", "kpi_ids") == [ids.parse(g)[1] for g in good]  # type: ignore[index]
    with pytest.raises(DomainError) as caught:
        ids.decode_many([good[0], "bad", good[1], ids.encode("Tactic", uuid.uuid4())], "Kpi", "kpi_ids")
    assert [(p.code, p.field) for p in caught.value.problems] == [
        (ErrorCode.INVALID_ID, ("kpi_ids", "1")),
        (ErrorCode.INVALID_ID, ("kpi_ids", "3")),
    ]
    assert ids.decode_optional(None, "Kpi") is None


# -- cursors ---------------------------------------------------------------------------------------

CURSOR_VALUES = st.one_of(
    st.datetimes(timezones=st.just(dt.UTC)),
    st.datetimes(timezones=st.sampled_from([dt.timezone(dt.timedelta(hours=h)) for h in (-8, 0, 2, 5)])),
    st.datetimes(),
    st.dates(),
    st.uuids(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.integers(min_value=-(2**53), max_value=2**53),
)


@given(st.lists(CURSOR_VALUES, min_size=1, max_size=4))
def test_cursors_round_trip(items: list[Any]) -> None:
    cursor = encode_cursor(items)
    assert "=" not in cursor
    decoded = decode_cursor(cursor)
    assert decoded == tuple(items)
    assert [type(v) for v in decoded] == [type(v) for v in items]
    for got, want in zip(decoded, items, strict=True):
        if isinstance(want, dt.datetime):
            assert got.utcoffset() == want.utcoffset()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "garbage!",
        "é",
        _b64(b"\xff\xfe"),
        _b64(b"not json"),
        _b64(b"[]"),
        _b64(b"{}"),
        _b64(b"null"),
        _b64(b"[1.5]"),
        _b64(b"[null]"),
        _b64(b"[[1]]"),
        _b64(b'[{"t": "x"}]'),
        _b64(b'[{"d": "2020-13-01"}]'),
        _b64(b'[{"u": "nope"}]'),
        _b64(b'[{"t": 1}]'),
        _b64(b'[{"z": "1"}]'),
        _b64(b'[{"t": "2020-01-01", "u": "x"}]'),
        _b64(b'[{"n": "not a number"}]'),
        encode_cursor([1]) * 300,
    ],
)
def test_garbage_cursors_are_bad_cursor(bad: str) -> None:
    with pytest.raises(QueryError) as caught:
        decode_cursor(bad)
    assert caught.value.extensions == {"code": "BAD_CURSOR"}


@pytest.mark.parametrize("time", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"])
def test_a_cursor_time_that_overflows_in_utc_is_bad_cursor(time: str) -> None:
    bad = _b64(json.dumps([{"t": time}, {"u": str(uuid.uuid4())}]).encode())
    with pytest.raises(QueryError) as caught:
        decode_cursor(bad)
    assert caught.value.extensions == {"code": "BAD_CURSOR"}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["t", "d", "u", "n", "x"]), inner, max_size=2)
    ),
    max_leaves=8,
)


@given(
    st.lists(JSON | st.dictionaries(st.sampled_from(["t", "d", "u", "n"]), st.text(), min_size=1), max_size=3)
)
def test_decoding_any_json_gives_values_or_bad_cursor(raw: list[Any]) -> None:
    cursor = _b64(json.dumps(raw).encode())
    try:
        decoded = decode_cursor(cursor)
    except QueryError as error:
        extensions = error.extensions
        decoded = None
    else:
        extensions = None
    if decoded is None:
        assert extensions == {"code": "BAD_CURSOR"}
    else:
        assert len(decoded) == len(raw) >= 1


@given(st.text(max_size=200))
def test_decoding_any_text_gives_values_or_bad_cursor(text: str) -> None:
    extensions = None
    try:
        decode_cursor(text)
    except QueryError as error:
        extensions = error.extensions
    assert extensions in (None, {"code": "BAD_CURSOR"})


def test_page_requests() -> None:
    assert PageRequest.of() == PageRequest(PAGE_DEFAULT, True, None)
    assert PageRequest.of(first=0) == PageRequest(0, True, None)
    assert PageRequest.of(last=100) == PageRequest(100, False, None)
    cursor = encode_cursor([dt.date(2030, 1, 1), uuid.UUID(int=1)])
    assert PageRequest.of(first=3, after=cursor).cursor == (dt.date(2030, 1, 1), uuid.UUID(int=1))
    assert PageRequest.of(before=cursor) == PageRequest(
        PAGE_DEFAULT, False, (dt.date(2030, 1, 1), uuid.UUID(int=1))
    )
    for bad in (
        {"first": 101},
        {"last": 101},
        {"first": -1},
        {"first": 1, "last": 1},
        {"after": cursor, "before": cursor},
        {"first": 1, "before": cursor},
        {"last": 1, "after": cursor},
    ):
        with pytest.raises(QueryError) as caught:
            PageRequest.of(**bad)
        assert caught.value.extensions == {"code": "BAD_PAGINATION"}, bad


# -- profiles --------------------------------------------------------------------------------------


def test_a_sign_in_claim_no_text_can_hold_counts_as_left_out() -> None:
    assert Profile.from_claims("Ann\x00", "ann@example.com") == Profile(None, "ann@example.com")
    assert Profile.from_claims("Ann", "a\ud800@example.com") == Profile("Ann", None)
    assert Profile.from_claims(" Åse Ørsted ", 7) == Profile("Åse Ørsted", None)
