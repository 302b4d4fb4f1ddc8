-- The service's scans and search feed (issue 14). Keep in step with the other backend's
-- 0006_service_scans.sql (this file is the same on both).
--
-- A scan started over the API or by a schedule is crawled by a worker, not by the process
-- that started it: the crawl is a job of the scan (item key `crawl:KEY`), so a scan is done
-- exactly when none of its jobs is queued, whoever ran them. `mode` is `full` or
-- `incremental`; an incremental scan looks only at content modified after `since_at`.
-- `rules_digest` is the rule pack that classified it, which decides whether the next
-- scheduled scan may be incremental. A scan of every space (`all_spaces` = 1) is the parent
-- of one scan per space (`parent_id`) and finishes when they all have.
ALTER TABLE scans ADD COLUMN mode TEXT NOT NULL DEFAULT 'full';
ALTER TABLE scans ADD COLUMN all_spaces BIGINT NOT NULL DEFAULT 0;
ALTER TABLE scans ADD COLUMN parent_id TEXT;
ALTER TABLE scans ADD COLUMN since_at BIGINT;
ALTER TABLE scans ADD COLUMN rules_digest TEXT;
-- Why a scan failed (a safe message: no content).
ALTER TABLE scans ADD COLUMN error TEXT;
CREATE INDEX scans_by_parent ON scans (parent_id);
CREATE INDEX scans_by_space ON scans (space_key, status, started_at);

-- Confluence requests each job spent (retries included): a scan's cost in API quota.
ALTER TABLE scan_items ADD COLUMN api_requests BIGINT NOT NULL DEFAULT 0;

-- Pages as the crawler last listed them: the title and the link a person follows
-- (`_links.webui`, made absolute). Findings of the page, its comments and its attachments
-- are served with these.
CREATE TABLE content_pages (
    page_id    TEXT PRIMARY KEY,
    space_key  TEXT NOT NULL,
    title      TEXT NOT NULL,
    web_link   TEXT,
    updated_at BIGINT NOT NULL
);

-- Search feed: every write to a finding (and every change of its page's title) stamps it
-- with the next value of one counter, taken under a row lock that is held until commit. A
-- transaction that stamps N therefore commits after every transaction that stamped less, so
-- an index that has read everything up to N has missed nothing below it, whichever order
-- concurrent writers ran in.
ALTER TABLE findings ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 1;
CREATE INDEX findings_by_change ON findings (change_seq, id);
CREATE TABLE change_counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO change_counters (name, value) VALUES ('findings', 1);

-- The scheduler role: the last tick each configured schedule acted on (so that a tick missed
-- while no scheduler ran is acted on once at start, and never twice), and leases that let one
-- scheduler act at a time however many run. A lease is held until `expires_at` (ms) and
-- renewed by its holder; another process takes it only once it has lapsed.
CREATE TABLE schedule_ticks (
    name         TEXT PRIMARY KEY,
    last_tick_at BIGINT NOT NULL,
    last_scan_id TEXT,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
