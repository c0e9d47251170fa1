"""A crawl of the whole site from `/`: every link, every `Link` alternate and every
<link rel=alternate> resolves (no 404 anywhere; external links excepted), and every
`#fragment` a page links to exists on the page it points at.

The directory listing's facet links multiply (every combination of values is a URL), so the
crawl follows listing URLs with at most one facet value; deeper combinations are the same
template and are covered by test_views.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from htmltree import parse

FACET_PARAMS = {"palvelu", "rooli", "kohderyhma", "alue"}
MAX_URLS = 5000
LINK_HEADER = re.compile(r"<([^>]*)>\s*;[^,]*rel=\"?alternate\"?")


def _internal(base: str, href: str) -> str | None:
    """The local URL (path and query) of a link, or None for an external one."""
    absolute = urljoin(base, href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "") or parts.netloc not in ("localhost", ""):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def _worth_following(url: str) -> bool:
    parts = urlsplit(url)
    if parts.path == "/hakemisto":
        facets = [k for k, _ in parse_qsl(parts.query) if k in FACET_PARAMS]
        return len(facets) <= 1
    return True


def test_every_link_and_alternate_resolves(client):
    seen: set[str] = set()
    queue = deque(["/"])
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []  # (page linking, target document, fragment)
    failures = []
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        assert len(seen) < MAX_URLS, "the crawl does not end"
        r = client.get(url)
        if r.status_code >= 400:
            failures.append((url, r.status_code))
            continue
        found = [m.group(1) for m in LINK_HEADER.finditer(r.headers.get("Link", ""))]
        if r.mimetype == "text/html":
            doc = parse(r.get_data(as_text=True))
            ids[url] = {el.get("id") for el in doc.iter() if el.get("id")}
            found += [a.get("href") for a in doc.find_all("a", href=None)]
            found += [link.get("href") for link in doc.find_all("link", href=None)]
        for href in found:
            local = _internal("http://localhost" + url, href)
            if local is None:
                continue
            target, fragment = urldefrag(local)
            target = target or url
            if fragment:
                fragments.append((url, target, fragment))
            if target not in seen and _worth_following(target):
                queue.append(target)
    assert not failures, failures
    assert any(u.startswith("/id/activity/") for u in seen) and any(u.startswith("/id/concept/") for u in seen)
    assert any(u.endswith(".ttl") for u in seen) and "/def/kt" in seen
    missing = [(page, target, frag) for page, target, frag in fragments
               if target in ids and frag not in ids[target]]
    assert not missing, missing[:20]
