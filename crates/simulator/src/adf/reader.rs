//! Reading storage XHTML into ADF nodes: which node or marks each element makes, inline
//! content outside a paragraph wrapped in one, and the bodies that are not text in ADF (macro
//! parameters, images) skipped.

use std::ops::Range;

use serde_json::{Value, json};

use super::markup::{attribute, decode_run, tag_end, tag_name};
use super::{Node, TextOrigin};

/// An element being read: the node it makes (or none, for a transparent element) and the
/// tag that closes it.
struct Frame {
    tag: String,
    node: Option<(&'static str, Option<Value>, Vec<Node>)>,
    /// A paragraph opened for loose inline content, closed by the next block.
    implicit: bool,
    /// Marks this element adds.
    marks: usize,
}

/// Nodes whose content is inline (text and inline leaves).
const INLINE_HOLDERS: &[&str] = &["paragraph", "heading", "codeBlock", "taskItem"];

struct Builder {
    stack: Vec<Frame>,
    marks: Vec<Value>,
    /// Inside an element whose content is not text in ADF (a macro's parameter, an image):
    /// its name, how many elements of that name are open inside it, and whether its text is
    /// the code macro's language.
    skip: Option<(String, usize, bool)>,
    /// The language parameter of the code macro being read.
    language: Option<String>,
    in_code: usize,
}

/// The nodes of a storage body, unknown markup read as transparent.
pub(super) fn read(storage: &str) -> Vec<Node> {
    let mut b = Builder {
        stack: vec![Frame {
            tag: String::new(),
            node: Some(("doc", None, Vec::new())),
            implicit: false,
            marks: 0,
        }],
        marks: Vec::new(),
        skip: None,
        language: None,
        in_code: 0,
    };
    let bytes = storage.as_bytes();
    let (mut i, mut text_start) = (0, 0);
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        if let Some(rest) = storage[i..].strip_prefix("<![CDATA[") {
            b.text(storage, text_start..i, false);
            let start = i + "<![CDATA[".len();
            let len = rest.find("]]>").unwrap_or(rest.len());
            b.text(storage, start..start + len, true);
            i = (start + len + 3).min(bytes.len());
            text_start = i;
            continue;
        }
        let Some(end) = tag_end(storage, i) else {
            i += 1;
            continue;
        };
        b.text(storage, text_start..i, false);
        b.tag(&storage[i..end]);
        i = end;
        text_start = i;
    }
    b.text(storage, text_start..bytes.len(), false);
    while b.stack.len() > 1 {
        b.close_top();
    }
    let root = b.stack.pop().and_then(|f| f.node);
    let (_, _, content) = root.unwrap_or(("doc", None, Vec::new()));
    content
}

impl Builder {
    fn top(&mut self) -> &mut Frame {
        self.stack
            .last_mut()
            .expect("the doc frame is never popped")
    }

    /// The innermost frame that makes a node.
    fn holder(&mut self) -> &mut (&'static str, Option<Value>, Vec<Node>) {
        self.stack
            .iter_mut()
            .rev()
            .find_map(|f| f.node.as_mut())
            .expect("the doc frame makes a node")
    }

    fn holder_type(&self) -> &'static str {
        self.stack
            .iter()
            .rev()
            .find_map(|f| f.node.as_ref().map(|n| n.0))
            .unwrap_or("doc")
    }

    fn text(&mut self, storage: &str, range: Range<usize>, cdata: bool) {
        if range.is_empty() {
            return;
        }
        let raw = &storage[range.clone()];
        if let Some((_, _, language)) = &self.skip {
            if *language {
                self.language = Some(decode_run(raw, cdata).iter().map(|(c, _)| c).collect());
            }
            return;
        }
        let text: String = decode_run(raw, cdata).into_iter().map(|(c, _)| c).collect();
        if !INLINE_HOLDERS.contains(&self.holder_type()) {
            if text.trim().is_empty() {
                return;
            }
            self.open_implicit_paragraph();
        }
        let in_code = self.in_code > 0;
        let marks = if in_code {
            Vec::new()
        } else {
            self.marks.clone()
        };
        let origin = TextOrigin {
            body: range,
            cdata,
            in_code,
        };
        self.holder().2.push(Node::Text {
            text,
            marks,
            origin,
        });
    }

    fn inline_leaf(&mut self, ty: &'static str, attrs: Option<Value>) {
        if !INLINE_HOLDERS.contains(&self.holder_type()) {
            self.open_implicit_paragraph();
        }
        self.holder().2.push(Node::Leaf { ty, attrs });
    }

    fn open_implicit_paragraph(&mut self) {
        self.stack.push(Frame {
            tag: String::new(),
            node: Some(("paragraph", None, Vec::new())),
            implicit: true,
            marks: 0,
        });
    }

    fn close_implicit(&mut self) {
        while self.top().implicit {
            self.close_top();
        }
    }

    fn close_top(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let keep = self.marks.len().saturating_sub(frame.marks);
        self.marks.truncate(keep);
        if let Some((ty, attrs, content)) = frame.node {
            if ty == "codeBlock" {
                self.in_code = self.in_code.saturating_sub(1);
            }
            let attrs = match (ty, self.language.take()) {
                ("codeBlock", Some(lang)) if !lang.is_empty() => Some(json!({"language": lang})),
                (_, lang) => {
                    self.language = lang;
                    attrs
                }
            };
            self.holder().2.push(Node::Block { ty, attrs, content });
        }
    }

    fn open(&mut self, tag: &str, node: Option<(&'static str, Option<Value>)>, marks: Vec<Value>) {
        if node.is_some() {
            self.close_implicit();
        }
        if node.as_ref().is_some_and(|(ty, _)| *ty == "codeBlock") {
            self.in_code += 1;
        }
        let count = marks.len();
        self.marks.extend(marks);
        self.stack.push(Frame {
            tag: tag.to_owned(),
            node: node.map(|(ty, attrs)| (ty, attrs, Vec::new())),
            implicit: false,
            marks: count,
        });
    }

    fn close(&mut self, name: &str) {
        if let Some((skipped, depth, _)) = &mut self.skip {
            if skipped == name {
                if *depth == 0 {
                    self.skip = None;
                } else {
                    *depth -= 1;
                }
            }
            return;
        }
        // Close up to the element's own frame; a stray closing tag closes nothing.
        if let Some(at) = self.stack.iter().rposition(|f| f.tag == name) {
            while self.stack.len() > at {
                self.close_top();
            }
        }
    }

    fn tag(&mut self, tag: &str) {
        if tag.starts_with("<!") || tag.starts_with("<?") {
            return;
        }
        let closing = tag.starts_with("</");
        let self_closing = tag.ends_with("/>");
        let name = tag_name(tag);
        if closing {
            self.close(&name);
            return;
        }
        if let Some((skipped, depth, _)) = &mut self.skip {
            if *skipped == name && !self_closing {
                *depth += 1;
            }
            return;
        }
        let attr = |n: &str| attribute(tag, n);
        let mut skip_body = false;
        let mut language = false;
        let (node, marks): (Option<(&'static str, Option<Value>)>, Vec<Value>) = match name.as_str()
        {
            "p" => (Some(("paragraph", None)), vec![]),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level: u8 = name[1..].parse().unwrap_or(1);
                (Some(("heading", Some(json!({"level": level})))), vec![])
            }
            "table" => (Some(("table", None)), vec![]),
            "tr" => (Some(("tableRow", None)), vec![]),
            "th" => (Some(("tableHeader", None)), vec![]),
            "td" => (Some(("tableCell", None)), vec![]),
            "ul" => (Some(("bulletList", None)), vec![]),
            "ol" => (Some(("orderedList", None)), vec![]),
            "li" => (Some(("listItem", None)), vec![]),
            "blockquote" => (Some(("blockquote", None)), vec![]),
            "pre" => (Some(("codeBlock", None)), vec![]),
            "ac:task-list" => (Some(("taskList", None)), vec![]),
            "ac:task" => (Some(("taskItem", None)), vec![]),
            "ac:task-id" | "ac:task-status" => {
                skip_body = true;
                (None, vec![])
            }
            "ac:structured-macro" => match attr("ac:name").as_deref() {
                Some("code" | "noformat") => (Some(("codeBlock", None)), vec![]),
                Some(kind @ ("info" | "note" | "warning" | "tip" | "panel")) => {
                    let panel = if kind == "panel" { "info" } else { kind };
                    (Some(("panel", Some(json!({"panelType": panel})))), vec![])
                }
                other => {
                    let attrs = Some(json!({"extensionKey": other.unwrap_or("unknown")}));
                    if INLINE_HOLDERS.contains(&self.holder_type()) {
                        self.inline_leaf("inlineExtension", attrs);
                    } else {
                        self.close_implicit();
                        self.holder().2.push(Node::Leaf {
                            ty: "extension",
                            attrs,
                        });
                    }
                    skip_body = true;
                    (None, vec![])
                }
            },
            "ac:parameter" => {
                language = attr("ac:name").as_deref() == Some("language");
                skip_body = true;
                (None, vec![])
            }
            "strong" | "b" => (None, vec![json!({"type": "strong"})]),
            "em" | "i" => (None, vec![json!({"type": "em"})]),
            "u" => (None, vec![json!({"type": "underline"})]),
            "s" | "del" => (None, vec![json!({"type": "strike"})]),
            "code" => (None, vec![json!({"type": "code"})]),
            "sub" | "sup" => (
                None,
                vec![json!({"type": "subsup", "attrs": {"type": name}})],
            ),
            "a" => {
                let href = attr("href").unwrap_or_default();
                (None, vec![json!({"type": "link", "attrs": {"href": href}})])
            }
            "ac:inline-comment-marker" => {
                let id = attr("ac:ref").unwrap_or_default();
                let mark = json!({"type": "annotation",
                                  "attrs": {"id": id, "annotationType": "inlineComment"}});
                (None, vec![mark])
            }
            "br" => {
                self.inline_leaf("hardBreak", None);
                return;
            }
            "hr" => {
                self.close_implicit();
                self.holder().2.push(Node::Leaf {
                    ty: "rule",
                    attrs: None,
                });
                return;
            }
            "ri:user" => {
                let id = attr("ri:account-id").or_else(|| attr("ri:userkey"));
                self.inline_leaf("mention", Some(json!({"id": id.unwrap_or_default()})));
                return;
            }
            "ri:page" | "ri:attachment" | "ri:blog-post" => {
                let title = attr("ri:content-title").or_else(|| attr("ri:filename"));
                self.inline_leaf(
                    "inlineCard",
                    Some(json!({"url": title.unwrap_or_default()})),
                );
                return;
            }
            "time" => {
                let at = attr("datetime").unwrap_or_default();
                self.inline_leaf("date", Some(json!({"timestamp": at})));
                return;
            }
            "ac:image" => {
                self.inline_leaf("mediaInline", None);
                skip_body = true;
                (None, vec![])
            }
            _ => (None, vec![]),
        };
        if self_closing {
            return;
        }
        if skip_body {
            self.skip = Some((name, 0, language));
            return;
        }
        self.open(&name, node, marks);
    }
}
