"""A report typeset in parts, side by side, and put together as one PDF.

WeasyPrint lays out and draws a document in one thread of Python: the demo round's report
took about 2 s as one document on a 2-core machine, with one core idle. Every chapter of
the report starts on a new page, so chapters can be typeset apart without changing a line
of them: the body in two halves, each in a process of its own (two per web process, kept
once started), then the cover and contents, which need the halves' page numbers. pikepdf
(qpdf) joins the parts, and makes afresh what spans them: the page numbers, the contents'
links, the named places that links point to, and the bookmarks.

Page numbers are not typeset with the parts, since the second half's cannot be known until
the first is done. Each page but the cover gets its number from a sheet of numbered blank
pages, typeset once per process and laid over the page.
"""

from __future__ import annotations

import contextlib
import functools
import io
import multiprocessing
import signal
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pikepdf

from .typesetting import Typeset, typeset

Document = tuple[str, dict[str, bytes]]  # an HTML document and the charts it shows

_pool_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def _processes(size: int) -> ProcessPoolExecutor:
    """The typesetting processes, started on first use and kept: starting one (importing
    WeasyPrint, loading fonts) takes longer than typesetting half a report."""
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size != size:
            if _pool is not None:
                _pool.shutdown(wait=False)
            # 'spawn': a web worker has threads, and forking a threaded process is unsafe.
            _pool = ProcessPoolExecutor(
                size,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_leave_interrupts_to_the_parent,
            )
            _pool_size = size
        return _pool


def _leave_interrupts_to_the_parent() -> None:
    """Ctrl+C reaches every process in the terminal's group: the parent decides what an
    interrupt means (and stops these), so each of these does not print a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Processes started in here begin with Ctrl+C blocked (a signal mask is inherited),
    so one pressed while they are still starting Python, before the initializer above has
    run, cannot make them print a traceback either. Here it waits, then reaches us."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _submit(
    pool: ProcessPoolExecutor, html: str, static: str, charts: dict[str, bytes]
) -> Future[Typeset]:
    with _interrupts_held():  # a submit may start a process
        return pool.submit(typeset, html, static, charts)


def stop_processes(*, interrupted: bool = False) -> None:
    """End the typesetting processes: a command is done with them, or was interrupted (then
    at once, not after the half they are typesetting). Started afresh if needed again."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is None:
        return
    if interrupted:
        for process in list((pool._processes or {}).values()):  # no public way to stop them now
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False)


def typeset_side_by_side(
    documents: Iterable[Document], static: str, processes: int
) -> list[Typeset]:
    """Each document typeset in another process, at most `processes` at once, starting as
    soon as it is made (so the first is typeset while the next is still being written);
    with 1, in turn in this one."""
    if processes < 2:
        return [typeset(html, static, charts) for html, charts in documents]
    pool = _processes(processes)
    sent: list[Document] = []
    try:
        futures = []
        for html, charts in documents:
            sent.append((html, charts))
            futures.append(_submit(pool, html, static, charts))
        return [future.result() for future in futures]
    except BrokenProcessPool:
        # A typesetting process died (stopped for lack of memory, say). Typeset the report
        # again in new ones; if those die too, the download fails with an error page. Not
        # here, where the same trouble would take down a web worker and its other requests.
        _discard(pool)
        pool = _processes(processes)
        again = [_submit(pool, html, static, charts) for html, charts in [*sent, *documents]]
        return [future.result() for future in again]


NUMBERS_SHEET = (
    '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Page numbers</title>'
    '</head><body class="page-numbers">{}</body></html>'
)


@functools.lru_cache(maxsize=4)
def _numbers_sheet(static: str, pages: int) -> bytes:
    return typeset(NUMBERS_SHEET.format('<div class="sheet"></div>' * pages), static).pdf


def numbers_sheet(static: str, pages: int) -> bytes:
    """Blank pages numbered 1, 2, 3... in the report's footer style (page-numbers in
    report.css), at least `pages` of them. Made in fifties, so one sheet serves most
    reports."""
    return _numbers_sheet(static, -(-pages // 50) * 50)


def assemble(documents: list[Typeset], numbers: bytes) -> bytes:
    """The documents' pages in order as one PDF, its metadata that of the first (whose
    first page is the cover), every later page numbered from `numbers`."""
    # qpdf copies a page's content from its source when the whole is saved, so every
    # source stays open until then.
    with contextlib.ExitStack() as opened:
        first, *rest = documents
        whole = opened.enter_context(pikepdf.open(io.BytesIO(first.pdf)))
        sources, offsets = [whole], [0]
        for part in rest:
            source = opened.enter_context(pikepdf.open(io.BytesIO(part.pdf)))
            offsets.append(len(whole.pages))
            whole.pages.extend(source.pages)
            sources.append(source)

        bookmarks: list[pikepdf.OutlineItem] = []
        places = pikepdf.NameTree.new(whole)
        for source, offset in zip(sources, offsets, strict=True):
            index = {page.obj.objgen: offset + i for i, page in enumerate(source.pages)}
            bookmarks += _bookmarks(source, index, whole)
            _copy_places(source, index, whole, places)
        for document, offset in zip(documents, offsets, strict=True):
            for link in document.links_elsewhere:
                if link.target in places:  # WeasyPrint, too, leaves out a link to nowhere
                    page = whole.pages[offset + link.page]
                    _add_link(page, link.target, link.rectangle, whole)
        if "/Names" not in whole.Root:
            whole.Root.Names = pikepdf.Dictionary()
        whole.Root.Names.Dests = places.obj
        with whole.open_outline() as outline:
            outline.root[:] = bookmarks

        sheet = opened.enter_context(pikepdf.open(io.BytesIO(numbers)))
        for number in range(1, len(whole.pages)):  # every page but the cover
            page = whole.pages[number]
            page.add_overlay(sheet.pages[number], pikepdf.Rectangle(page.mediabox))
        out = io.BytesIO()
        whole.save(out)
    return out.getvalue()


def _destination(
    target: Any, index: dict[tuple[int, int], int], whole: pikepdf.Pdf
) -> pikepdf.Array | None:
    """A place [page, /XYZ, x, y, zoom] in a source, as the same place in the whole."""
    if not isinstance(target, pikepdf.Array) or len(target) < 1:
        return None
    page = index.get(target[0].objgen)
    if page is None:
        return None
    return pikepdf.Array([whole.pages[page].obj, *list(target)[1:]])


def _copy_places(
    source: pikepdf.Pdf,
    index: dict[tuple[int, int], int],
    whole: pikepdf.Pdf,
    places: pikepdf.NameTree,
) -> None:
    names = source.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return
    for name, target in pikepdf.NameTree(names.Dests).items():
        destination = _destination(target, index, whole)
        if destination is not None and name not in places:
            places[name] = destination


def _bookmarks(
    source: pikepdf.Pdf, index: dict[tuple[int, int], int], whole: pikepdf.Pdf
) -> list[pikepdf.OutlineItem]:
    def copy(item: pikepdf.OutlineItem) -> pikepdf.OutlineItem:
        destination = _destination(item.destination, index, whole)
        new = pikepdf.OutlineItem(item.title, destination)
        new.is_closed = item.is_closed
        new.children.extend(copy(child) for child in item.children)
        return new

    with source.open_outline() as outline:
        return [copy(item) for item in outline.root]


def _add_link(
    page: pikepdf.Page,
    target: str,
    rectangle: tuple[float, float, float, float],
    whole: pikepdf.Pdf,
) -> None:
    annotation = whole.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=pikepdf.Array(rectangle),
            BS=pikepdf.Dictionary(W=0),
            Dest=pikepdf.String(target),
        )
    )
    if "/Annots" not in page.obj:
        page.obj.Annots = pikepdf.Array()
    page.obj.Annots.append(annotation)
