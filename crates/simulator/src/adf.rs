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

mod markup;
mod reader;

pub use markup::decode_run;

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

/// Reads `storage` into ADF. Never fails: unknown markup is read as transparent.
pub fn from_storage(storage: &str) -> Adf {
    let content = reader::read(storage);
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
