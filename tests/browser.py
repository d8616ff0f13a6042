"""Browser tests of the built HTML products: Debian's chromium driven by Playwright.

No mocks: a built site directory is served over real HTTP (`serve_dir`), opened in a real
browser, and checked the way a reader meets it (`check_page`, `crawl`): the page loads without
console errors, its links and fragment links resolve, axe-core finds no serious or critical
WCAG violation, every image has a text alternative and every chart has a data table.

Playwright never downloads a browser here: it launches the executable `chromium_path` names.

The fixtures are registered by importing them, under names that do not shadow the fixtures
(ruff's F811), e.g. in tests/conftest.py::

    from browser import browser_fixture, page_fixture  # noqa: F401  (registers them)

and tests then ask for `browser` or `page`. A test module may import them too: every
registration shares one chromium (Playwright's sync API allows only one driver at a time).
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

DEFAULT_CHROMIUM = "/usr/bin/chromium"

# The standard the products promise (docs/sources.md, "Accessibility": WCAG 2.2 AA);
# best-practice rules are not a conformance failure, so they are left out rather than half-counted.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
FAILING_IMPACTS = frozenset({"serious", "critical"})

# A site that links to more pages than this is more likely a crawler loop than a real product.
MAX_PAGES = 500

# Playwright's default of 30 s makes a broken page slow to report; the sites are local.
TIMEOUT_MS = 15_000


def chromium_path() -> str:
    """The chromium executable to drive: $SVDUTY_CHROMIUM, else Debian's /usr/bin/chromium.

    Fails the test (never skips it) when there is none, so CI cannot pass by not looking.
    """
    path = os.environ.get("SVDUTY_CHROMIUM") or DEFAULT_CHROMIUM
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        source = "SVDUTY_CHROMIUM" if os.environ.get("SVDUTY_CHROMIUM") else "the default"
        pytest.fail(
            f"no chromium executable at {path} ({source}): the browser tests need Debian's "
            "chromium. Install it with `sudo apt-get install -y chromium` (.ci/run does), or "
            "point SVDUTY_CHROMIUM at a chromium executable. Playwright's own browser download "
            "is not used.",
            pytrace=False,
        )
    return path


class _SharedChromium:
    """One Playwright driver and one chromium, however many modules register the fixture.

    Each module that imports `browser_fixture` gets its own session fixture, but Playwright's
    sync API allows one driver at a time; so they share this one, closed when the last is done.
    """

    def __init__(self) -> None:
        self._users = 0
        self._playwright = None
        self._browser: Browser | None = None

    def acquire(self) -> Browser:
        if self._browser is None:
            executable = chromium_path()
            # chromium's sandbox refuses to start as root, which is how CI containers run
            args = ["--no-sandbox"] if os.geteuid() == 0 else []
            self._playwright = sync_playwright().start()
            try:
                self._browser = self._playwright.chromium.launch(
                    executable_path=executable, headless=True, args=args
                )
            except BaseException:
                self._playwright.stop()
                self._playwright = None
                raise
        self._users += 1
        return self._browser

    def release(self) -> None:
        self._users -= 1
        if self._users == 0 and self._browser is not None:
            self._browser.close()
            self._playwright.stop()
            self._browser = self._playwright = None


_CHROMIUM = _SharedChromium()


@contextmanager
def chromium_for_django() -> Iterator[Browser]:
    """The kit's shared chromium, held by the caller (a module's fixture) and let go when done,
    with Django told that the asyncio loop Playwright's sync API runs in this thread is not one
    Django code runs in.

    While a Playwright driver is up, an event loop runs in the main thread, and Django refuses
    every database call from a thread with a running loop (SynchronousOnlyOperation). The
    portal's code is all synchronous, so the check is lifted while the browser is up; the kit's
    session-scoped `browser` would keep the loop (and so the need) for the rest of the session.
    """
    unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield _CHROMIUM.acquire()
    finally:
        _CHROMIUM.release()
        if unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = unsafe


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Browser]:
    """One headless chromium per test module (launching costs about a second).

    Not per session: Playwright's sync API keeps an asyncio loop running in the thread while its
    driver is up, and Django then refuses every database call from that thread as coming from
    "an async context" (SynchronousOnlyOperation). Under pytest-xdist a worker runs the portal's
    tests after a browser module, so the driver must stop when the module ends."""
    browser = _CHROMIUM.acquire()
    try:
        yield browser
    finally:
        _CHROMIUM.release()


@pytest.fixture(name="page")
def page_fixture(browser: Browser) -> Iterator[Page]:
    """A fresh browser context and page for one test: no cookies or storage carried over."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


# --- serving a built site ----------------------------------------------------------------------


class _StaticHandler(SimpleHTTPRequestHandler):
    """Files only, as a static host serves them: no directory listings, no request log."""

    def list_directory(self, path):
        # A listing would answer 200 for a link that a real static host answers 404.
        self.send_error(404, "No index.html in this directory")
        return None

    def log_message(self, format, *args):
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # the browser drops connections it no longer needs; that is not a server fault
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@contextmanager
def serve_dir(path: str | os.PathLike) -> Iterator[str]:
    """Serve a built site directory over HTTP on 127.0.0.1; yield its base URL (ends in /)."""
    root = Path(path).resolve()
    if not root.is_dir():
        raise FileNotFoundError(
            f"cannot serve {root}: it is not a directory (build the site first)"
        )
    handler = functools.partial(_StaticHandler, directory=str(root))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name=f"serve {root.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- what a page check finds -------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """One axe-core rule broken on a page, with the elements that break it."""

    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"axe {self.rule} ({self.impact}): {self.help} at {', '.join(self.targets)}"


@dataclass(frozen=True)
class BrokenLink:
    """A link on a page that does not lead where it says."""

    href: str
    reason: str

    def __str__(self) -> str:
        return f"broken link {self.href!r}: {self.reason}"


@dataclass
class PageReport:
    """Everything `check_page` found on one page; empty lists mean nothing wrong."""

    url: str
    status: int | None
    console_errors: list[str] = field(default_factory=list)
    broken_links: list[BrokenLink] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    missing_alternatives: list[str] = field(default_factory=list)
    chart_problems: list[str] = field(default_factory=list)
    # same-origin HTML pages this page links to (fragment removed): what `crawl` follows
    pages: list[str] = field(default_factory=list)
    # other origins and schemes (https elsewhere, mailto:): listed, not fetched
    external_links: list[str] = field(default_factory=list)

    def accessibility_problems(self) -> list[str]:
        """axe violations, images without a text alternative and incomplete charts."""
        return (
            [str(v) for v in self.violations]
            + [f"no text alternative: {m}" for m in self.missing_alternatives]
            + self.chart_problems
        )

    def problems(self) -> list[str]:
        """Every problem on the page, one readable line each."""
        loaded = [] if self.status == 200 else [f"page answered HTTP {self.status}, not 200"]
        return (
            loaded
            + [f"console error: {e}" for e in self.console_errors]
            + [str(b) for b in self.broken_links]
            + self.accessibility_problems()
        )


def _as_list(reports: PageReport | Iterable[PageReport]) -> list[PageReport]:
    return [reports] if isinstance(reports, PageReport) else list(reports)


def _raise_listing(reports: list[PageReport], kind: str, problems_of) -> None:
    lines = [f"{r.url}\n  - " + "\n  - ".join(problems_of(r)) for r in reports if problems_of(r)]
    if lines:
        raise AssertionError(f"{kind} on {len(lines)} page(s):\n" + "\n".join(lines))


def assert_accessible(reports: PageReport | Iterable[PageReport]) -> None:
    """Raise AssertionError listing, page by page, every accessibility problem found."""
    _raise_listing(_as_list(reports), "accessibility problems", PageReport.accessibility_problems)


def assert_clean(reports: PageReport | Iterable[PageReport]) -> None:
    """Raise AssertionError listing every problem: loading, console, links and accessibility."""
    _raise_listing(_as_list(reports), "problems", PageReport.problems)


# --- checking a page ---------------------------------------------------------------------------

# Runs in the page. Graphics are img, svg and [role=img]; one inside another is part of it (an
# image's children are presentational), so only the outermost is judged. A graphic is decorative
# when it says so (aria-hidden, role none/presentation, alt=""), which is allowed except in a
# chart: a chart always needs words.
_INSPECT = """() => {
  const GRAPHIC = 'img, svg, [role="img"]';
  const text = (el) => (el ? el.textContent.replace(/\\s+/g, ' ').trim() : '');
  const nameOf = (el) => {
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    const labelled = ids.map((id) => text(document.getElementById(id))).join(' ').trim();
    if (labelled) return labelled;
    const label = (el.getAttribute('aria-label') || '').trim();
    if (label) return label;
    if (el.localName === 'img') return (el.getAttribute('alt') || '').trim();
    if (el.localName === 'svg') return text(el.querySelector(':scope > title'));
    return '';
  };
  const decorative = (el) =>
    el.closest('[aria-hidden="true"]') !== null ||
    ['none', 'presentation'].includes((el.getAttribute('role') || '').trim()) ||
    (el.localName === 'img' && el.getAttribute('alt') === '');
  const outermost = (el) => !(el.parentElement && el.parentElement.closest(GRAPHIC));
  const snippet = (el) => el.outerHTML.replace(/\\s+/g, ' ').slice(0, 120);
  const graphics = Array.from(document.querySelectorAll(GRAPHIC)).filter(outermost);
  const charts = Array.from(document.querySelectorAll('figure.chart')).map((fig) => {
    const caption = text(fig.querySelector('figcaption')).slice(0, 60);
    const unnamed = Array.from(fig.querySelectorAll(GRAPHIC)).filter(outermost)
      .filter((el) => !nameOf(el) || decorative(el)).map(snippet);
    const cells = Array.from(fig.querySelectorAll('table td, table th[scope="row"]')).length;
    return {
      label: 'figure.chart' + (fig.id ? '#' + fig.id : '') + (caption ? ` "${caption}"` : ''),
      hasTable: fig.querySelector('table') !== null, cells, unnamed};
  });
  return {
    links: Array.from(document.querySelectorAll('a[href]'))
      .map((a) => ({raw: a.getAttribute('href'), url: a.href})),
    ids: Array.from(document.querySelectorAll('[id]')).map((el) => el.id)
      .concat(Array.from(document.querySelectorAll('a[name]')).map((a) => a.name)),
    unlabelled: graphics.filter((el) => !decorative(el) && !nameOf(el)).map(snippet),
    charts,
    declaresIcon: document.querySelector('link[rel~="icon"]') !== null,
  };
}"""


class _Ids(HTMLParser):
    """The fragment targets of an HTML document: every id, and the names of <a name>."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])


@dataclass(frozen=True)
class _Target:
    status: int
    is_html: bool
    ids: frozenset[str]


class LinkCache:
    """What each same-origin URL answered, fetched once (a crawl shares one cache)."""

    def __init__(self) -> None:
        self._seen: dict[str, _Target] = {}

    def fetch(self, page: Page, url: str) -> _Target:
        if url not in self._seen:
            response = page.request.get(url, fail_on_status_code=False)
            try:
                is_html = "text/html" in response.headers.get("content-type", "")
                ids: set[str] = set()
                if response.status == 200 and is_html:
                    parser = _Ids()
                    parser.feed(response.text())
                    ids = parser.ids
                self._seen[url] = _Target(response.status, is_html, frozenset(ids))
            finally:
                response.dispose()
        return self._seen[url]


def _same_origin(a: str, b: str) -> bool:
    sa, sb = urlsplit(a), urlsplit(b)
    return (sa.scheme, sa.netloc) == (sb.scheme, sb.netloc)


def _fragment_missing(fragment: str, ids: Iterable[str]) -> bool:
    # "#" and "#top" always work: the HTML standard scrolls to the top for both
    name = unquote(fragment)
    return name not in ("", "top") and name not in set(ids)


def _check_links(page: Page, found: dict, report: PageReport, cache: LinkCache) -> None:
    here = urldefrag(page.url).url
    for link in found["links"]:
        raw, url = link["raw"], link["url"]
        if not _same_origin(url, here):
            report.external_links.append(url)
            continue
        target_url, fragment = urldefrag(url)
        if target_url == here:
            if _fragment_missing(fragment, found["ids"]):
                report.broken_links.append(BrokenLink(raw, f"no element with id {fragment!r}"))
            continue
        target = cache.fetch(page, target_url)
        if target.status != 200:
            report.broken_links.append(
                BrokenLink(raw, f"{target_url} answered HTTP {target.status}")
            )
            continue
        if target.is_html and fragment and _fragment_missing(fragment, target.ids):
            reason = f"{target_url} has no element with id {fragment!r}"
            report.broken_links.append(BrokenLink(raw, reason))
        if target.is_html and target_url not in report.pages:
            report.pages.append(target_url)


def _check_charts(found: dict, report: PageReport) -> None:
    for chart in found["charts"]:
        label = chart["label"]
        if not chart["hasTable"]:
            report.chart_problems.append(f"{label} has no data table")
        elif chart["cells"] == 0:
            report.chart_problems.append(f"{label} has a data table with no data cells")
        for graphic in chart["unnamed"]:
            report.chart_problems.append(
                f"{label} shows a chart with no text alternative: {graphic}"
            )


def _axe_violations(page: Page) -> list[Violation]:
    options = {"runOnly": {"type": "tag", "values": list(WCAG_TAGS)}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options).response
    violations = []
    for rule in results["violations"]:
        nodes = [n for n in rule["nodes"] if n.get("impact") in FAILING_IMPACTS]
        if nodes:
            # a target is a list of selectors (one per frame or shadow root it passes through)
            targets = tuple(" >> ".join(map(str, n["target"])) for n in nodes)
            impact = "critical" if any(n["impact"] == "critical" for n in nodes) else "serious"
            violations.append(Violation(rule["id"], impact, rule["help"], targets))
    return violations


def check_page(page: Page, url: str, *, cache: LinkCache | None = None) -> PageReport:
    """Open `url` in `page` and report what is wrong with it (see PageReport).

    Same-origin links are fetched over HTTP and must answer 200; a fragment must name an element
    id on its target page (the live page itself for "#id"). Links elsewhere are listed only.
    """
    console: list[tuple[str, str]] = []  # (message, URL of the resource it is about)

    def on_console(message) -> None:
        if message.type == "error":
            console.append((message.text, message.location.get("url") or ""))

    def on_page_error(error) -> None:
        console.append((f"uncaught {error}", ""))

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    try:
        return _inspect(page, url, cache if cache is not None else LinkCache(), console)
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_page_error)


def _inspect(page: Page, url: str, cache: LinkCache, console: list[tuple[str, str]]) -> PageReport:
    response = page.goto(url, wait_until="load")
    report = PageReport(url=url, status=response.status if response else None)
    if report.status != 200:
        return report  # the status says it all; the browser's console only repeats it
    # charts the browser draws (the portal's dashboards: data-vega-spec) are inspected drawn
    page.wait_for_function("!document.querySelector('[data-vega-spec]:not([data-drawn])')")
    found = page.evaluate(_INSPECT)
    report.violations = _axe_violations(page)
    report.missing_alternatives = found["unlabelled"]
    _check_charts(found, report)
    _check_links(page, found, report, cache)
    # Chromium asks for /favicon.ico by itself when a page names no icon; that 404 is the
    # browser's guess, not a broken link of ours. A page that names an icon must serve it.
    implicit_icon = "" if found["declaresIcon"] else urljoin(url, "/favicon.ico")
    # read last, so errors raised while axe ran (it scrolls and restyles the page) count too
    report.console_errors = [
        f"{text} ({where})" if where else text for text, where in console if where != implicit_icon
    ]
    return report


def _page_key(url: str) -> str:
    # our server answers "dir/" with "dir/index.html": one page, visited once
    url = urldefrag(url).url
    return url + "index.html" if url.endswith("/") else url


def crawl(
    page: Page, base_url: str, start: str = "index.html", *, max_pages: int = MAX_PAGES
) -> list[PageReport]:
    """Check every same-origin HTML page reachable by links from `start`; one report each.

    Fails (rather than stops quietly) if more than `max_pages` pages are reachable.
    """
    cache = LinkCache()
    queue = [urljoin(base_url, start)]
    seen = {_page_key(queue[0])}
    reports = []
    while queue:
        report = check_page(page, queue.pop(0), cache=cache)
        reports.append(report)
        for linked in report.pages:
            if _page_key(linked) not in seen:
                seen.add(_page_key(linked))
                queue.append(linked)
        if len(seen) > max_pages:
            raise AssertionError(
                f"more than {max_pages} pages reachable from {urljoin(base_url, start)}: a link "
                "loop, or a site bigger than expected (pass a larger max_pages)"
            )
    return reports
