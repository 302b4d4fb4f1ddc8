#!/usr/bin/env python3
"""Presidio's analyzer as a file scanner, for the peer benchmark and the quality score.

Presidio is a library, not a command: this script builds an AnalyzerEngine with its predefined
pattern recognizers and runs it over files in batches of lines, printing one JSON document:

    {"tool": "presidio-analyzer", "version": "...", "recognizers": [...], "bytes": N,
     "startup_seconds": s, "scan_seconds": s,
     "findings": [{"file": ..., "start": ..., "end": ..., "entity_type": ..., "score": ...}]}

start/end are UTF-8 byte offsets in the file. scan_seconds covers reading and analysing only,
so start-up (imports, building the registry) is reported apart and a throughput figure can
leave it out.

No spaCy model is installed here (and none can be downloaded), so the NLP engine is a *blank*
English pipeline (spaCy's rule-based tokenizer and stop words) with one component that uses
the lower-cased token as its lemma. That is enough for Presidio's context enhancer, which looks
for words such as "ssn" or "card" near a match, but it means no named-entity recognition:
PERSON, LOCATION, NRP and the NER half of DATE_TIME are never found. Everything else Presidio
detects comes from pattern recognizers and is unaffected.
"""

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import warnings
from importlib.metadata import version
from pathlib import Path

import spacy
from spacy.language import Language

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import SpacyNlpEngine
from presidio_analyzer.recognizer_registry import RecognizerRegistryProvider
from presidio_analyzer.recognizer_registry.recognizers_loader_utils import RecognizerConfigurationLoader

# Recognizers that need a model or a language-model service this machine does not have.
NEEDS_A_MODEL = {
    "HuggingFaceNerRecognizer", "GLiNERRecognizer", "StanzaRecognizer", "TransformersRecognizer",
    "BasicLangExtractRecognizer", "AzureOpenAILangExtractRecognizer", "AzureAILanguageRecognizer",
}


@Language.component("lowercase_lemma")
def lowercase_lemma(doc):
    # A blank pipeline has no lemmatizer and leaves lemma_ empty, which would blind the context
    # enhancer; the lower-cased word is the lemma it needs for words like "SSN" or "Card".
    for token in doc:
        token.lemma_ = token.lower_
    return doc


def blank_english_engine(workdir: str) -> SpacyNlpEngine:
    nlp = spacy.blank("en")
    nlp.add_pipe("lowercase_lemma")
    path = os.path.join(workdir, "en_blank")
    nlp.to_disk(path)
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": path}])
    engine.load()
    return engine


def registry(nlp_engine: SpacyNlpEngine, which: str) -> RecognizerRegistry:
    """`default`: Presidio's shipped configuration for English. `all`: every predefined
    recognizer that supports English, including the ones Presidio ships disabled (US health
    identifiers, NPI, ABA routing, UK, South African and Philippine identifiers)."""
    conf = RecognizerConfigurationLoader.get()
    conf["supported_languages"] = ["en"]
    kept = []
    for rec in conf["recognizers"]:
        if isinstance(rec, str):
            rec = {"name": rec, "type": "predefined"}
        if rec.get("name") in NEEDS_A_MODEL or rec.get("class_name") in NEEDS_A_MODEL:
            continue
        languages = rec.get("supported_languages")
        if languages:
            codes = [lang["language"] if isinstance(lang, dict) else lang for lang in languages]
            if "en" not in codes:
                continue
            rec["supported_languages"] = [lang for lang in languages if (lang["language"] if isinstance(lang, dict) else lang) == "en"]
        if which == "all":
            rec["enabled"] = True
        kept.append(rec)
    # Presidio adds its spaCy NER recognizer unless told not to (warning as it does, before it
    # reads the `enabled: false` below); with a blank pipeline it would never find anything.
    warnings.filterwarnings("ignore", message="NLP recognizer")
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    kept.append({"name": "SpacyRecognizer", "type": "predefined", "enabled": False})
    conf["recognizers"] = kept
    return RecognizerRegistryProvider(registry_configuration=conf, nlp_engine=nlp_engine).create_recognizer_registry()


def files_under(paths):
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file())
        else:
            yield p


def chunks(data: bytes, lines_per_chunk: int):
    """Yields (byte offset, text) for batches of whole lines; undecodable bytes become U+FFFD,
    which keeps offsets per character but not per byte, so such chunks are mapped by re-encoding."""
    lines = data.splitlines(keepends=True)
    offset = 0
    for i in range(0, len(lines), lines_per_chunk):
        block = b"".join(lines[i : i + lines_per_chunk])
        yield offset, block.decode("utf-8", errors="replace")
        offset += len(block)


def byte_offset(text: str, char_index: int) -> int:
    return char_index if text.isascii() else len(text[:char_index].encode("utf-8"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--recognizers", choices=["all", "default"], default="all")
    ap.add_argument("--max-bytes", type=int, default=0, help="read at most this prefix of each file (whole lines); 0 = all")
    ap.add_argument("--lines-per-chunk", type=int, default=200)
    ap.add_argument("--root", help="report file paths relative to this folder")
    ap.add_argument("--count-only", action="store_true", help="print the number of findings, not the findings")
    args = ap.parse_args()

    # tldextract (under Presidio's URL and e-mail recognizers) tries to download the public
    # suffix list, fails offline with a traceback, and falls back to its bundled copy.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        nlp_engine = blank_english_engine(workdir)
        reg = registry(nlp_engine, args.recognizers)
        analyzer = AnalyzerEngine(registry=reg, nlp_engine=nlp_engine, supported_languages=["en"])
        # The first call compiles every recognizer's regexes; count it as start-up.
        analyzer.analyze(text="warm up 4111 1111 1111 1111", language="en")
    startup = time.perf_counter() - started

    findings, scanned = [], 0
    started = time.perf_counter()
    for path in files_under(args.paths):
        data = path.read_bytes()
        if args.max_bytes and len(data) > args.max_bytes:
            data = data[: data.rfind(b"\n", 0, args.max_bytes) + 1 or args.max_bytes]
        scanned += len(data)
        name = str(path.relative_to(args.root)) if args.root else str(path)
        for base, text in chunks(data, args.lines_per_chunk):
            for r in analyzer.analyze(text=text, language="en"):
                findings.append(
                    {
                        "file": name,
                        "start": base + byte_offset(text, r.start),
                        "end": base + byte_offset(text, r.end),
                        "entity_type": r.entity_type,
                        "score": round(r.score, 3),
                    }
                )
    scan = time.perf_counter() - started

    report = {
        "tool": "presidio-analyzer",
        "version": version("presidio-analyzer"),
        "recognizers": sorted({r.name for r in reg.recognizers}),
        "bytes": scanned,
        "startup_seconds": round(startup, 4),
        "scan_seconds": round(scan, 4),
        "finding_count": len(findings),
    }
    if not args.count_only:
        report["findings"] = findings
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
