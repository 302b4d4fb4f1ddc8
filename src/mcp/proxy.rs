//! The proxy's MCP server: what the AI client talks to. Every request is forwarded to the
//! upstream MCP server, and every answer is redacted before it is returned (see
//! [`super::scrub`]). It fails closed: a result that cannot be redacted in time, or at all,
//! reaches the client as an error result, never as it came.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dlp_engine::Normalization;
use dlp_store::{ApprovalStatus, NewApproval};
use dlp_workers::WorkerDeps;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams,
    GetPromptResponse, Implementation, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, ResourcesCapability, ServerCapabilities, ServerConfig, ServerPeerInfo,
};
use rmcp::service::{RequestContext, ServiceError};
use rmcp::{ErrorData as McpError, Peer, RoleClient, RoleServer, ServerHandler};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::approval::wait_for_decision;
use super::audit::{Action, Auditor, CallRecord};
use super::scrub::{Report, ScrubError, scrub};
use super::settings::{ArgumentPolicy, BinaryPolicy, McpProxySettings, ToolPolicy};

/// Everything a session of the proxy shares with the others.
pub struct ProxyCore {
    pub upstream: Peer<RoleClient>,
    /// What the upstream said of itself when the proxy connected.
    pub upstream_info: Option<ServerPeerInfo>,
    pub deps: Arc<WorkerDeps>,
    pub settings: McpProxySettings,
    pub auditor: Auditor,
}

/// One client's session; cheap to clone (the HTTP transport makes one per session).
#[derive(Clone)]
pub struct Proxy {
    core: Arc<ProxyCore>,
}

impl Proxy {
    pub fn new(core: Arc<ProxyCore>) -> Proxy {
        Proxy { core }
    }
}

/// Why a result did not reach the client.
enum Withheld {
    Timeout,
    TooLarge,
    Unreadable(String),
}

impl Withheld {
    fn message(&self) -> String {
        match self {
            Withheld::Timeout => "it could not be checked for sensitive data in time".into(),
            Withheld::TooLarge => "it is larger than the proxy checks".into(),
            Withheld::Unreadable(why) => format!("it could not be checked: {why}"),
        }
    }
}

impl ProxyCore {
    /// Redacts any serialisable MCP result: as JSON, every string in it, then back. Fails
    /// closed on a deadline, on size, and on any error.
    async fn redacted<T: Serialize + DeserializeOwned>(
        &self,
        result: &T,
        binaries: BinaryPolicy,
    ) -> Result<(T, Report), Withheld> {
        let mut value =
            serde_json::to_value(result).map_err(|e| Withheld::Unreadable(e.to_string()))?;
        let deadline = Duration::from_millis(self.settings.redact_timeout_ms.max(1));
        let report = match tokio::time::timeout(
            deadline,
            scrub(
                &self.deps,
                &mut value,
                self.settings.style,
                binaries,
                self.settings.max_result_bytes,
            ),
        )
        .await
        {
            Err(_) => return Err(Withheld::Timeout),
            Ok(Err(ScrubError::TooLarge)) => return Err(Withheld::TooLarge),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "an MCP result could not be redacted; withheld");
                return Err(Withheld::Unreadable(
                    "the classification cache did not answer".into(),
                ));
            }
            Ok(Ok(report)) => report,
        };
        let back = serde_json::from_value(value)
            .map_err(|_| Withheld::Unreadable("its redacted form is not a valid result".into()))?;
        Ok((back, report))
    }

    /// A string of the proxy's own that may quote the upstream (an error message): redacted
    /// like a result, or replaced whole when that fails.
    async fn redacted_message(&self, message: &str) -> String {
        match self
            .redacted(&Value::String(message.to_owned()), BinaryPolicy::Block)
            .await
        {
            Ok((Value::String(s), _)) => s,
            _ => "the upstream MCP server answered with an error".into(),
        }
    }

    fn args_digest(&self, arguments: &Option<rmcp::model::JsonObject>) -> String {
        let canonical = arguments
            .as_ref()
            .map(|a| Value::Object(a.clone()).to_string())
            .unwrap_or_default();
        self.deps
            .classifier
            .fingerprinter()
            .fingerprint(Normalization::AsIs, &canonical)
    }

    fn upstream_error(&self, e: &ServiceError) -> &'static str {
        match e {
            ServiceError::McpError(_) => "the upstream MCP server refused the request",
            ServiceError::Timeout { .. } => "the upstream MCP server did not answer in time",
            ServiceError::TransportClosed | ServiceError::TransportSend(_) => {
                "the upstream MCP server is not reachable"
            }
            _ => "the upstream MCP server answered with something the proxy does not relay",
        }
    }

    /// An upstream error, as the client sees it: its code, and its message redacted.
    async fn relay_error(&self, e: ServiceError) -> McpError {
        match e {
            ServiceError::McpError(err) => {
                let message = self.redacted_message(&err.message).await;
                McpError::new(err.code, message, None)
            }
            other => McpError::internal_error(self.upstream_error(&other), None),
        }
    }
}

/// Who is calling: the token's name over HTTP, else the name the client gave itself.
fn client_of(context: &RequestContext<RoleServer>) -> String {
    let token = context
        .extensions
        .get::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<super::http::Client>())
        .map(|c| c.0.clone());
    let declared = context.peer.peer_info().map(|i| i.client_info.name.clone());
    let name = match (token, declared) {
        (Some(t), Some(d)) => format!("{t}/{d}"),
        (Some(t), None) => t,
        (None, Some(d)) => d,
        (None, None) => "unknown".into(),
    };
    // A client names itself: keep the trail's actor short and printable.
    name.chars().filter(|c| !c.is_control()).take(128).collect()
}

fn error_result(text: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text)])
}

impl Proxy {
    async fn call(
        &self,
        mut request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let core = &self.core;
        let started = Instant::now();
        let tool = request.name.to_string();
        let mut record = CallRecord {
            kind: "mcp.call",
            client: client_of(&context),
            subject: tool.clone(),
            args_digest: Some(core.args_digest(&request.arguments)),
            arguments: Report::default(),
            result: Report::default(),
            action: Action::Passed,
            reason: None,
            approval_id: None,
            latency_ms: 0.0,
            upstream_ms: 0.0,
        };
        let outcome = self
            .decide_and_forward(&mut request, &tool, &mut record)
            .await;
        record.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        core.auditor.record(record).await;
        outcome
    }

    async fn decide_and_forward(
        &self,
        request: &mut CallToolRequestParams,
        tool: &str,
        record: &mut CallRecord,
    ) -> Result<CallToolResponse, McpError> {
        let core = &self.core;
        let policy = core.settings.policy(tool);
        if policy == ToolPolicy::Block {
            record.action = Action::Blocked;
            record.reason = Some("the tool is blocked by policy".into());
            return Ok(error_result(format!(
                "confluence-dlp blocked this call: the tool {tool} is not allowed by policy"
            ))
            .into());
        }
        // Arguments: a model writing a page may be about to paste a key into it.
        if let Some(arguments) = request.arguments.take() {
            match core.redacted(&arguments, BinaryPolicy::Scan).await {
                Ok((clean, report)) => {
                    let sensitive = report.redactions + report.withheld > 0;
                    record.arguments = report;
                    if sensitive && core.settings.sensitive_arguments == ArgumentPolicy::Block {
                        record.action = Action::Blocked;
                        record.reason = Some("the arguments carry sensitive values".into());
                        let found: Vec<&str> = record
                            .arguments
                            .detectors
                            .iter()
                            .map(String::as_str)
                            .collect();
                        return Ok(error_result(format!(
                            "confluence-dlp blocked this call: its arguments carry sensitive values ({})",
                            found.join(", ")
                        ))
                        .into());
                    }
                    request.arguments = Some(if sensitive { clean } else { arguments });
                }
                Err(why) => {
                    record.action = Action::Blocked;
                    record.reason = Some("the arguments could not be checked".into());
                    return Ok(error_result(format!(
                        "confluence-dlp blocked this call: its arguments {}",
                        why.message()
                    ))
                    .into());
                }
            }
        }
        if policy == ToolPolicy::Approval {
            let id = uuid::Uuid::new_v4().to_string();
            record.approval_id = Some(id.clone());
            let timeout = Duration::from_secs(core.settings.approval_timeout_secs);
            let new = NewApproval {
                id,
                client: record.client.clone(),
                tool: tool.to_owned(),
                args_digest: record.args_digest.clone().unwrap_or_default(),
                detectors: record.arguments.detectors.iter().cloned().collect(),
                // A timeout past chrono's range waits until its end, not a panic.
                expires_at: chrono::Duration::from_std(timeout)
                    .ok()
                    .and_then(|d| chrono::Utc::now().checked_add_signed(d))
                    .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC),
            };
            let status = match wait_for_decision(&core.deps.store, new).await {
                Ok(status) => status,
                Err(e) => {
                    tracing::warn!(error = %e, "an approval could not be asked for");
                    ApprovalStatus::Denied
                }
            };
            if status != ApprovalStatus::Approved {
                record.action = Action::Denied;
                record.reason = Some(format!("approval {}", status.as_str()));
                return Ok(error_result(format!(
                    "confluence-dlp did not run this call: its approval was {}",
                    status.as_str()
                ))
                .into());
            }
        }
        let upstream_started = Instant::now();
        let answer = tokio::time::timeout(
            Duration::from_secs(core.settings.call_timeout_secs.max(1)),
            core.upstream.call_tool_once(request.clone()),
        )
        .await;
        record.upstream_ms = upstream_started.elapsed().as_secs_f64() * 1000.0;
        let result = match answer {
            Err(_) => {
                record.action = Action::Failed;
                record.reason = Some("the upstream did not answer in time".into());
                return Ok(error_result(
                    "confluence-dlp: the upstream MCP server did not answer in time".into(),
                )
                .into());
            }
            Ok(Err(e)) => {
                record.action = Action::Failed;
                record.reason = Some(core.upstream_error(&e).into());
                return Err(core.relay_error(e).await);
            }
            Ok(Ok(CallToolResponse::Complete(result))) => result,
            Ok(Ok(_)) => {
                record.action = Action::Failed;
                record.reason = Some("the upstream asked for input or made a task".into());
                return Ok(error_result(
                    "confluence-dlp: the upstream answered with a kind of result the proxy does not relay"
                        .into(),
                )
                .into());
            }
        };
        if policy == ToolPolicy::Allow {
            record.action = Action::Allowed;
            return Ok(result.into());
        }
        match core.redacted(&result, core.settings.binaries).await {
            Ok((clean, report)) => {
                if report.redactions + report.withheld > 0 || record.arguments.redactions > 0 {
                    record.action = Action::Redacted;
                }
                record.result = report;
                Ok(clean.into())
            }
            Err(why) => {
                record.action = Action::Failed;
                record.reason = Some(why.message());
                Ok(error_result(format!(
                    "confluence-dlp withheld this result: {}",
                    why.message()
                ))
                .into())
            }
        }
    }

    /// A read of anything but a tool (a resource, a prompt): forwarded, redacted, audited.
    async fn read<T: Serialize + DeserializeOwned>(
        &self,
        kind: &'static str,
        subject: &str,
        context: &RequestContext<RoleServer>,
        answer: Result<T, ServiceError>,
        started: Instant,
    ) -> Result<T, McpError> {
        let core = &self.core;
        let upstream_ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut record = CallRecord {
            kind,
            client: client_of(context),
            subject: core.redacted_message(subject).await,
            args_digest: None,
            arguments: Report::default(),
            result: Report::default(),
            action: Action::Passed,
            reason: None,
            approval_id: None,
            latency_ms: 0.0,
            upstream_ms,
        };
        let outcome = match answer {
            Err(e) => {
                record.action = Action::Failed;
                record.reason = Some(core.upstream_error(&e).into());
                Err(core.relay_error(e).await)
            }
            Ok(result) => match core.redacted(&result, core.settings.binaries).await {
                Ok((clean, report)) => {
                    if report.redactions + report.withheld > 0 {
                        record.action = Action::Redacted;
                    }
                    record.result = report;
                    Ok(clean)
                }
                Err(why) => {
                    record.action = Action::Failed;
                    record.reason = Some(why.message());
                    Err(McpError::internal_error(
                        format!("confluence-dlp withheld this result: {}", why.message()),
                        None,
                    ))
                }
            },
        };
        record.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        core.auditor.record(record).await;
        outcome
    }

    /// A listing (tools, resources, prompts): names and descriptions, redacted like results
    /// (a page title can hold a value too), not audited.
    async fn listing<T: Serialize + DeserializeOwned>(
        &self,
        answer: Result<T, ServiceError>,
    ) -> Result<T, McpError> {
        let core = &self.core;
        match answer {
            Err(e) => Err(core.relay_error(e).await),
            Ok(list) => core
                .redacted(&list, BinaryPolicy::Block)
                .await
                .map(|(clean, _)| clean)
                .map_err(|why| {
                    McpError::internal_error(
                        format!("confluence-dlp withheld this list: {}", why.message()),
                        None,
                    )
                }),
        }
    }
}

impl ServerHandler for Proxy {
    fn get_info(&self) -> ServerConfig {
        let upstream = self.core.upstream_info.as_ref();
        let caps = upstream.map(|i| &i.capabilities);
        // Only what the proxy relays: no completions, logging, subscriptions or extensions.
        let mut capabilities = ServerCapabilities::default();
        capabilities.tools = caps.and_then(|c| c.tools.clone());
        capabilities.prompts = caps.and_then(|c| c.prompts.clone());
        capabilities.resources = caps.and_then(|c| c.resources.as_ref()).map(|_| {
            let mut r = ResourcesCapability::default();
            r.list_changed = None;
            r
        });
        let mut info = ServerConfig::new(capabilities).with_server_info({
            let mut i = Implementation::default();
            i.name = "confluence-dlp-mcp-proxy".into();
            i.version = env!("CARGO_PKG_VERSION").into();
            i.title = upstream
                .and_then(|u| u.server_info.as_ref())
                .map(|s| format!("{} (through confluence-dlp)", s.name));
            i
        });
        if let Some(instructions) = upstream.and_then(|u| u.instructions.clone()) {
            info = info.with_instructions(instructions);
        }
        info
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        self.call(request, context).await
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let mut list = self
            .listing(self.core.upstream.list_tools(request).await)
            .await?;
        // A tool the proxy would refuse is not offered.
        list.tools
            .retain(|t| self.core.settings.policy(&t.name) != ToolPolicy::Block);
        Ok(list)
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        self.listing(self.core.upstream.list_resources(request).await)
            .await
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        self.listing(self.core.upstream.list_resource_templates(request).await)
            .await
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let started = Instant::now();
        let uri = request.uri.clone();
        let answer = match self.core.upstream.read_resource_once(request).await {
            Ok(ReadResourceResponse::Complete(result)) => Ok(result),
            Ok(_) => Err(ServiceError::UnexpectedResponse),
            Err(e) => Err(e),
        };
        self.read("mcp.resource_read", &uri, &context, answer, started)
            .await
            .map(Into::into)
    }

    async fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        self.listing(self.core.upstream.list_prompts(request).await)
            .await
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let started = Instant::now();
        let name = request.name.clone();
        let answer = match self.core.upstream.get_prompt_once(request).await {
            Ok(GetPromptResponse::Complete(result)) => Ok(result),
            Ok(_) => Err(ServiceError::UnexpectedResponse),
            Err(e) => Err(e),
        };
        self.read("mcp.prompt", &name, &context, answer, started)
            .await
            .map(Into::into)
    }
}
