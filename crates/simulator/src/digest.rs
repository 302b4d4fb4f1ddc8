//! A fingerprint of everything a client can change: documents (title, status, body, version
//! and the versions kept), comments (body, version, history), attachments (metadata and
//! bytes), restrictions, space permissions and classification. Tests compare two digests to
//! show that a dry run wrote nothing, or that a write did.
//!
//! The digest is SHA-256 over a canonical walk of the store in id order; timestamps of
//! versions are part of it, so two writes of the same text still differ.

use sha2::{Digest, Sha256};

use super::access::Subject;
use super::store::{Store, Version};

pub fn state_digest(store: &Store) -> String {
    let mut h = Hasher(Sha256::new());
    for d in store.pages.values().chain(store.blogposts.values()) {
        h.field("document").num(d.id).text(&d.title).text(&d.status);
        h.opt(d.parent_id);
        h.version(&d.version).text(&d.body);
        for (v, body) in &d.history {
            h.version(v).text(body);
        }
    }
    for c in store.comments.values() {
        h.field("comment")
            .num(c.id)
            .text(&c.status)
            .version(&c.version)
            .text(&c.body);
        for (v, body) in &c.history {
            h.version(v).text(body);
        }
    }
    for a in store.attachments.values() {
        h.field("attachment")
            .num(a.id)
            .num(a.container.1)
            .text(&a.status);
        h.text(&a.title)
            .text(&a.media_type)
            .text(&a.comment)
            .version(&a.version);
        h.bytes(&a.bytes);
    }
    for (id, r) in &store.restrictions {
        h.field("restrictions").num(*id);
        for s in &r.read {
            h.field("read").subject(s);
        }
        for s in &r.update {
            h.field("update").subject(s);
        }
    }
    for (space, permissions) in &store.space_permissions {
        let mut sorted: Vec<_> = permissions.iter().collect();
        sorted.sort_by_key(|p| p.id);
        for p in sorted {
            h.field("permission")
                .num(*space)
                .num(p.id)
                .subject(&p.subject);
            h.text(&p.operation).text(&p.target);
        }
    }
    for (id, level) in store
        .classification
        .iter()
        .chain(&store.space_classification)
    {
        h.field("classification").num(*id).text(level);
    }
    hex::encode(h.0.finalize())
}

/// Length-prefixed fields, so that no two different states hash the same bytes.
struct Hasher(Sha256);

impl Hasher {
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.update((b.len() as u64).to_le_bytes());
        self.0.update(b);
        self
    }
    fn text(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }
    fn field(&mut self, name: &str) -> &mut Self {
        self.text(name)
    }
    fn num(&mut self, n: u64) -> &mut Self {
        self.0.update(n.to_le_bytes());
        self
    }
    fn opt(&mut self, n: Option<u64>) -> &mut Self {
        match n {
            Some(n) => self.num(1).num(n),
            None => self.num(0),
        }
    }
    fn version(&mut self, v: &Version) -> &mut Self {
        self.num(u64::from(v.number))
            .text(&v.message)
            .text(&v.author_id)
            .num(v.created_at.timestamp_micros() as u64)
    }
    fn subject(&mut self, s: &Subject) -> &mut Self {
        match s {
            Subject::User(a) => self.text("user").text(a),
            Subject::Group(g) => self.text("group").text(g),
            Subject::Anonymous => self.text("anonymous"),
        }
    }
}
