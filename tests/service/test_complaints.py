"""The complaint's parsing, pure: any text either is kept bounded and clean or refused naming /text; the page
token holds for its lot, that day and the next, and no other."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.chain.errors import MalformedError
from ginseng_trace.service.complaints import MAX_TEXT, Complaints, _clean_text


@given(st.one_of(st.text(max_size=700), st.integers(), st.none(), st.lists(st.text(max_size=3))))
def test_any_text_is_kept_bounded_and_clean_or_refused_naming_the_field(text: object) -> None:
    refused: list[str] = []
    try:
        kept = _clean_text(text)
    except MalformedError as exc:
        refused = [p.pointer for p in exc.problems]
    if refused:
        assert refused == ["/text"]
        return
    assert isinstance(text, str)
    assert len(kept) <= MAX_TEXT
    assert all(ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co") for ch in kept)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_page_token_holds_for_its_lot_that_day_and_the_next_only() -> None:
    clock = Clock()
    complaints = Complaints(None, clock=clock, key=b"k" * 32)  # type: ignore[arg-type]  # no store needed
    token = complaints.token("PK-1")
    assert complaints._token_holds("PK-1", token)
    assert not complaints._token_holds("PK-2", token)
    assert not complaints._token_holds("PK-1", None)
    clock.now += timedelta(days=1)
    assert complaints._token_holds("PK-1", token)
    clock.now += timedelta(days=1)
    assert not complaints._token_holds("PK-1", token)
    other = Complaints(None, clock=clock, key=b"j" * 32)  # type: ignore[arg-type]
    assert not other._token_holds("PK-1", complaints.token("PK-1"))


@pytest.mark.parametrize("category", [None, "", "fake", 3])
def test_an_unknown_category_is_refused_before_anything_is_read(category: object) -> None:
    complaints = Complaints(None, clock=Clock(), key=b"k" * 32)  # type: ignore[arg-type]
    with pytest.raises(MalformedError) as refused:
        complaints.submit("PK-1", category=category, text="", token=complaints.token("PK-1"))
    assert [p.pointer for p in refused.value.problems] == ["/category"]
