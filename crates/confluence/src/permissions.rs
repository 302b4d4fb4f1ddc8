//! Exposure: who may see content. A page's or blog post's own restrictions
//! ([`restrictions`], v1 on both flavours), the pages above it ([`ancestors`], whose read
//! restrictions it inherits), and its space's permissions ([`space_permissions`]), with the
//! writes that change them so that remediation can narrow access and put a snapshot back
//! exactly.
//!
//! Principals are named as each flavour names them: a user by account id on Cloud and by user
//! key on Data Center, a group by id on Cloud and by name on Data Center.

use serde_json::Value;

mod ancestors;
mod restrictions;
mod space_permissions;

pub use restrictions::ContentRestrictions;
pub use space_permissions::SpacePermission;

/// Who a permission or restriction applies to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Principal {
    /// Cloud account id, or Data Center user key.
    User(String),
    /// Cloud group id, or Data Center group name.
    Group(String),
    /// A Cloud space role (v2 role-based access), by role id; read only.
    Role(String),
    /// Anyone, signed in or not.
    Anonymous,
}

/// Ids come as strings or numbers.
fn id_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}
