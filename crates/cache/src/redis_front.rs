//! The production front: Redis, shared by every process of the service, so that what one
//! worker learns every API process answers with, and one invalidation reaches them all.
//!
//! Each entry is a key of its own with the cache's maximum age as its TTL: a verdict at
//! `{prefix}:verdict:{content id}`, a known value at `{prefix}:value:{fingerprint}`, each JSON.
//! A sorted set per kind records when each key was written; after every write the oldest past
//! `max_entries` are deleted, so the cache stays bounded in size whatever Redis' own memory
//! policy is. The trim gives the sorted set the maximum age too: no key of the cache outlives
//! the entries it counts, and a prefix no one writes to any more (a retired deployment, a
//! test) is gone from Redis once its last entry has expired.

use std::collections::HashMap;
use std::time::Duration;

use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{CacheError, CacheLimits, KnownValue, Verdict};

/// Deletes the keys of the sorted set KEYS[1] written before ARGV[1] (ms) and, of the rest,
/// the oldest past ARGV[2] entries, and gives the set ARGV[3] seconds to live, as its newest
/// entry has. In one script, so two writers trimming at once cannot leave members whose keys
/// are gone or keys no member counts.
const TRIM: &str = r"
redis.call('EXPIRE', KEYS[1], ARGV[3])
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
for _, key in ipairs(stale) do redis.call('DEL', key) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if excess > 0 then
  local old = redis.call('ZRANGE', KEYS[1], 0, excess - 1)
  for _, key in ipairs(old) do redis.call('DEL', key) end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
end
return 0
";

pub struct RedisFront {
    conn: ConnectionManager,
    prefix: String,
    limits: CacheLimits,
    trim: redis::Script,
}

impl RedisFront {
    /// Connects to `url`; keys go under `prefix` (one per deployment sharing a Redis).
    pub async fn connect(url: &str, prefix: &str, limits: CacheLimits) -> Result<Self, CacheError> {
        let client = redis::Client::open(url).map_err(redis_error)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_connection_timeout(Some(Duration::from_secs(5)));
        let conn = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(redis_error)?;
        Ok(RedisFront {
            conn,
            prefix: prefix.to_owned(),
            limits,
            trim: redis::Script::new(TRIM),
        })
    }

    fn verdict_key(&self, content_id: &str) -> String {
        format!("{}:verdict:{content_id}", self.prefix)
    }

    fn value_key(&self, fingerprint: &str) -> String {
        format!("{}:value:{fingerprint}", self.prefix)
    }

    fn holders_key(&self, fingerprint: &str) -> String {
        format!("{}:holders:{fingerprint}", self.prefix)
    }

    fn index(&self, kind: &str) -> String {
        format!("{}:{kind}s", self.prefix)
    }

    pub(crate) async fn put(
        &self,
        verdicts: &[Verdict],
        values: &[KnownValue],
    ) -> Result<(), CacheError> {
        let ttl = self.limits.max_age.as_secs().max(1);
        let now = now_ms();
        let mut pipe = redis::pipe();
        for v in verdicts {
            let key = self.verdict_key(&v.content_id);
            pipe.set_ex(&key, to_json(v)?, ttl).ignore();
            pipe.zadd(self.index("verdict"), &key, now).ignore();
            // Which items hold each value, so that a value's triage can drop their verdicts.
            for span in &v.spans {
                let holders = self.holders_key(&span.fingerprint);
                pipe.sadd(&holders, &v.content_id).ignore();
                pipe.expire(&holders, i64::try_from(ttl).unwrap_or(i64::MAX))
                    .ignore();
            }
        }
        for v in values {
            let key = self.value_key(&v.fingerprint);
            pipe.set_ex(&key, to_json(v)?, ttl).ignore();
            pipe.zadd(self.index("value"), &key, now).ignore();
        }
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn)
            .await
            .map_err(redis_error)?;
        let oldest_kept =
            now.saturating_sub(i64::try_from(self.limits.max_age.as_millis()).unwrap_or(i64::MAX));
        for (kind, wrote) in [
            ("verdict", !verdicts.is_empty()),
            ("value", !values.is_empty()),
        ] {
            if wrote {
                self.trim
                    .key(self.index(kind))
                    .arg(oldest_kept)
                    .arg(self.limits.max_entries)
                    .arg(ttl)
                    .invoke_async::<i64>(&mut conn)
                    .await
                    .map_err(redis_error)?;
            }
        }
        Ok(())
    }

    pub(crate) async fn verdict(&self, content_id: &str) -> Result<Option<Verdict>, CacheError> {
        let mut conn = self.conn.clone();
        let json: Option<String> = conn
            .get(self.verdict_key(content_id))
            .await
            .map_err(redis_error)?;
        // An entry that does not read (written by another release) is a miss; the store
        // answers and the entry is written again.
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    pub(crate) async fn values(
        &self,
        fingerprints: &[String],
    ) -> Result<HashMap<String, KnownValue>, CacheError> {
        if fingerprints.is_empty() {
            return Ok(HashMap::new());
        }
        let keys: Vec<String> = fingerprints.iter().map(|f| self.value_key(f)).collect();
        let mut conn = self.conn.clone();
        let found: Vec<Option<String>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        Ok(found
            .into_iter()
            .flatten()
            .filter_map(|j| serde_json::from_str::<KnownValue>(&j).ok())
            .map(|v| (v.fingerprint.clone(), v))
            .collect())
    }

    pub(crate) async fn forget(
        &self,
        content_ids: &[String],
        fingerprints: &[String],
    ) -> Result<(), CacheError> {
        let mut conn = self.conn.clone();
        let mut ids: Vec<String> = content_ids.to_vec();
        for fingerprint in fingerprints {
            let holders: Vec<String> = conn
                .smembers(self.holders_key(fingerprint))
                .await
                .map_err(redis_error)?;
            ids.extend(holders);
        }
        let mut pipe = redis::pipe();
        for id in &ids {
            let key = self.verdict_key(id);
            pipe.del(&key).ignore();
            pipe.zrem(self.index("verdict"), &key).ignore();
        }
        for fingerprint in fingerprints {
            let key = self.value_key(fingerprint);
            pipe.del(&key).ignore();
            pipe.zrem(self.index("value"), &key).ignore();
            pipe.del(self.holders_key(fingerprint)).ignore();
        }
        pipe.query_async::<()>(&mut conn).await.map_err(redis_error)
    }

    /// The seconds left to every key under the prefix, by key (for tests: which keys would
    /// stay in Redis for ever).
    #[cfg(test)]
    pub(crate) async fn ttls(&self) -> Result<Vec<(String, i64)>, CacheError> {
        let mut conn = self.conn.clone();
        let keys: Vec<String> = conn
            .keys(format!("{}:*", self.prefix))
            .await
            .map_err(redis_error)?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let ttl: i64 = conn.ttl(&key).await.map_err(redis_error)?;
            out.push((key, ttl));
        }
        Ok(out)
    }

    /// Entries held: verdicts, known values (for tests and the health page).
    pub async fn len(&self) -> Result<(usize, usize), CacheError> {
        let mut conn = self.conn.clone();
        let verdicts: usize = conn
            .zcard(self.index("verdict"))
            .await
            .map_err(redis_error)?;
        let values: usize = conn.zcard(self.index("value")).await.map_err(redis_error)?;
        Ok((verdicts, values))
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, CacheError> {
    serde_json::to_string(value).map_err(|e| CacheError::Corrupt(e.to_string()))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Redis' messages can name the server; keep the kind and category only.
fn redis_error(e: redis::RedisError) -> CacheError {
    CacheError::Redis(format!("{:?}: {}", e.kind(), e.category()))
}
