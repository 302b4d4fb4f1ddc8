"""Documents that know where their labelled values are.

A document is written as a run of pieces: plain text, or a `Mark` (a planted value or a
look-alike). The byte offsets and line of every mark are taken from the final UTF-8 text, so a
label can never drift from the bytes it describes.
"""

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Mark:
    value: str
    category: str
    kind: str
    planted: bool


def P(value: str, category: str, kind: str) -> Mark:
    """A sensitive value: every scanner should report it."""
    return Mark(value, category, kind, True)


def L(value: str, category: str, kind: str) -> Mark:
    """A look-alike of `category`: no scanner should report it."""
    return Mark(value, category, kind, False)


class Doc:
    def __init__(self, path: str):
        self.path = path
        self.parts: list[str] = []
        self.size = 0
        self.marks: list[tuple[int, int, Mark]] = []

    def write(self, *pieces) -> "Doc":
        for piece in pieces:
            text = piece.value if isinstance(piece, Mark) else piece
            encoded = len(text.encode("utf-8"))
            if isinstance(piece, Mark):
                self.marks.append((self.size, self.size + encoded, piece))
            self.parts.append(text)
            self.size += encoded
        return self

    def line(self, *pieces) -> "Doc":
        return self.write(*pieces, "\n")

    def blank(self) -> "Doc":
        return self.write("\n")

    def text(self) -> str:
        return "".join(self.parts)

    def labels(self) -> list[tuple[bool, dict]]:
        data = self.text().encode("utf-8")
        out = []
        for start, end, mark in self.marks:
            out.append((mark.planted, {
                "file": self.path,
                "line": data.count(b"\n", 0, start) + 1,
                "start": start,
                "end": end,
                "category": mark.category,
                "kind": mark.kind,
                "value": mark.value,
            }))
        return out


class Corpus:
    def __init__(self, seed: int):
        self.seed = seed
        self.docs: list[Doc] = []

    def doc(self, path: str) -> Doc:
        assert all(d.path != path for d in self.docs), path
        d = Doc(path)
        self.docs.append(d)
        return d

    def labels(self) -> dict:
        planted, lookalikes = [], []
        for d in sorted(self.docs, key=lambda d: d.path):
            for is_planted, label in d.labels():
                (planted if is_planted else lookalikes).append(label)
        return {"seed": self.seed, "planted": planted, "lookalikes": lookalikes}

    def check(self) -> None:
        """What the labels promise: each value sits at its offsets, labels never overlap, and
        the text is what a scanner will read (LF only, UTF-8, ending in a newline)."""
        for d in self.docs:
            text = d.text()
            assert "\r" not in text and text.endswith("\n"), d.path
            data = text.encode("utf-8")
            spans = sorted((s, e) for s, e, _ in d.marks)
            for (s1, e1), (s2, _) in zip(spans, spans[1:]):
                assert e1 <= s2, f"{d.path}: overlapping labels at {s1} and {s2}"
            for s, e, m in d.marks:
                assert data[s:e].decode("utf-8") == m.value, (d.path, s)
                assert m.category in ("secret", "pii", "pci", "phi"), m

    def write(self, out: Path) -> None:
        root = out / "corpus"
        if root.exists():
            for p in sorted(root.rglob("*"), reverse=True):
                p.unlink() if p.is_file() else p.rmdir()
        for d in self.docs:
            path = root / d.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(d.text().encode("utf-8"))
        text = json.dumps(self.labels(), indent=1, ensure_ascii=False) + "\n"
        (out / "labels.json").write_bytes(text.encode("utf-8"))
