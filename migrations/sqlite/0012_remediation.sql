-- Remediation and exposure (issue 17). Keep in step with the other backend's
-- 0012_remediation.sql: the two are identical.

-- Who can read each page or blog post that has findings, as last read from Confluence:
-- `exposure` is public (anonymous users), site (every licensed user, through a site-wide group
-- or guests), space (the space's own members) or restricted (page restrictions, its own or an
-- ancestor's). `detail` is JSON naming the audiences (groups, anonymous, the restricting
-- ancestor); never content.
CREATE TABLE page_exposure (
    page_id    TEXT PRIMARY KEY,
    space_key  TEXT NOT NULL,
    exposure   TEXT NOT NULL CHECK (exposure IN ('public', 'site', 'space', 'restricted')),
    detail     TEXT NOT NULL,
    checked_at BIGINT NOT NULL
);

-- One planned change to Confluence, from its plan to its verification or undo.
-- `dedup_key` (policy, action, target and the findings it is for) keeps a scan that finds the
-- same things again from planning the same change twice, including one a person rejected.
-- `plan` and `result` are JSON: masked snippets, permission snapshots, version numbers,
-- quarantine references; never a raw value. `state`: planned, approved, rejected, running,
-- done, verified, failed, undone. A `running` row whose `lease_until` has passed belongs to a
-- worker that died; another takes it again (the action itself is idempotent).
CREATE TABLE remediations (
    id            TEXT PRIMARY KEY,
    dedup_key     TEXT NOT NULL UNIQUE,
    policy        TEXT NOT NULL,
    action        TEXT NOT NULL,
    mode          TEXT NOT NULL,
    state         TEXT NOT NULL,
    space_key     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    page_id       TEXT NOT NULL,
    comment_id    TEXT,
    attachment_id TEXT,
    title         TEXT,
    web_link      TEXT,
    finding_ids   TEXT NOT NULL,
    plan          TEXT NOT NULL,
    result        TEXT,
    error         TEXT,
    attempts      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    not_before    BIGINT,
    lease_until   BIGINT,
    decided_by    TEXT,
    decided_at    BIGINT,
    reason        TEXT
);
CREATE INDEX remediations_by_state ON remediations (state, not_before);
CREATE INDEX remediations_by_page ON remediations (page_id, created_at);

-- Attachments taken out of Confluence by a quarantine: their bytes sealed under the seal key
-- (as job payloads are), so restoring can upload them again. Deleted once restored.
CREATE TABLE quarantined_attachments (
    remediation_id TEXT PRIMARY KEY,
    attachment_id  TEXT NOT NULL,
    container_id   TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    size           BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    sealed         TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
