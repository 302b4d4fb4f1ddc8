#!/usr/bin/env python3
"""Generate the labelled detection corpus (samples/labelled/corpus and labels.json).

Deterministic: one seeded RNG, so running it again writes the same bytes. Python 3.11
standard library only. tests/detection_quality.rs scores the scanner against labels.json and
checks that this script reproduces the committed corpus byte for byte.

    python3 samples/labelled/generate.py [--out samples/labelled]
"""

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.dont_write_bytecode = True  # keep the samples tree free of __pycache__

from labelgen import (  # noqa: E402
    cards_health, code_numbers, configs, decode, ids, logs, phone, prose, records, round2, sec1, sec2,
)
from labelgen.doc import Corpus  # noqa: E402
from labelgen.rand import Rand  # noqa: E402
from labelgen.secrets import BLOCK_KINDS, CONNECTION_KINDS, LINE_KINDS  # noqa: E402

SEED = 20260415


def chunks(items: list, sizes: list[int]) -> list[list]:
    out, i = [], 0
    for n in sizes:
        out.append(items[i:i + n])
        i += n
    assert i == len(items), (i, len(items))
    return out


def build() -> Corpus:
    r = Rand(SEED)
    corpus = Corpus(SEED)

    # Secrets: every single-line kind three times, in a config file, a code file, and prose or a log.
    config_fmts = ["env", "yaml", "json", "properties", "ini", "toml", "compose"]
    code_fmts = ["py", "js", "go", "java", "sh", "tf"]
    for round_fmts in (config_fmts + code_fmts, code_fmts + config_fmts):
        kinds = list(LINE_KINDS)
        r.shuffle(kinds)
        per_file = [len(kinds) // len(round_fmts)] * len(round_fmts)
        for i in range(len(kinds) % len(round_fmts)):
            per_file[i] += 1
        for fmt, group in zip(round_fmts, chunks(kinds, per_file)):
            index = sum(1 for d in corpus.docs if d.path.endswith(configs.LINE_FORMATS[fmt])) + 1
            configs.config_file(corpus, r, fmt, index, group, n_lookalikes=r.int(4, 6))
    kinds = list(LINE_KINDS)
    r.shuffle(kinds)
    conns = CONNECTION_KINDS * 3
    r.shuffle(conns)
    runbook_kinds, incident_kinds, log_kinds = chunks(kinds, [36, 15, len(kinds) - 51])
    conn_groups = chunks(conns, [2] * 6 + [1] * 3 + [2] * 3 + [2] * 3)
    for i, group in enumerate(chunks(runbook_kinds, [6] * 6)):
        prose.runbook(corpus, r, i + 1, group, conn_groups[i], n_passwords=2, n_lookalikes=5)
    for i, group in enumerate(chunks(incident_kinds, [5] * 3)):
        prose.incident(corpus, r, i + 1, group, conn_groups[6 + i], n_lookalikes=3)
    for i in range(3):
        prose.shell_history(corpus, r, i + 1, n_passwords=4, connections=conn_groups[9 + i], n_lookalikes=4)
    log_sizes = [len(log_kinds) // 3] * 3
    log_sizes[0] += len(log_kinds) % 3
    for i, group in enumerate(chunks(log_kinds, log_sizes)):
        logs.app_log(corpus, r, i + 1, group, conn_groups[12 + i], n_lookalikes=8)

    block_fmts = ["yaml", "md", "sh", "tf", "py", "md"]
    per_fmt: Counter = Counter()
    for i, kind in enumerate(BLOCK_KINDS * 2):
        fmt = "txt" if kind.kind == "pgp-private-key-block" else block_fmts[i % len(block_fmts)]
        per_fmt[fmt] += 1
        configs.block_file(corpus, r, per_fmt[fmt], kind, fmt)
    for i in range(3):
        configs.gcp_service_account_file(corpus, r, i + 1)

    # Personal, card and health data.
    for i, style in enumerate(["csv", "md", "csv", "md"]):
        records.employees(corpus, r, i + 1, n=7, style=style)
    for i in range(2):
        records.contractors_intl(corpus, r, i + 1, n=10)
    for i in range(3):
        records.hr_notes(corpus, r, i + 1, n_people=4)
    for i in range(2):
        records.customer_json(corpus, r, i + 1, n=6)
    for i in range(3):
        records.support_log(corpus, r, i + 1, n=20)
    for i, style in enumerate(["csv", "md", "csv", "md"]):
        cards_health.chargebacks(corpus, r, i + 1, n=6, style=style)
    for i in range(3):
        cards_health.card_notes(corpus, r, i + 1, n=6)
        cards_health.gateway_log(corpus, r, i + 1, n=15)
    for i, style in enumerate(["csv", "md", "csv"]):
        cards_health.patients(corpus, r, i + 1, n=8, style=style)
    for i in range(3):
        cards_health.clinical_notes(corpus, r, i + 1, n=6)
    for i in range(2):
        cards_health.icd_reference(corpus, r, i + 1)
    # The classes of error of round two (issue 18): last, so that every file above keeps its
    # bytes.
    for i in range(2):
        round2.vendor_contacts(corpus, r, i + 1)
    for i in range(2):
        round2.declined_payments(corpus, r, i + 1)
    for i in range(2):
        round2.account_references(corpus, r, i + 1)
    # National identifiers with check characters, dotted SSNs, UATP cards.
    for i in range(2):
        ids.latam_payroll(corpus, r, i + 1)
        ids.europe_staff(corpus, r, i + 1)
        ids.apac_kyc_log(corpus, r, i + 1)
        ids.travel_desk(corpus, r, i + 1)
    for i in range(2):
        round2.dotted_property_passwords(corpus, r, i + 1)
        round2.code_reading_values(corpus, r, i + 1)
    # Secrets that only a structure shows (decoder rules): last, for the same reason.
    for i in range(2):
        decode.kubernetes_page(corpus, r, i + 1)
    for i in range(2):
        decode.docker_howto(corpus, r, i + 1)
    for i in range(2):
        decode.tfstate_incident(corpus, r, i + 1)
    # Provider tokens of cloud, CI/CD, monitoring, payment and messaging services.
    for i in range(2):
        sec1.platform_handover(corpus, r, i + 1)
        sec1.ci_pipeline(corpus, r, i + 1)
        sec1.alert_routing(corpus, r, i + 1)
        sec1.rotation_log(corpus, r, i + 1)
    # Password hashes, credential dumps and files, database and identity-provider credentials.
    for i in range(2):
        sec2.incident_dump(corpus, r, i + 1)
        sec2.htpasswd_runbook(corpus, r, i + 1)
        sec2.appsettings(corpus, r, i + 1)
        sec2.credential_files_howto(corpus, r, i + 1)
        sec2.user_table_dump(corpus, r, i + 1)
        sec2.network_config(corpus, r, i + 1)
        sec2.data_platform_env(corpus, r, i + 1)
    # Telephone numbers of many countries (libphonenumber-validated rules), last for the same
    # reason.
    for i in range(3):
        phone.team_directory(corpus, r, i + 1)
    for i in range(2):
        phone.code_lookalikes(corpus, r, i + 1)
    # Numbers and names of code read as values (issue 18): tables, test rows, operands, password
    # plumbing. Last, for the same reason.
    for i in range(2):
        code_numbers.numeric_tables(corpus, r, i + 1)
        code_numbers.password_plumbing(corpus, r, i + 1)
    # Numbers a test feeds to its code, and numbers prose gives as examples. Last, for the
    # same reason.
    for i in range(2):
        code_numbers.test_inputs(corpus, r, i + 1)
    # A value given as an example, and used again further on. Last, for the same reason.
    for i in range(2):
        round2.repeated_examples(corpus, r, i + 1)
    # National numbers a style guide gives as examples, in the country's words. Last, for the
    # same reason.
    for i in range(2):
        round2.national_examples(corpus, r, i + 1)
    # Sample records of made-up people, whose addresses are made up too. Last, for the same
    # reason.
    for i in range(2):
        round2.sample_records(corpus, r, i + 1)
    return corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    corpus = build()
    corpus.check()
    corpus.write(args.out)
    labels = corpus.labels()
    planted = Counter(p["category"] for p in labels["planted"])
    looks = Counter(p["category"] for p in labels["lookalikes"])
    print(f"{len(corpus.docs)} files, {len(labels['planted'])} planted {dict(sorted(planted.items()))}, "
          f"{len(labels['lookalikes'])} look-alikes {dict(sorted(looks.items()))} -> {args.out}")


if __name__ == "__main__":
    main()
