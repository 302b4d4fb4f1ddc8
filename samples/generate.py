#!/usr/bin/env python3
"""Generate the sample Confluence space served by the simulator (samples/spaces/ENG).

Deterministic: one seeded RNG, fixed timestamps, sorted JSON. Running it again rewrites the
same bytes. Python 3.11 standard library only. See samples/README.md for the layout.

    python3 samples/generate.py [--out samples/spaces]
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # keep the samples tree free of __pycache__

from sampledata.content_eng import build_engineering  # noqa: E402
from sampledata.content_blog import build_blog  # noqa: E402
from sampledata.content_formats import build_formats  # noqa: E402
from sampledata.content_people import build_people  # noqa: E402
from sampledata.content_threads import build_threads  # noqa: E402
from sampledata.model import Item, Space, iso, T0  # noqa: E402
from sampledata.selfcheck import check_counts, check_item  # noqa: E402

SEED = 20260301
SPACE_ID = "32770"


def build() -> Space:
    space = Space("ENG", "Engineering and People Ops", SPACE_ID, SEED)
    pages = build_engineering(space)
    build_people(space, pages["people"])
    build_blog(space)
    # Last, so that adding formats and threads leaves the ids and values of everything above unchanged.
    build_formats(space)
    build_threads(space)
    return space


def dump(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def write(space: Space, out: Path) -> None:
    root = out / space.key
    if root.exists():
        shutil.rmtree(root)
    for sub in ("pages", "blogposts", "comments", "attachments/files"):
        (root / sub).mkdir(parents=True)
    home = next(i for i in space.items if i.kind == "page" and i.meta["parentId"] is None and i.meta["status"] == "current")
    dump(root / "space.json", {
        "id": space.space_id,
        "key": space.key,
        "name": space.name,
        "type": "global",
        "status": "current",
        "authorId": home.meta["authorId"],
        "createdAt": iso(T0),
        "homepageId": home.id,
        "description": "Runbooks, architecture notes, meeting notes and people-ops procedures.",
    })
    folders = {"page": "pages", "blogpost": "blogposts", "comment": "comments"}
    for item in space.items:
        if item.kind == "attachment":
            dump(root / "attachments" / f"{item.id}.json", item.meta)
            files = root / "attachments" / "files" / item.id
            files.mkdir()
            (files / item.meta["title"]).write_bytes(item.file_bytes)
        else:
            dump(root / folders[item.kind] / f"{item.id}.json", item.meta)
            (root / folders[item.kind] / f"{item.id}.xhtml").write_text(item.body, encoding="utf-8")
    dump(root / "expected.json", expected(space.items))
    dump(root / "permissions.json", permissions(space, home))


def permissions(space: Space, home: Item) -> dict:
    """Who may see the space and its pages: the exposure remediation reasons about. Everyone
    signed in reads the space, administrators administer it, anonymous users read it too (the
    space is public), and the People Ops subtree is restricted to its team, so that a page's
    exposure depends on its ancestors. Group ids are fixed, as Cloud's are UUIDs."""
    people_ops = next(i for i in space.items if i.kind == "page" and i.meta["title"] == "People Ops")
    payroll = next(i for i in space.items if i.kind == "page" and i.meta["title"] == "Payroll Corrections")
    admin = home.meta["authorId"]
    hr_lead = people_ops.meta["authorId"]
    group = lambda name: {"type": "group", "name": name}  # noqa: E731
    grants = [
        (group("confluence-users"), "read", "space"),
        (group("confluence-users"), "create", "page"),
        (group("confluence-users"), "create", "blogpost"),
        (group("confluence-users"), "create", "comment"),
        (group("confluence-users"), "create", "attachment"),
        (group("administrators"), "read", "space"),
        (group("administrators"), "administer", "space"),
        (group("administrators"), "restrict_content", "space"),
        ({"type": "user", "accountId": admin}, "read", "space"),
        ({"type": "user", "accountId": admin}, "administer", "space"),
        ({"type": "anonymous"}, "read", "space"),
    ]
    return {
        "groups": [
            {"id": "5c1d2a0e-0b53-4c8f-9d3e-0a1b2c3d4e01", "name": "confluence-users"},
            {"id": "5c1d2a0e-0b53-4c8f-9d3e-0a1b2c3d4e02", "name": "administrators"},
            {"id": "5c1d2a0e-0b53-4c8f-9d3e-0a1b2c3d4e03", "name": "people-ops"},
        ],
        "spacePermissions": [
            {"id": str(1000 + n), "subject": subject, "operation": {"key": key, "target": target}}
            for n, (subject, key, target) in enumerate(grants, start=1)
        ],
        "restrictions": [
            {"contentId": people_ops.id,
             "read": {"users": [hr_lead], "groups": ["people-ops"]},
             "update": {"users": [hr_lead], "groups": []}},
            {"contentId": payroll.id,
             "read": {"users": [], "groups": ["people-ops"]},
             "update": {"users": [], "groups": ["people-ops"]}},
        ],
        "classification": {"spaceDefault": "Internal", "content": {payroll.id: "Confidential"}},
    }


def expected(items: list[Item]) -> dict:
    return {
        "space_key": "ENG",
        "planted": [p for i in items for p in i.planted],
        "lookalikes": [lk for i in items for lk in i.lookalikes],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "spaces")
    args = parser.parse_args()
    space = build()
    for item in space.items:
        check_item(item)
    check_counts(space.items)
    write(space, args.out)
    kinds = [i.kind for i in space.items]
    planted = sum(len(i.planted) for i in space.items)
    lookalikes = sum(len(i.lookalikes) for i in space.items)
    print(f"{space.key}: {kinds.count('page')} pages, {kinds.count('blogpost')} blog posts, "
          f"{kinds.count('comment')} comments, {kinds.count('attachment')} attachments, "
          f"{planted} planted values, {lookalikes} look-alikes -> {args.out / space.key}")


if __name__ == "__main__":
    main()
