-- Triage (issue 14): a person can close a finding as a false positive or an accepted risk,
-- with a reason, and that decision outlives re-scans. Keep in step with the other backend's
-- 0005_finding_triage.sql.
--
-- `finding_suppressions` holds one row per suppressed value, by fingerprint (a keyed hash, no
-- value): a finding recorded with a suppressed fingerprint, here or at any other place, is
-- stored under the suppression's status, never as open. Who decided and why is in the audit
-- trail (`finding.status_changed`).
CREATE TABLE finding_suppressions (
    fingerprint TEXT PRIMARY KEY,
    status      TEXT NOT NULL CHECK (status IN ('false_positive', 'accepted_risk')),
    finding_id  TEXT NOT NULL,
    actor       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- SQLite cannot alter a CHECK constraint: the findings table is rebuilt with the same columns,
-- as in 0003, its status allowing the two triage words.
CREATE TABLE findings_new (
    id               TEXT PRIMARY KEY,
    detector         TEXT NOT NULL,
    category         TEXT NOT NULL CHECK (category IN ('secret', 'pii', 'pci', 'phi')),
    severity         TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    confidence       REAL NOT NULL,
    masked           TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    space_key        TEXT NOT NULL,
    content_type     TEXT NOT NULL
                     CHECK (content_type IN ('page', 'blogpost', 'comment', 'attachment', 'file')),
    -- The id of the item the finding sits in (comment, attachment or page): the key that
    -- content_state and scan_contents use.
    item_id          TEXT NOT NULL,
    page_id          TEXT NOT NULL,
    page_version     BIGINT,
    comment_id       TEXT,
    attachment_id    TEXT,
    attachment_title TEXT,
    path             TEXT,
    sheet            TEXT,
    cell             TEXT,
    pdf_page         BIGINT,
    line             BIGINT,
    start_offset     BIGINT,
    end_offset       BIGINT,
    status           TEXT NOT NULL
                     CHECK (status IN ('open', 'resolved', 'false_positive', 'accepted_risk')),
    first_seen_at    BIGINT NOT NULL,
    last_seen_at     BIGINT NOT NULL,
    resolved_at      BIGINT,
    last_scan_id     TEXT REFERENCES scans (id) ON DELETE SET NULL,
    -- `location.region` (0002).
    region           TEXT
);

INSERT INTO findings_new SELECT * FROM findings;
DROP TABLE findings;
ALTER TABLE findings_new RENAME TO findings;
CREATE INDEX findings_by_space_status ON findings (space_key, status);
CREATE INDEX findings_by_item ON findings (content_type, item_id);
CREATE INDEX findings_by_page ON findings (page_id);
CREATE INDEX findings_by_fingerprint ON findings (fingerprint);
