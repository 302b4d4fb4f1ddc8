#!/usr/bin/env python3
"""Precision and recall of confluence-dlp and its peers on the labelled corpus.

Reads samples/labelled/labels.json (values planted in samples/labelled/corpus/**, plus
look-alikes that must not be reported), runs each tool over the corpus, and prints one Markdown
table: per tool and category, planted values, how many were found, findings, false positives,
precision and recall.

The rule is the one our own test uses. A finding is a true positive when it overlaps a planted
value of its category in the same file, otherwise a false positive; recall is planted values hit
over planted values. Overlap is by UTF-8 byte range when the tool reports offsets (ours,
Kingfisher, Presidio) and by line when it reports only a line (detect-secrets: a finding counts
when its line is one of the lines the planted value occupies).

Each tool is scored only on the categories it covers: Kingfisher and detect-secrets on `secret`
(they report nothing else), Presidio on pii, pci and phi through PRESIDIO_CATEGORY below. Presidio's
DATE_TIME counts as pii, as Presidio files it, and is what would find a date of birth; URL, IP
address, MAC address, UUID and crypto-wallet findings have no counterpart in our categories or
in the labels, so they are left out and counted apart.
"""

import argparse
import json
import os
import subprocess
import tempfile
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

CATEGORIES = ["secret", "pii", "pci", "phi"]

# Presidio entity type -> our category, following where our rule pack files the same identifier
# (rules/*.toml): IBAN, NHS and ABA routing numbers are `pii` in our pack, DEA numbers
# (Presidio's MEDICAL_LICENSE), NPI, MBI and health-plan identifiers `phi`. Every other
# national or personal identifier is `pii`.
PRESIDIO_CATEGORY = {
    "CREDIT_CARD": "pci",
    "MEDICAL_LICENSE": "phi",
    "US_NPI": "phi",
    "US_MBI": "phi",
    "US_HEALTH_INSURANCE_MEMBER_ID": "phi",
    "US_PRIOR_AUTHORIZATION_NUMBER": "phi",
    "US_CLAIM_NUMBER": "phi",
    "US_PRESCRIPTION_NUMBER": "phi",
    "US_REFERRAL_NUMBER": "phi",
    "AU_MEDICARE": "phi",
}
PRESIDIO_NOT_SCORED = {"URL", "IP_ADDRESS", "MAC_ADDRESS", "UUID", "CRYPTO"}
PRESIDIO_NER_ONLY = {"PERSON", "LOCATION", "NRP", "ORGANIZATION"}


def presidio_category(entity_type: str) -> Optional[str]:
    if entity_type in PRESIDIO_NOT_SCORED or entity_type in PRESIDIO_NER_ONLY:
        return None
    return PRESIDIO_CATEGORY.get(entity_type, "pii")


@dataclass
class Finding:
    file: str
    category: str
    line: int
    # Byte ranges the finding covers: one, or a few for a finding that reports a secret with the
    # parts it depends on (Kingfisher's AWS key id with its secret key). None when the tool
    # gives only a line.
    spans: Optional[list] = None


@dataclass
class ToolRun:
    name: str
    categories: list
    findings: list
    note: str = ""


class Corpus:
    def __init__(self, root: Path, labels: dict):
        self.root = root
        self.planted = labels["planted"]
        self.lookalikes = labels.get("lookalikes", [])
        self._text = {}

    def bytes_of(self, file: str) -> bytes:
        if file not in self._text:
            self._text[file] = (self.root / file).read_bytes()
        return self._text[file]

    def line_start(self, file: str, line: int) -> int:
        data, offset = self.bytes_of(file), 0
        for _ in range(line - 1):
            offset = data.index(b"\n", offset) + 1
        return offset


def run(cmd, cwd=None, ok=(0,)):
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    if out.returncode not in ok:
        sys.exit(f"{cmd[0]} exited with {out.returncode}: {out.stderr.decode(errors='replace')[-2000:]}")
    return out.stdout


def ours(corpus: Corpus, binary: str) -> ToolRun:
    # `scan` exits 1 when it finds something (2 is an error); its state goes to a temporary
    # folder so that a run leaves nothing behind in the checkout.
    with tempfile.TemporaryDirectory() as state:
        stdout = run([binary, "scan", str(corpus.root), "--format", "jsonl", "--data-dir", state], ok=(0, 1))
    findings = []
    for raw in stdout.splitlines():
        f = json.loads(raw)
        loc = f["location"]
        file = os.path.relpath(loc["attachment_id"], corpus.root)
        findings.append(Finding(file, f["category"], loc["line"], [(loc["start"], loc["end"])]))
    return ToolRun("confluence-dlp", CATEGORIES, findings)


def kingfisher(corpus: Corpus, min_confidence: str) -> ToolRun:
    cmd = ["kingfisher", "scan", "--no-validate", "--no-update-check", "--jobs", "1", "--rule", "all"]
    cmd += ["--confidence", min_confidence, "--no-dedup", "--format", "json", "."]
    stdout = run(cmd, cwd=corpus.root, ok=(0, 200, 201, 202, 203, 204, 205))
    report = json.JSONDecoder().raw_decode(stdout.decode())[0]  # a summary line follows
    findings = []
    for item in report["findings"]:
        f = item["finding"]
        file = os.path.normpath(f["path"])
        findings.append(kingfisher_span(corpus, file, f))
    return ToolRun(f"kingfisher (confidence >= {min_confidence})", ["secret"], findings)


def kingfisher_span(corpus: Corpus, file: str, f: dict) -> Finding:
    """Kingfisher gives a line, 0-based columns within it and the matched text; the byte range
    is where that text sits, nearest the reported column. Values a rule needs beside the match
    (`dependent_captures`: the secret access key of an AWS key id) are part of the same finding
    and are located the same way, nearest the match."""
    line = f["line"]
    data = corpus.bytes_of(file)
    at = corpus.line_start(file, line) + f["column_start"]
    spans = []
    for value in [f.get("snippet", "")] + list(f.get("dependent_captures", {}).values()):
        found = nearest(data, value.encode(), at)
        if found is not None:
            spans.append((found, found + len(value.encode())))
    if not spans:
        # The snippet is not verbatim in the file (a match over several lines): trust the columns.
        spans.append((at, corpus.line_start(file, line) + f["column_end"] + 1))
    return Finding(file, "secret", line, spans)


def nearest(data: bytes, needle: bytes, around: int) -> Optional[int]:
    if not needle:
        return None
    before = data.rfind(needle, 0, around + len(needle))
    after = data.find(needle, around)
    candidates = [i for i in (before, after) if i >= 0]
    return min(candidates, key=lambda i: abs(i - around)) if candidates else None


def detect_secrets(corpus: Corpus) -> ToolRun:
    # Run inside the corpus: detect-secrets drops any path outside its working directory.
    stdout = run(["detect-secrets", "scan", "--all-files", "."], cwd=corpus.root)
    findings = [
        Finding(os.path.normpath(file), "secret", s["line_number"])
        for file, secrets in json.loads(stdout)["results"].items()
        for s in secrets
    ]
    return ToolRun("detect-secrets (by line)", ["secret"], findings)


def presidio(corpus: Corpus, recognizers: str, min_score: float) -> ToolRun:
    script = HERE / "presidio_scan.py"
    cmd = [sys.executable, str(script), "--recognizers", recognizers, "--root", str(corpus.root), str(corpus.root)]
    report = json.loads(run(cmd))
    findings, unscored = [], 0
    for f in report["findings"]:
        if f["score"] < min_score:
            continue
        category = presidio_category(f["entity_type"])
        if category is None:
            unscored += 1
            continue
        line = corpus.bytes_of(f["file"]).count(b"\n", 0, f["start"]) + 1
        findings.append(Finding(f["file"], category, line, [(f["start"], f["end"])]))
    name = f"presidio ({recognizers} recognizers, score >= {min_score:g})"
    return ToolRun(name, ["pii", "pci", "phi"], findings, note=f"{unscored} findings of unscored types")


def overlaps(f: Finding, label: dict) -> bool:
    if f.file != label["file"]:
        return False
    if f.spans is None:
        last_line = label["line"] + label["value"].count("\n")
        return label["line"] <= f.line <= last_line
    return any(start < label["end"] and label["start"] < end for start, end in f.spans)


def score(corpus: Corpus, tool: ToolRun):
    rows = []
    for category in tool.categories:
        planted = [p for p in corpus.planted if p["category"] == category]
        lookalikes = corpus.lookalikes
        findings = [f for f in tool.findings if f.category == category]
        hit = set()
        false_positives = lookalike_hits = 0
        for f in findings:
            matched = [i for i, p in enumerate(planted) if overlaps(f, p)]
            hit.update(matched)
            if not matched:
                false_positives += 1
                lookalike_hits += any(overlaps(f, l) for l in lookalikes)
        n = len(findings)
        precision = (n - false_positives) / n if n else float("nan")
        recall = len(hit) / len(planted) if planted else float("nan")
        rows.append((tool.name, category, len(planted), len(hit), n, false_positives, lookalike_hits, precision, recall))
    return rows


def markdown(rows) -> str:
    out = [
        "| tool | category | planted | found | findings | FP | FP on look-alikes | precision | recall |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    pct = lambda x: "-" if x != x else f"{100 * x:.1f}%"  # noqa: E731 (NaN: nothing to divide)
    for name, cat, planted, found, n, fp, look, precision, recall in rows:
        out.append(f"| {name} | {cat} | {planted} | {found} | {n} | {fp} | {look} | {pct(precision)} | {pct(recall)} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labelled", default=str(REPO / "samples" / "labelled"), help="folder with labels.json and corpus/")
    ap.add_argument("--ours", default=os.environ.get("CONFLUENCE_DLP", str(REPO / "target" / "release" / "confluence-dlp")))
    ap.add_argument(
        "--tools",
        default="ours,kingfisher,detect-secrets,presidio",
        help="comma-separated subset of: ours, kingfisher, detect-secrets, presidio",
    )
    ap.add_argument("--misses", action="store_true", help="also list, per tool, the kinds of planted values it missed")
    args = ap.parse_args()

    labelled = Path(args.labelled)
    corpus = Corpus(labelled / "corpus", json.loads((labelled / "labels.json").read_text()))
    wanted = set(args.tools.split(","))
    runs = []
    if "ours" in wanted:
        runs.append(ours(corpus, args.ours))
    if "kingfisher" in wanted:
        runs += [kingfisher(corpus, "medium"), kingfisher(corpus, "low")]
    if "detect-secrets" in wanted:
        runs.append(detect_secrets(corpus))
    if "presidio" in wanted:
        runs += [presidio(corpus, "default", 0.0), presidio(corpus, "all", 0.0), presidio(corpus, "default", 0.5)]

    rows = [row for tool in runs for row in score(corpus, tool)]
    print(f"Corpus: {len(corpus.planted)} planted values, {len(corpus.lookalikes)} look-alikes (seed {json.loads((labelled / 'labels.json').read_text()).get('seed')}).\n")
    print(markdown(rows))
    notes = [f"- {tool.name}: {tool.note}." for tool in runs if tool.note]
    if notes:
        print("\n" + "\n".join(notes))
    if args.misses:
        for tool in runs:
            missed = defaultdict(int)
            for p in corpus.planted:
                if p["category"] in tool.categories and not any(overlaps(f, p) for f in tool.findings if f.category == p["category"]):
                    missed[f"{p['category']}/{p['kind']}"] += 1
            print(f"\n{tool.name} missed: " + (", ".join(f"{k} x{n}" for k, n in sorted(missed.items())) or "nothing"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
