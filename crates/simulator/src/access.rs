//! Who may see what: each space's permissions (a subject, an operation key such as `read` or
//! `administer`, and its target, `space` or a content type), each page's or blog post's
//! read and update restrictions, the groups both name, and data classification. Loaded from
//! the optional `permissions.json` of a space directory (layout in `samples/README.md`);
//! without it a space has no permissions, no restrictions and no classification.
//!
//! Subjects are kept as Cloud and Data Center both can name them: a user by account id
//! (which the simulator also uses as Data Center's user key), a group by name (with its
//! Cloud id in [`Group`]), or anonymous users.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::SimulatorError;
use super::disk;
use super::store::{DocKind, Store};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// An account id (Cloud), which is also the user key on Data Center.
    User(String),
    /// A group name.
    Group(String),
    Anonymous,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpacePermission {
    pub id: u64,
    pub subject: Subject,
    pub operation: String,
    pub target: String,
}

/// Who, beyond the space's permissions, may read and update a page or blog post; empty
/// lists mean no restriction. Only users and groups can be named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restrictions {
    pub read: Vec<Subject>,
    pub update: Vec<Subject>,
}

impl Restrictions {
    pub fn is_empty(&self) -> bool {
        self.read.is_empty() && self.update.is_empty()
    }
}

/// A classification level, as Cloud's organisation defines them.
pub struct Level {
    pub id: &'static str,
    pub name: &'static str,
    pub order: u32,
    pub color: &'static str,
    pub guideline: &'static str,
}

/// The levels every simulated Cloud site has, least sensitive first.
pub const LEVELS: [Level; 4] = [
    Level {
        id: "7c1f0a5e-1d2b-4c3a-9e8f-000000000001",
        name: "Public",
        order: 1,
        color: "GREEN",
        guideline: "May be shared with anyone.",
    },
    Level {
        id: "7c1f0a5e-1d2b-4c3a-9e8f-000000000002",
        name: "Internal",
        order: 2,
        color: "BLUE",
        guideline: "For employees and contractors.",
    },
    Level {
        id: "7c1f0a5e-1d2b-4c3a-9e8f-000000000003",
        name: "Confidential",
        order: 3,
        color: "ORANGE",
        guideline: "For the people who need it; never outside the company.",
    },
    Level {
        id: "7c1f0a5e-1d2b-4c3a-9e8f-000000000004",
        name: "Restricted",
        order: 4,
        color: "RED",
        guideline: "Named people only; regulated data.",
    },
];

pub fn level_by_id(id: &str) -> Option<&'static Level> {
    LEVELS.iter().find(|l| l.id == id)
}

fn level_by_name(name: &str) -> Option<&'static Level> {
    LEVELS.iter().find(|l| l.name == name)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AccessFile {
    #[serde(default)]
    groups: Vec<GroupFile>,
    #[serde(default)]
    space_permissions: Vec<PermissionFile>,
    #[serde(default)]
    restrictions: Vec<RestrictionFile>,
    #[serde(default)]
    classification: Option<ClassificationFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionFile {
    id: String,
    subject: SubjectFile,
    operation: OperationFile,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum SubjectFile {
    User {
        #[serde(rename = "accountId")]
        account_id: String,
    },
    Group {
        name: String,
    },
    Anonymous,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OperationFile {
    key: String,
    target: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RestrictionFile {
    content_id: String,
    #[serde(default)]
    read: NamesFile,
    #[serde(default)]
    update: NamesFile,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NamesFile {
    #[serde(default)]
    users: Vec<String>,
    #[serde(default)]
    groups: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClassificationFile {
    #[serde(default)]
    space_default: Option<String>,
    #[serde(default)]
    content: BTreeMap<String, String>,
}

/// Reads `permissions.json` of the space directory `dir` (space `space_id`), if it exists,
/// into the store; a name that matches nothing is a start-up error naming the file.
pub(crate) fn load(store: &mut Store, dir: &Path, space_id: u64) -> Result<(), SimulatorError> {
    let file = dir.join("permissions.json");
    if !file.is_file() {
        return Ok(());
    }
    let raw: AccessFile = disk::read_json(&file)?;
    for g in raw.groups {
        if store.groups.iter().any(|known| known.name == g.name) {
            continue;
        }
        store.groups.push(Group {
            id: g.id,
            name: g.name,
        });
    }
    let group = |store: &Store, name: String| {
        if store.groups.iter().any(|g| g.name == name) {
            Ok(Subject::Group(name))
        } else {
            Err(disk::invalid(
                &file,
                "a group is named that groups does not list",
            ))
        }
    };
    let mut permissions = Vec::new();
    for p in raw.space_permissions {
        let id =
            p.id.parse()
                .map_err(|_| disk::invalid(&file, "a permission id is not a number"))?;
        let subject = match p.subject {
            SubjectFile::User { account_id } => Subject::User(account_id),
            SubjectFile::Group { name } => group(store, name)?,
            SubjectFile::Anonymous => Subject::Anonymous,
        };
        permissions.push(SpacePermission {
            id,
            subject,
            operation: p.operation.key,
            target: p.operation.target,
        });
    }
    store.space_permissions.insert(space_id, permissions);
    for r in raw.restrictions {
        let id: u64 = r
            .content_id
            .parse()
            .map_err(|_| disk::invalid(&file, "a contentId is not a number"))?;
        let in_space = store
            .document(DocKind::Page, id)
            .or_else(|| store.document(DocKind::BlogPost, id))
            .is_some_and(|d| d.space_id == space_id);
        if !in_space {
            return Err(disk::invalid(
                &file,
                "a contentId names no page or blog post of this space",
            ));
        }
        let subjects = |names: NamesFile| -> Result<Vec<Subject>, SimulatorError> {
            let mut out: Vec<Subject> = names.users.into_iter().map(Subject::User).collect();
            for g in names.groups {
                out.push(group(store, g)?);
            }
            Ok(out)
        };
        let restrictions = Restrictions {
            read: subjects(r.read)?,
            update: subjects(r.update)?,
        };
        store.restrictions.insert(id, restrictions);
    }
    if let Some(c) = raw.classification {
        if let Some(name) = c.space_default {
            let level = level_by_name(&name).ok_or_else(|| {
                disk::invalid(&file, "spaceDefault names no classification level")
            })?;
            store
                .space_classification
                .insert(space_id, level.id.to_string());
        }
        for (content, name) in c.content {
            let id: u64 = content
                .parse()
                .map_err(|_| disk::invalid(&file, "a classified content id is not a number"))?;
            let level = level_by_name(&name)
                .ok_or_else(|| disk::invalid(&file, "a content names no classification level"))?;
            store.classification.insert(id, level.id.to_string());
        }
    }
    Ok(())
}
