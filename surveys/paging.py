"""Long lists shown a page at a time, with the GOV.UK pagination component.

A round can hold 100,000 comments: listed on one page they made a 19 MB feature page. Staff
read them 50 at a time; the page number travels in the address (`?page=3`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

PER_PAGE = 50
NEIGHBOURS = 1  # page links either side of the current one, as the Design System shows them


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int  # 1-based
    pages: int
    total: int  # items on every page together
    per_page: int

    @property
    def first(self) -> int:
        """The 1-based position of the first item shown, for numbering and "showing 51 to 100"."""
        return (self.number - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1


def requested_page(raw: str | None) -> int:
    """The page asked for in the address; anything that is not a page number is page 1."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= 6:
        return max(1, int(raw))
    return 1


def page_of(items: Sequence[T], raw: str | None, per_page: int = PER_PAGE) -> Page[T]:
    """One page of the items. A page past the end (the list got shorter, after moderating
    the last comment on it, say) shows the last page instead of nothing."""
    pages = max(1, -(-len(items) // per_page))
    number = min(requested_page(raw), pages)
    start = (number - 1) * per_page
    return Page(items[start : start + per_page], number, pages, len(items), per_page)


def pagination(page: Page[Any], href: Callable[[int], str]) -> dict[str, Any] | None:
    """Parameters for govukPagination: first, last, and the current page's neighbours, with
    ellipses between; None when everything fits on one page."""
    if page.pages <= 1:
        return None
    shown = {1, page.pages} | set(
        range(max(1, page.number - NEIGHBOURS), min(page.pages, page.number + NEIGHBOURS) + 1)
    )
    items: list[dict[str, Any]] = []
    previous = 0
    for number in sorted(shown):
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page.number})
        previous = number
    params: dict[str, Any] = {"items": items}
    if page.number > 1:
        params["previous"] = {"href": href(page.number - 1)}
    if page.number < page.pages:
        params["next"] = {"href": href(page.number + 1)}
    return params
