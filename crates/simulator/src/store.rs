//! The content the simulator serves, loaded once from a sample directory (layout in
//! `samples/README.md`) and checked for consistency so that a broken sample fails at start-up
//! with the file at fault, not later as a puzzling API answer.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use chrono::{DateTime, Utc};

use super::SimulatorError;
use super::access::{Group, Restrictions, SpacePermission};
use super::disk;

/// Pages and blog posts: the two kinds of content that hold comments and attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    Page,
    BlogPost,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentLocation {
    Footer,
    Inline,
}

#[derive(Debug, Clone)]
pub struct Version {
    pub number: u32,
    pub created_at: DateTime<Utc>,
    pub message: String,
    pub minor_edit: bool,
    pub author_id: String,
}

#[derive(Debug, Clone)]
pub struct Space {
    pub id: u64,
    pub key: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub author_id: String,
    pub created_at: DateTime<Utc>,
    pub homepage_id: u64,
    pub description: String,
}

/// A page or a blog post.
#[derive(Clone)]
pub struct Document {
    pub kind: DocKind,
    pub id: u64,
    pub space_id: u64,
    pub status: String,
    pub title: String,
    pub parent_id: Option<u64>,
    pub position: Option<i32>,
    pub author_id: String,
    pub owner_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: Version,
    pub body: String,
    /// Older versions and their bodies, oldest first: each write keeps the version it
    /// replaces. A version missing here (before the simulator started) reads as deleted.
    pub history: Vec<(Version, String)>,
}

impl Document {
    /// The document as it was at `number`: the current one, or an older version with its
    /// body; `None` for a version not kept (deleted, or from before the simulator started).
    pub fn at_version(&self, number: u32) -> Option<Document> {
        if number == self.version.number {
            return Some(self.clone());
        }
        let (version, body) = self.history.iter().find(|(v, _)| v.number == number)?;
        Some(Document {
            version: version.clone(),
            body: body.clone(),
            status: "historical".into(),
            history: Vec::new(),
            ..self.clone()
        })
    }

    /// Makes `version` with `body` the current one, keeping the one it replaces.
    pub fn new_version(&mut self, version: Version, body: String) {
        let old_version = std::mem::replace(&mut self.version, version);
        let old_body = std::mem::replace(&mut self.body, body);
        self.history.push((old_version, old_body));
    }
}

#[derive(Clone)]
pub struct InlineAnchor {
    pub resolution_status: String,
    pub marker_ref: String,
    pub original_selection: String,
}

#[derive(Clone)]
pub struct Comment {
    pub id: u64,
    pub container: (DocKind, u64),
    /// The comment this one replies to; `None` for a root comment.
    pub parent: Option<u64>,
    pub location: CommentLocation,
    pub inline: Option<InlineAnchor>,
    pub status: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub version: Version,
    pub body: String,
    /// Older versions and their bodies, oldest first, as a document keeps them.
    pub history: Vec<(Version, String)>,
}

impl Comment {
    /// Makes `version` with `body` the current one, keeping the one it replaces.
    pub fn new_version(&mut self, version: Version, body: String) {
        let old_version = std::mem::replace(&mut self.version, version);
        let old_body = std::mem::replace(&mut self.body, body);
        self.history.push((old_version, old_body));
    }
}

#[derive(Clone)]
pub struct Attachment {
    /// The numeric part of the v2 id (`att65601` has id 65601).
    pub id: u64,
    pub container: (DocKind, u64),
    pub status: String,
    pub title: String,
    pub media_type: String,
    pub comment: String,
    pub file_id: String,
    pub created_at: DateTime<Utc>,
    pub version: Version,
    pub bytes: Bytes,
}

// Titles, bodies and bytes are content under scan and may hold the very values a scanner
// looks for; Debug output shows identities only.
impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("kind", &self.kind)
            .field("id", &self.id)
            .field("space_id", &self.space_id)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Comment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Comment")
            .field("id", &self.id)
            .field("container", &self.container)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("id", &self.id)
            .field("container", &self.container)
            .field("file_size", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// Everything loaded, indexed by numeric id. Ids are unique across all content, as on Cloud.
#[derive(Debug, Default, Clone)]
pub struct Store {
    pub spaces: BTreeMap<u64, Space>,
    // Behind `Arc`s: a write copies the store (copy on write, see `AppState::write`), and a
    // copy must cost a pointer per item, not every body, or writes slow down as they pile up.
    pub pages: BTreeMap<u64, Arc<Document>>,
    pub blogposts: BTreeMap<u64, Arc<Document>>,
    pub comments: BTreeMap<u64, Arc<Comment>>,
    pub attachments: BTreeMap<u64, Arc<Attachment>>,
    attachments_by_file: HashMap<String, u64>,
    /// Groups by name, with their Cloud ids ([`crate::access`]).
    pub groups: Vec<Group>,
    /// Each space's permissions, by space id.
    pub space_permissions: BTreeMap<u64, Vec<SpacePermission>>,
    /// Read and update restrictions, by page or blog post id; absent means none.
    pub restrictions: BTreeMap<u64, Restrictions>,
    /// Classification level ids by content id, and each space's default level.
    pub classification: BTreeMap<u64, String>,
    pub space_classification: BTreeMap<u64, String>,
}

impl Store {
    /// `root` is a space directory (it holds `space.json`) or a directory of space directories.
    pub fn load(root: &Path) -> Result<Store, SimulatorError> {
        let space_dirs = if root.join("space.json").is_file() {
            vec![root.to_path_buf()]
        } else {
            let mut dirs: Vec<PathBuf> = disk::read_dir(root)?
                .into_iter()
                .filter(|p| p.join("space.json").is_file())
                .collect();
            dirs.sort();
            dirs
        };
        if space_dirs.is_empty() {
            return Err(SimulatorError::NoSpaces {
                root: root.to_path_buf(),
            });
        }
        let mut store = Store::default();
        for dir in &space_dirs {
            store.load_space(dir)?;
        }
        Ok(store)
    }

    pub fn document(&self, kind: DocKind, id: u64) -> Option<&Document> {
        match kind {
            DocKind::Page => self.pages.get(&id).map(|d| &**d),
            DocKind::BlogPost => self.blogposts.get(&id).map(|d| &**d),
        }
    }

    /// The id new content gets: above every id in use, as ids are one sequence.
    pub fn next_id(&self) -> u64 {
        self.all_ids().into_iter().max().unwrap_or(0) + 1
    }

    /// The pages above a page, root first (none for a blog post); a loop in the parents ends
    /// the walk rather than the process.
    pub fn page_ancestors(&self, doc: &Document) -> Vec<u64> {
        let mut chain = Vec::new();
        let mut parent = doc.parent_id;
        while let Some(id) = parent.filter(|id| chain.len() < 256 && !chain.contains(id)) {
            chain.push(id);
            parent = self.pages.get(&id).and_then(|p| p.parent_id);
        }
        chain.reverse();
        chain
    }

    /// Adds an attachment, indexed by its file id as loaded ones are.
    pub fn insert_attachment(&mut self, attachment: Attachment) {
        self.attachments_by_file
            .insert(attachment.file_id.clone(), attachment.id);
        self.attachments.insert(attachment.id, Arc::new(attachment));
    }

    /// Removes an attachment and its file id; `None` when there is no such attachment.
    pub fn remove_attachment(&mut self, id: u64) -> Option<Arc<Attachment>> {
        let removed = self.attachments.remove(&id)?;
        self.attachments_by_file.remove(&removed.file_id);
        Some(removed)
    }

    pub fn space_of(&self, doc: &Document) -> Option<&Space> {
        self.spaces.get(&doc.space_id)
    }

    pub fn attachment_by_file_id(&self, file_id: &str) -> Option<&Attachment> {
        self.attachments_by_file
            .get(file_id)
            .and_then(|id| self.attachments.get(id))
            .map(|a| &**a)
    }

    fn load_space(&mut self, dir: &Path) -> Result<(), SimulatorError> {
        let file = dir.join("space.json");
        let space = disk::load_space(&file)?;
        if self.spaces.contains_key(&space.id) || self.spaces.values().any(|s| s.key == space.key) {
            return Err(disk::invalid(
                &file,
                "a space with this id or key is already loaded",
            ));
        }
        let space_id = space.id;
        let homepage_id = space.homepage_id;
        self.spaces.insert(space_id, space);

        let mut ids = self.all_ids();
        for (kind, folder) in [(DocKind::Page, "pages"), (DocKind::BlogPost, "blogposts")] {
            for json in disk::json_files(&dir.join(folder))? {
                let doc = disk::load_document(kind, space_id, &json)?;
                claim(&mut ids, doc.id, &json)?;
                match kind {
                    DocKind::Page => self.pages.insert(doc.id, Arc::new(doc)),
                    DocKind::BlogPost => self.blogposts.insert(doc.id, Arc::new(doc)),
                };
            }
        }
        if !self.pages.contains_key(&homepage_id) {
            return Err(disk::invalid(
                &dir.join("space.json"),
                "homepageId names no page of this space",
            ));
        }
        for page in self.pages.values().filter(|p| p.space_id == space_id) {
            if let Some(parent) = page.parent_id
                && self
                    .pages
                    .get(&parent)
                    .is_none_or(|p| p.space_id != space_id)
            {
                return Err(disk::invalid(
                    &dir.join("pages").join(format!("{}.json", page.id)),
                    "parentId names no page of this space",
                ));
            }
        }
        for json in disk::json_files(&dir.join("comments"))? {
            let comment = disk::load_comment(&json)?;
            self.check_container(comment.container, space_id, &json)?;
            claim(&mut ids, comment.id, &json)?;
            self.comments.insert(comment.id, Arc::new(comment));
        }
        for reply in self.comments.values() {
            let Some(parent) = reply.parent else { continue };
            let fits = self.comments.get(&parent).is_some_and(|p| {
                p.container == reply.container && p.location == reply.location && p.id != reply.id
            });
            if !fits {
                return Err(disk::invalid(
                    &dir.join("comments").join(format!("{}.json", reply.id)),
                    "parentCommentId names no comment in the same place of the same page",
                ));
            }
        }
        let mut titles: HashSet<((DocKind, u64), String)> = HashSet::new();
        for json in disk::json_files(&dir.join("attachments"))? {
            let attachment = disk::load_attachment(dir, &json)?;
            self.check_container(attachment.container, space_id, &json)?;
            claim(&mut ids, attachment.id, &json)?;
            // Downloads address a file by container and file name, so names must be unique there.
            if !titles.insert((attachment.container, attachment.title.clone())) {
                return Err(disk::invalid(
                    &json,
                    "another attachment of the same container has this title",
                ));
            }
            if self
                .attachments_by_file
                .insert(attachment.file_id.clone(), attachment.id)
                .is_some()
            {
                return Err(disk::invalid(&json, "fileId is not unique"));
            }
            self.attachments.insert(attachment.id, Arc::new(attachment));
        }
        super::access::load(self, dir, space_id)
    }

    fn all_ids(&self) -> HashSet<u64> {
        self.pages
            .keys()
            .chain(self.blogposts.keys())
            .chain(self.comments.keys())
            .chain(self.attachments.keys())
            .copied()
            .collect()
    }

    fn check_container(
        &self,
        container: (DocKind, u64),
        space_id: u64,
        file: &Path,
    ) -> Result<(), SimulatorError> {
        match self.document(container.0, container.1) {
            Some(doc) if doc.space_id == space_id => Ok(()),
            _ => Err(disk::invalid(
                file,
                "containerId names no page or blog post of this space",
            )),
        }
    }
}

fn claim(ids: &mut HashSet<u64>, id: u64, file: &Path) -> Result<(), SimulatorError> {
    if ids.insert(id) {
        Ok(())
    } else {
        Err(disk::invalid(file, "content id is used twice"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn sample() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples/spaces")
    }

    #[test]
    fn loads_the_sample_space_with_consistent_links() {
        let store = Store::load(&sample()).expect("sample space loads");
        assert_eq!(store.spaces.len(), 1);
        assert!(store.pages.len() >= 32 && store.blogposts.len() >= 6);
        assert!(store.comments.len() >= 20 && store.attachments.len() >= 12);
        for a in store.attachments.values() {
            assert_eq!(
                store.attachment_by_file_id(&a.file_id).map(|x| x.id),
                Some(a.id)
            );
        }
    }

    #[test]
    fn a_single_space_dir_loads_the_same_as_its_parent() {
        let one = Store::load(&sample().join("ENG")).expect("space dir loads");
        let all = Store::load(&sample()).expect("root loads");
        assert_eq!(one.pages.len(), all.pages.len());
    }

    #[test]
    fn missing_and_empty_roots_are_clear_errors() {
        let missing = Store::load(Path::new("/nonexistent/samples")).unwrap_err();
        assert!(matches!(missing, SimulatorError::Io { .. }), "{missing}");
        let empty = tempfile::tempdir().expect("tempdir");
        let err = Store::load(empty.path()).unwrap_err();
        assert!(matches!(err, SimulatorError::NoSpaces { .. }), "{err}");
    }

    #[test]
    fn malformed_json_is_reported_without_quoting_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(
            dir.path().join("space.json"),
            r#"{"id": "SECRET-VALUE-123", "key": 7}"#,
        )
        .expect("write");
        let err = Store::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("space.json"), "{err}");
        assert!(!err.contains("SECRET-VALUE-123"), "{err}");
    }
}
