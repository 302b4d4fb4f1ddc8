//! The upstream MCP server of the proxy tests: a real rmcp server of the test's own, whose
//! tools return every shape a result can take (JSON text with structured content, images,
//! embedded and blob resources, audio), fail, stall, or run long, and which records what it
//! was called with.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorCode,
    ListResourcesResult, ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult, Resource, ResourceContents, ServerCapabilities,
    ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Value, json};

use crate::common::*;

/// Planted in the sample space (samples/spaces/ENG/expected.json). The secret is found by
/// its context there; bare, only the cache knows it.
pub const SECRET: &str = "g2Gnwcg6V5lRQ2NhyTvd4QAs+mZZzSZY1dbvfy0a";
pub const AWS_KEY: &str = "AKIACSNCMFN5TBERFPSF";
pub const BENIGN: &str =
    "The Q3 review moved to 2025-10-14; build 1234567 passed on host build-agent-07.";

pub fn sample_file(attachment: &str, name: &str) -> Vec<u8> {
    std::fs::read(
        sample_space()
            .join("attachments/files")
            .join(attachment)
            .join(name),
    )
    .unwrap()
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A PNG with nothing written on it.
pub fn blank_png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(64, 32, image::Rgb([255, 255, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The page the upstream returns: a secret wrapped across lines, an SSN with spaces, a key,
/// and benign text; as mcp-atlassian does, as JSON text and as structured content.
fn page() -> Value {
    json!({
        "id": "65601",
        "title": "Runbook",
        "content": format!(
            "Rotate the key:\n    {}\n    {}\nSSN on file: 071 07 5029. Old key {AWS_KEY}.\n{BENIGN}",
            &SECRET[..20], &SECRET[20..]
        ),
        "labels": ["ops", "runbook"],
    })
}

#[derive(Clone, Default)]
pub struct Upstream {
    pub calls: Arc<Mutex<Vec<String>>>,
    /// The arguments of every call, as they arrived.
    pub arguments: Arc<Mutex<Vec<Value>>>,
}

impl Upstream {
    pub fn called(&self, tool: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| *c == tool)
            .count()
    }
}

fn tool(name: &'static str) -> Tool {
    Tool::new(name, "a test tool", Arc::new(serde_json::Map::new()))
}

impl ServerHandler for Upstream {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_instructions("Confluence tools")
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(
            [
                "get_page",
                "get_images",
                "get_resources",
                "get_audio",
                "update_page",
                "delete_page",
                "publish_page",
                "get_status",
                "fail",
                "slow",
                "big_page",
            ]
            .into_iter()
            .map(tool)
            .collect(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.calls.lock().unwrap().push(request.name.to_string());
        self.arguments
            .lock()
            .unwrap()
            .push(Value::Object(request.arguments.clone().unwrap_or_default()));
        let result = match request.name.as_ref() {
            "get_page" | "get_status" => {
                let page = page();
                let mut r = CallToolResult::success(vec![ContentBlock::text(
                    serde_json::to_string_pretty(&page).unwrap(),
                )]);
                r.structured_content = Some(page);
                r
            }
            "get_images" => CallToolResult::success(vec![
                ContentBlock::image(
                    b64(&sample_file("att66540", "receipt-scan.png")),
                    "image/png",
                ),
                ContentBlock::image(b64(&blank_png()), "image/png"),
            ]),
            "get_resources" => CallToolResult::success(vec![
                ContentBlock::embedded_text("confluence://page/65601", format!("key {AWS_KEY}")),
                ContentBlock::resource(ResourceContents::BlobResourceContents {
                    uri: "confluence://attachment/att66435".into(),
                    mime_type: Some("application/pdf".into()),
                    blob: b64(&sample_file("att66435", "enrollment-form.pdf")),
                    meta: None,
                }),
            ]),
            "get_audio" => CallToolResult::success(vec![ContentBlock::audio(
                b64(b"RIFF....WAVE"),
                "audio/wav",
            )]),
            "update_page" | "delete_page" | "publish_page" => {
                CallToolResult::success(vec![ContentBlock::text("done")])
            }
            "fail" => {
                return Err(ErrorData::new(
                    ErrorCode::INVALID_PARAMS,
                    format!("cannot save a body holding {AWS_KEY}"),
                    None,
                ));
            }
            "slow" => {
                tokio::time::sleep(Duration::from_secs(5)).await;
                CallToolResult::success(vec![ContentBlock::text("late")])
            }
            "big_page" => CallToolResult::success(vec![ContentBlock::text(
                format!("{BENIGN} {SECRET}\n").repeat(40_000),
            )]),
            _ => return Err(ErrorData::invalid_params("no such tool", None)),
        };
        Ok(result.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(vec![Resource::new(
            "confluence://page/65601",
            format!("Runbook {AWS_KEY}"),
        )]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        Ok(ReadResourceResult::new(vec![ResourceContents::text(
            format!("{BENIGN}\nsecret = {SECRET}"),
            request.uri,
        )])
        .into())
    }
}
