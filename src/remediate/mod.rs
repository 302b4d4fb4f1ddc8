//! Remediation (issue 17): what to do about findings, planned, approved, executed, verified,
//! audited and undoable. [`policy`] decides which actions a finding calls for.

pub mod policy;
