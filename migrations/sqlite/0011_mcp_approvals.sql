-- MCP tool calls waiting for a person's approval (issue 16). Keep in step with the other
-- backend's 0011_mcp_approvals.sql.
--
-- The MCP proxy writes a row when a tool whose policy is `approval` is called, and waits for
-- `POST /api/v1/mcp/approvals/{id}` (any process of the deployment) to decide it. A row holds
-- no argument: only their keyed digest, and the detectors that matched in them.
-- `status`: pending, approved, denied, expired (nobody decided before the proxy gave up).
CREATE TABLE mcp_approvals (
    id          TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    client      TEXT NOT NULL,
    tool        TEXT NOT NULL,
    args_digest TEXT NOT NULL,
    detectors   TEXT NOT NULL,
    status      TEXT NOT NULL,
    decided_by  TEXT,
    decided_at  BIGINT,
    reason      TEXT
);
CREATE INDEX mcp_approvals_status ON mcp_approvals (status, created_at);
