-- Local files are findings of their own content type, 'file' (they were 'attachment').
-- SQLite cannot alter a CHECK constraint: the table is rebuilt with the same columns.
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
    status           TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
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
