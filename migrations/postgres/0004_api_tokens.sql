-- API tokens (issue 14). Keep in step with the other backend's 0004_api_tokens.sql.
--
-- Only a keyed hash of each token is kept (HMAC-SHA256 under the server key's API-token
-- purpose key, hex): a copy of this table lets no one call the API. A request's token is
-- hashed and looked up by that hash, so no comparison of secrets happens in application code.
-- `scopes` is a space-separated list of scope words. A revoked token keeps its row, so its
-- name stays taken and `token list` shows when it was revoked.
CREATE TABLE api_tokens (
    name         TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
