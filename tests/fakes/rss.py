"""A fake news site: RSS 2.0 and Atom feeds with ETag/Last-Modified, and a news-search feed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from tests.fakes.server import FakeServer, Recorded, Reply


@dataclass
class FeedItem:
    """One entry; `html` is the description/content (HTML allowed)."""

    guid: str | None
    title: str
    link: str | None
    html: str = ""
    published: datetime | None = None
    author: str | None = None


@dataclass
class Feed:
    """A feed served at a path; `etag` changes whenever items change."""

    items: list[FeedItem] = field(default_factory=list)
    atom: bool = False
    title: str = "Fake Feed"
    language: str = "en-us"
    version: int = 1
    last_modified: datetime = field(default_factory=lambda: datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    raw: str | None = None  # serve this body verbatim instead (malformed feeds)

    @property
    def etag(self) -> str:
        return f'"v{self.version}"'


def _rss(feed: Feed) -> str:
    items = []
    for item in feed.items:
        parts = [f"<title>{escape(item.title)}</title>"]
        if item.link:
            parts.append(f"<link>{escape(item.link)}</link>")
        if item.guid:
            parts.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
        if item.published:
            parts.append(f"<pubDate>{format_datetime(item.published, usegmt=True)}</pubDate>")
        if item.author:
            parts.append(f"<dc:creator>{escape(item.author)}</dc:creator>")
        parts.append(f"<description>{escape(item.html)}</description>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{escape(feed.title)}</title><link>http://example.org/</link>"
        f"<description>fake</description><language>{feed.language}</language>"
        + "".join(items)
        + "</channel></rss>"
    )


def _atom(feed: Feed) -> str:
    entries = []
    for item in feed.items:
        parts = [f"<title>{escape(item.title)}</title>"]
        if item.guid:
            parts.append(f"<id>{escape(item.guid)}</id>")
        if item.link:
            parts.append(f'<link rel="alternate" href="{escape(item.link)}"/>')
        if item.published:
            parts.append(f"<published>{item.published.isoformat()}</published><updated>{item.published.isoformat()}</updated>")
        if item.author:
            parts.append(f"<author><name>{escape(item.author)}</name></author>")
        parts.append(f'<content type="html">{escape(item.html)}</content>')
        entries.append("<entry>" + "".join(parts) + "</entry>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{feed.language}">'
        f"<title>{escape(feed.title)}</title><id>urn:fake:feed</id><updated>2026-11-20T12:00:00Z</updated>"
        + "".join(entries)
        + "</feed>"
    )


class FakeNewsServer(FakeServer):
    """Feeds at `/feeds/<name>`; a search feed at `/rss/search?q=…` answering from `search_results`."""

    def __init__(self) -> None:
        super().__init__()
        self.feeds: dict[str, Feed] = {}
        self.search_results: dict[str, list[FeedItem]] = {}
        self.route("GET", "/feeds/", self._feed)
        self.route("GET", "/rss/search", self._search, exact=True)

    def _serve(self, rec: Recorded, feed: Feed) -> Reply:
        if feed.raw is not None:
            return Reply(200, feed.raw, {"Content-Type": "application/rss+xml; charset=utf-8"})
        last_modified = format_datetime(feed.last_modified, usegmt=True)
        if rec.headers.get("If-None-Match") == feed.etag or (
            "If-None-Match" not in rec.headers and rec.headers.get("If-Modified-Since") == last_modified
        ):
            return Reply(304, b"", {"ETag": feed.etag, "Last-Modified": last_modified})
        body = _atom(feed) if feed.atom else _rss(feed)
        ctype = "application/atom+xml; charset=utf-8" if feed.atom else "application/rss+xml; charset=utf-8"
        return Reply(200, body, {"Content-Type": ctype, "ETag": feed.etag, "Last-Modified": last_modified})

    def _feed(self, rec: Recorded) -> Reply:
        name = rec.path[len("/feeds/"):]
        feed = self.feeds.get(name)
        if feed is None:
            return Reply(404, "<html>not found</html>", {"Content-Type": "text/html"})
        return self._serve(rec, feed)

    def _search(self, rec: Recorded) -> Reply:
        query = rec.param("q") or ""
        return self._serve(rec, Feed(items=self.search_results.get(query, []), title=f'"{query}" - Fake News'))
