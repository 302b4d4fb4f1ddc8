//! `[mcp_proxy]`: where the upstream MCP server is, and what the proxy lets through.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::Deserialize;

use crate::redact::Style;

/// What the proxy does with a call to a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolPolicy {
    /// Forwarded, and its result reaches the client as the upstream sent it: an explicit
    /// choice for a tool that returns nothing from Confluence.
    Allow,
    /// Forwarded; every value the engine or the cache knows is replaced in its result.
    Redact,
    /// Refused, and hidden from `tools/list`.
    Block,
    /// Waits for a person (`POST /api/v1/mcp/approvals/{id}`), then as `redact`.
    Approval,
}

/// What the proxy does when a call's arguments carry a sensitive value (a model pasting a
/// key into a page it writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArgumentPolicy {
    /// Refuses the call.
    Block,
    /// Replaces the values and forwards the call.
    Redact,
}

/// What the proxy does with an image, or a binary resource, in a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BinaryPolicy {
    /// Reads it (OCR for images, the extractors for documents) and withholds it when it
    /// holds a sensitive value, or when it cannot be read.
    Scan,
    /// Withholds every one.
    Block,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct McpProxySettings {
    /// The upstream as a child process speaking stdio: its program and arguments
    /// (`["mcp-atlassian", "--transport", "stdio"]`). It inherits the proxy's environment
    /// except this service's own secrets.
    pub upstream_command: Vec<String>,
    /// The upstream over streamable HTTP (`http://127.0.0.1:9000/mcp`), instead of a command.
    pub upstream_url: Option<String>,
    /// The `Authorization` header sent to `upstream_url`, whole: `Bearer …` for an OAuth
    /// token, `Token …` for a Data Center PAT in mcp-atlassian's multi-user mode
    /// (`DLP_MCP_UPSTREAM_AUTHORIZATION`).
    pub upstream_authorization: Option<SecretString>,
    /// Pass the upstream command's stderr through (its log can quote what it read).
    pub upstream_stderr: bool,
    /// Policy of tools not named in `tools`.
    pub default_policy: ToolPolicy,
    /// Policy per tool name.
    pub tools: BTreeMap<String, ToolPolicy>,
    /// When not empty, the only tools listed and callable.
    pub allow_tools: Vec<String>,
    pub sensitive_arguments: ArgumentPolicy,
    pub binaries: BinaryPolicy,
    /// How a value is replaced (`mask`, `label`, `token`).
    pub style: Style,
    /// Longest a result's redaction may take; past it the client gets an error, not the
    /// result.
    pub redact_timeout_ms: u64,
    /// Longest the upstream may take to answer a call.
    pub call_timeout_secs: u64,
    /// Longest a call waits for a person's approval.
    pub approval_timeout_secs: u64,
    /// Largest result, in bytes of its JSON, that is redacted; a larger one is withheld.
    pub max_result_bytes: usize,
}

impl Default for McpProxySettings {
    fn default() -> Self {
        McpProxySettings {
            upstream_command: Vec::new(),
            upstream_url: None,
            upstream_authorization: None,
            upstream_stderr: false,
            default_policy: ToolPolicy::Redact,
            tools: BTreeMap::new(),
            allow_tools: Vec::new(),
            sensitive_arguments: ArgumentPolicy::Block,
            binaries: BinaryPolicy::Scan,
            style: Style::Token,
            redact_timeout_ms: 10_000,
            call_timeout_secs: 120,
            approval_timeout_secs: 300,
            max_result_bytes: 32 << 20,
        }
    }
}

impl McpProxySettings {
    pub fn policy(&self, tool: &str) -> ToolPolicy {
        if !self.allow_tools.is_empty() && !self.allow_tools.iter().any(|t| t == tool) {
            return ToolPolicy::Block;
        }
        self.tools.get(tool).copied().unwrap_or(self.default_policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_outside_the_allow_list_is_blocked_whatever_its_policy() {
        let settings: McpProxySettings = toml::from_str(
            r#"
            upstream_command = ["mcp-atlassian"]
            default_policy = "redact"
            allow_tools = ["confluence_get_page", "confluence_update_page"]
            tools = { confluence_update_page = "approval", confluence_search = "allow" }
            "#,
        )
        .unwrap();
        assert_eq!(settings.policy("confluence_get_page"), ToolPolicy::Redact);
        assert_eq!(
            settings.policy("confluence_update_page"),
            ToolPolicy::Approval
        );
        assert_eq!(settings.policy("confluence_search"), ToolPolicy::Block);
        assert_eq!(settings.style, Style::Token);
    }
}
