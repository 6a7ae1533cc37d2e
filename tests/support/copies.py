"""Later wire copies of the bundled sample feed's articles, for the corrections tests."""

from __future__ import annotations

import json

from pipeline.feeds import bundled_feed

FEED = {
    json.loads(line)["id"]: json.loads(line) for line in bundled_feed().read_text().splitlines()
}


def later_copy(of: str, copy_id: str, published_at: str) -> bytes:
    """A wire copy of a feed article, published later under another headline."""
    original = FEED[of]
    return json.dumps(
        {
            "id": copy_id,
            "source": "agence-relais.example",
            "title": "Dépêche reprise",
            "body": original["body"] + " (avec AFP)",
            "published_at": published_at,
        }
    ).encode()
