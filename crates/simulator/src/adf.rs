//! A page's storage XHTML as Atlassian Document Format (`body-format=atlas_doc_format`), and
//! the way back for native redaction: every ADF text node remembers the run of storage bytes
//! its text came from, so a redaction addressed by JSON pointer and character offsets can
//! change exactly those bytes of the stored body.
//!
//! The conversion covers what the samples hold and what Cloud's converter does with it:
//! paragraphs, headings, lists, tables, block quotes, code and noformat macros (`codeBlock`),
//! info/note/warning/tip/panel macros (`panel`), task lists, line breaks and rules; inline
//! formatting as marks (strong, em, underline, strike, code, link, sub/sup, and inline comment
//! markers as `annotation`); user and page links, dates and images as leaf nodes. Other macros
//! become `extension` nodes without text, as their parameters are not text in ADF either.
//! A text run between two tags is one text node (Cloud merges adjacent runs with equal marks;
//! the simulator does not, which keeps each node inside one storage text run).

use std::ops::Range;

use serde_json::{Map, Value, json};

/// Where an ADF text node's text sits in the storage body.
#[derive(Debug, Clone)]
pub struct TextOrigin {
    /// The raw bytes of the run (entities still encoded; CDATA content as is).
    pub body: Range<usize>,
    pub cdata: bool,
    /// Whether the node is in a code block (Cloud gives no restore id for those).
    pub in_code: bool,
}

/// The document and, by JSON pointer, where each of its text nodes came from.
pub struct Adf {
    pub doc: Value,
    pub texts: Vec<(String, TextOrigin)>,
}

impl Adf {
    pub fn origin(&self, pointer: &str) -> Option<&TextOrigin> {
        self.texts
            .iter()
            .find(|(p, _)| p == pointer)
            .map(|(_, o)| o)
    }
}

enum Node {
    Block {
        ty: &'static str,
        attrs: Option<Value>,
        content: Vec<Node>,
    },
    Text {
        text: String,
        marks: Vec<Value>,
        origin: TextOrigin,
    },
    Leaf {
        ty: &'static str,
        attrs: Option<Value>,
    },
}

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

/// Reads `storage` into ADF. Never fails: unknown markup is read as transparent.
pub fn from_storage(storage: &str) -> Adf {
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
    let mut texts = Vec::new();
    let content = to_json(content, "", &mut texts);
    Adf {
        doc: json!({"type": "doc", "version": 1, "content": content}),
        texts,
    }
}

fn to_json(nodes: Vec<Node>, at: &str, texts: &mut Vec<(String, TextOrigin)>) -> Vec<Value> {
    let mut out = Vec::with_capacity(nodes.len());
    for (n, node) in nodes.into_iter().enumerate() {
        let pointer = format!("{at}/content/{n}");
        let mut obj = Map::new();
        match node {
            Node::Block { ty, attrs, content } => {
                obj.insert("type".into(), ty.into());
                if let Some(attrs) = attrs {
                    obj.insert("attrs".into(), attrs);
                }
                obj.insert("content".into(), to_json(content, &pointer, texts).into());
            }
            Node::Text {
                text,
                marks,
                origin,
            } => {
                obj.insert("type".into(), "text".into());
                obj.insert("text".into(), text.into());
                if !marks.is_empty() {
                    obj.insert("marks".into(), marks.into());
                }
                texts.push((pointer, origin));
            }
            Node::Leaf { ty, attrs } => {
                obj.insert("type".into(), ty.into());
                if let Some(attrs) = attrs {
                    obj.insert("attrs".into(), attrs);
                }
            }
        }
        out.push(Value::Object(obj));
    }
    out
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

/// The characters of a text run with the bytes of the run each came from: an entity is one
/// character (or a few) standing for all its bytes.
pub fn decode_run(raw: &str, cdata: bool) -> Vec<(char, Range<usize>)> {
    let mut out = Vec::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '&' && !cdata {
            let rest = &raw[at + 1..];
            if let Some(len) = rest.find(';').filter(|&n| n > 0 && n <= 32)
                && let Some(decoded) = entity(&rest[..len])
            {
                let range = at..at + len + 2;
                out.extend(decoded.chars().map(|d| (d, range.clone())));
                while chars.peek().is_some_and(|(n, _)| *n < range.end) {
                    chars.next();
                }
                continue;
            }
        }
        out.push((c, at..at + c.len_utf8()));
    }
    out
}

fn entity(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).map(String::from);
    }
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "euro" => '€',
        _ => return None,
    };
    Some(c.to_string())
}

/// The text a reader sees in a storage body (tags dropped, entities decoded), for finding
/// which historical versions still hold a redacted text.
pub fn plain_text(storage: &str) -> String {
    let adf = from_storage(storage);
    let mut out = String::new();
    for (_, origin) in &adf.texts {
        let raw = &storage[origin.body.clone()];
        out.extend(decode_run(raw, origin.cdata).into_iter().map(|(c, _)| c));
        out.push('\n');
    }
    out
}

fn tag_end(body: &str, at: usize) -> Option<usize> {
    let rest = &body[at..];
    if let Some(comment) = rest.strip_prefix("<!--") {
        return Some(at + 4 + comment.find("-->").map_or(comment.len(), |n| n + 3));
    }
    let second = rest.as_bytes().get(1)?;
    if !(second.is_ascii_alphabetic() || matches!(second, b'/' | b'!' | b'?')) {
        return None;
    }
    let mut quote = None;
    for (n, b) in rest.bytes().enumerate().skip(1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return Some(at + n + 1),
            (None, b'<') => return None,
            _ => {}
        }
    }
    None
}

fn tag_name(tag: &str) -> String {
    tag.trim_start_matches('<')
        .trim_start_matches('/')
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The decoded value of attribute `name` in an opening tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    while let Some(at) = rest.find(name) {
        let before_ok = rest[..at].ends_with(char::is_whitespace);
        let after = rest[at + name.len()..].trim_start();
        if before_ok && let Some(value) = after.strip_prefix('=') {
            let value = value.trim_start();
            let quote = value.chars().next()?;
            if quote == '"' || quote == '\'' {
                let inner = &value[1..];
                let end = inner.find(quote)?;
                let raw = &inner[..end];
                return Some(decode_run(raw, false).into_iter().map(|(c, _)| c).collect());
            }
        }
        rest = &rest[at + name.len()..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_nodes_point_back_at_their_storage_bytes() {
        let storage = "<h1>Title</h1><p>key <strong>AK&amp;IA</strong>: x</p>\
            <ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"language\">bash\
            </ac:parameter><ac:plain-text-body><![CDATA[export K=1]]></ac:plain-text-body>\
            </ac:structured-macro>";
        let adf = from_storage(storage);
        let doc = &adf.doc;
        assert_eq!(doc["content"][0]["type"], "heading");
        assert_eq!(doc["content"][1]["content"][1]["text"], "AK&IA");
        assert_eq!(
            doc["content"][1]["content"][1]["marks"][0]["type"],
            "strong"
        );
        assert_eq!(doc["content"][2]["type"], "codeBlock");
        assert_eq!(doc["content"][2]["content"][0]["text"], "export K=1");
        let strong = adf.origin("/content/1/content/1").unwrap();
        assert_eq!(&storage[strong.body.clone()], "AK&amp;IA");
        let code = adf.origin("/content/2/content/0").unwrap();
        assert!(code.cdata && code.in_code);
    }

    #[test]
    fn loose_inline_content_is_wrapped_in_a_paragraph() {
        let adf = from_storage("<table><tbody><tr><td>a<br/>b</td></tr></tbody></table>");
        let cell = &adf.doc["content"][0]["content"][0]["content"][0];
        assert_eq!(cell["type"], "tableCell");
        assert_eq!(cell["content"][0]["type"], "paragraph");
        assert_eq!(cell["content"][0]["content"][1]["type"], "hardBreak");
    }
}
