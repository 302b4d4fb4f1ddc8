"""The space being built: items with ids, metadata, bodies, and what was planted where.

Content ids come from one counter, as on Cloud where pages, blog posts, comments and
attachments share a content id sequence; attachment ids carry the `att` prefix of the v2 API.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .values import CATEGORY, CURRENT_DETECTORS, ValueFactory

T0 = datetime(2026, 1, 5, 9, 0, 0, tzinfo=timezone.utc)


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


@dataclass
class Item:
    kind: str  # page | blogpost | comment | attachment
    id: str
    meta: dict
    container: "Item | None" = None  # the page or blog post of a comment or attachment
    body: str = ""  # storage XHTML for pages, blog posts, comments
    file_bytes: bytes = b""  # attachment content
    text: str = ""  # attachment text as an extractor would see it (for the self-check)
    planted: list = field(default_factory=list)
    lookalikes: list = field(default_factory=list)

    @property
    def page_id(self) -> str:
        return self.container.id if self.container else self.id

    def _where(self) -> dict:
        return {
            "content_type": self.kind,
            "page_id": self.page_id,
            "comment_id": self.id if self.kind == "comment" else None,
            "attachment_id": self.id if self.kind == "attachment" else None,
            "attachment_title": self.meta["title"] if self.kind == "attachment" else None,
        }

    def plant(self, detector: str, value: str, placement: str, **extra) -> str:
        """Record a sensitive value placed in this item and return it for the body."""
        assert detector in CATEGORY, detector
        assert all(p["value"] != value for p in self.planted), f"{value!r} planted twice in {self.id}"
        entry = {"value": value, "detector": detector, "category": CATEGORY[detector], **self._where()}
        entry["future"] = detector not in CURRENT_DETECTORS
        entry["placement"] = placement
        entry["needs"] = extra.pop("needs", None)
        entry.update(extra)
        self.planted.append(entry)
        return value

    def lookalike(self, looks_like: str, value: str, placement: str, needs: str | None = None) -> str:
        """Record a benign value that resembles `looks_like` and must not be reported."""
        entry = {"value": value, "looks_like": looks_like, **self._where(), "placement": placement, "needs": needs}
        self.lookalikes.append(entry)
        return value


class Space:
    def __init__(self, key: str, name: str, space_id: str, seed: int):
        self.key = key
        self.name = name
        self.space_id = space_id
        self.values = ValueFactory(seed)
        self.rng = self.values.rng
        self.items: list[Item] = []
        self._next_id = 65601
        self._clock = T0
        self.users = {}

    def user(self, name: str) -> str:
        if name not in self.users:
            self.users[name] = self.values.account_id()
        return self.users[name]

    def _id(self) -> int:
        value = self._next_id
        self._next_id += self.rng.randint(1, 40)
        return value

    def _tick(self) -> datetime:
        self._clock += timedelta(hours=self.rng.randint(2, 40), minutes=self.rng.randint(0, 59),
                                 seconds=self.rng.randint(0, 59), milliseconds=self.rng.randint(0, 999))
        return self._clock

    def _version(self, author: str, created: datetime, edits: int) -> dict:
        last = created + timedelta(days=edits * 2, minutes=self.rng.randint(0, 600)) if edits else created
        return {
            "number": edits + 1,
            "createdAt": iso(last),
            "message": "" if edits == 0 else self.rng.choice(["", "typo", "updated steps", "review comments"]),
            "minorEdit": edits > 0 and self.rng.random() < 0.3,
            "authorId": self.user(author),
        }

    def page(self, title: str, parent: "Item | None", author: str, status: str = "current", edits: int = 0) -> Item:
        created = self._tick()
        siblings = [i for i in self.items if i.kind == "page" and (i.meta.get("parentId") == (parent.id if parent else None))]
        meta = {
            "id": str(self._id()),
            "status": status,
            "title": title,
            "parentId": parent.id if parent else None,
            "position": len(siblings),
            "authorId": self.user(author),
            "ownerId": self.user(author),
            "createdAt": iso(created),
            "version": self._version(author, created, edits),
        }
        item = Item("page", meta["id"], meta)
        self.items.append(item)
        return item

    def blogpost(self, title: str, author: str, edits: int = 0) -> Item:
        created = self._tick()
        meta = {
            "id": str(self._id()),
            "status": "current",
            "title": title,
            "authorId": self.user(author),
            "createdAt": iso(created),
            "version": self._version(author, created, edits),
        }
        item = Item("blogpost", meta["id"], meta)
        self.items.append(item)
        return item

    def comment(self, on: Item, author: str, inline_selection: str | None = None, resolved: bool = False) -> Item:
        created = self._tick()
        meta = {
            "id": str(self._id()),
            "status": "current",
            "title": "Re: " + on.meta["title"],
            "containerType": on.kind,
            "containerId": on.id,
            "authorId": self.user(author),
            "createdAt": iso(created),
            "version": self._version(author, created, 0),
            "location": "inline" if inline_selection is not None else "footer",
        }
        if inline_selection is not None:
            meta["resolutionStatus"] = "resolved" if resolved else "open"
            meta["inlineMarkerRef"] = self.values.uuid()
            meta["inlineOriginalSelection"] = inline_selection
        item = Item("comment", meta["id"], meta, container=on)
        self.items.append(item)
        return item

    def reply(self, to: Item, author: str) -> Item:
        """A reply to a comment: on the same page or blog post and in the same place (footer, or
        inline at the same anchor), with `parentCommentId`. v2 lists replies only under their
        parent (`/footer-comments/{id}/children`), never under the page."""
        created = self._tick()
        parent = to.meta
        meta = {
            "id": str(self._id()),
            "status": "current",
            "title": parent["title"],
            "containerType": parent["containerType"],
            "containerId": parent["containerId"],
            "parentCommentId": to.id,
            "authorId": self.user(author),
            "createdAt": iso(created),
            "version": self._version(author, created, 0),
            "location": parent["location"],
        }
        for inline in ("resolutionStatus", "inlineMarkerRef", "inlineOriginalSelection"):
            if inline in parent:
                meta[inline] = parent[inline]
        item = Item("comment", meta["id"], meta, container=to.container)
        self.items.append(item)
        return item

    def attachment(self, on: Item, title: str, media_type: str, author: str, comment: str = "") -> Item:
        created = self._tick()
        meta = {
            "id": "att" + str(self._id()),
            "status": "current",
            "title": title,
            "mediaType": media_type,
            "comment": comment,
            "fileId": self.values.uuid(),
            "containerType": on.kind,
            "containerId": on.id,
            "authorId": self.user(author),
            "createdAt": iso(created),
            "version": self._version(author, created, 0),
        }
        item = Item("attachment", meta["id"], meta, container=on)
        self.items.append(item)
        return item

    def inline_marker(self, comment: Item) -> str:
        """Storage-format marker that anchors an inline comment in its page body."""
        ref = comment.meta["inlineMarkerRef"]
        selection = comment.meta["inlineOriginalSelection"]
        return f'<ac:inline-comment-marker ac:ref="{ref}">{selection}</ac:inline-comment-marker>'
