-- Page history (issue 15). Keep in step with the other backend's 0010_page_history.sql: only
-- the way the content type check is widened differs.
--
-- The older versions of a page or blog post are one item of their own per page, content type
-- `history` (its findings never resolve the current body's, nor the other way round).
-- SQLite cannot alter a CHECK constraint: the findings table is rebuilt with the same columns
-- (those of 0005, `change_seq` of 0006, the generated `severity_rank` of 0007) and indexes.
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
                     CHECK (content_type IN ('page', 'blogpost', 'comment', 'attachment', 'file',
                                             'history')),
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
    region           TEXT,
    change_seq       BIGINT NOT NULL DEFAULT 1,
    severity_rank    BIGINT GENERATED ALWAYS AS (
        CASE severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END
    ) VIRTUAL
);

INSERT INTO findings_new (id, detector, category, severity, confidence, masked, fingerprint,
    space_key, content_type, item_id, page_id, page_version, comment_id, attachment_id,
    attachment_title, path, sheet, cell, pdf_page, line, start_offset, end_offset, status,
    first_seen_at, last_seen_at, resolved_at, last_scan_id, region, change_seq)
SELECT id, detector, category, severity, confidence, masked, fingerprint,
    space_key, content_type, item_id, page_id, page_version, comment_id, attachment_id,
    attachment_title, path, sheet, cell, pdf_page, line, start_offset, end_offset, status,
    first_seen_at, last_seen_at, resolved_at, last_scan_id, region, change_seq
FROM findings;
DROP TABLE findings;
ALTER TABLE findings_new RENAME TO findings;
CREATE INDEX findings_by_item ON findings (content_type, item_id);
CREATE INDEX findings_by_page ON findings (page_id);
CREATE INDEX findings_by_fingerprint ON findings (fingerprint);
CREATE INDEX findings_by_change ON findings (change_seq, id);
CREATE INDEX findings_by_space_status ON findings (space_key, status, id);
CREATE INDEX findings_by_space_first_seen ON findings (space_key, first_seen_at, id);
CREATE INDEX findings_by_space_last_seen ON findings (space_key, last_seen_at, id);
CREATE INDEX findings_by_space_severity ON findings (space_key, severity_rank, id);
CREATE INDEX findings_by_first_seen ON findings (first_seen_at, id);
CREATE INDEX findings_by_last_seen ON findings (last_seen_at, id);
CREATE INDEX findings_by_severity ON findings (severity_rank, id);
CREATE INDEX findings_summary ON findings (space_key, category, severity, detector, status);

-- How far back a scan reads older versions (`scan --history`): NULL for none, `all`, or a
-- number of versions before the current one. Crawl jobs read it from the scan's row.
ALTER TABLE scans ADD COLUMN history TEXT;

-- Older versions of a page or blog post already classified, by rule pack: a version never
-- changes once written, so a later history scan under the same rules does not fetch it again.
-- `item_id` is the page's (the id of its history item); a version that was deleted (404) is
-- recorded too, as read.
CREATE TABLE history_versions (
    item_id      TEXT NOT NULL,
    version      BIGINT NOT NULL,
    rules_digest TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (item_id, version)
);

-- `in_history_only` of a history finding is read with it: whether the page's current body
-- has an open finding of the same rule and value. One probe of this index per finding served.
CREATE INDEX findings_by_value_in_item ON findings (item_id, fingerprint, detector, status);
