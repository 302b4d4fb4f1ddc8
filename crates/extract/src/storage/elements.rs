//! What each storage-format element means for the text a reader sees.
//!
//! Names are matched whole, prefix included (`ac:link`, `ri:page`): storage format never
//! declares its namespaces, so a prefix is just part of the name.

use super::tables::CellKind;

/// The role of an element in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ElementKind {
    /// Text flows through it: `<strong>4111</strong> 1111` is one run of text.
    Inline,
    /// A line break inside the current block.
    Break,
    /// Starts and ends a segment. Any element not known to be inline is a block, because
    /// splitting text too often is safer than gluing unrelated blocks together.
    Block,
    /// A block whose text is kept as written: `pre`, and the CDATA body of code and noformat
    /// macros (`ac:plain-text-body`).
    Verbatim,
    /// Holds nothing a reader sees: its whole subtree is skipped.
    Ignored,
    Table,
    Row,
    /// `th` (a header: its text heads its column or row) or `td`.
    Cell(CellKind),
    /// `a`: inline, and its `href` may be scanned as well (see `Walker`).
    Link,
    /// `time`: inline, with its `datetime` attribute as its text.
    Time,
    /// `ac:structured-macro` (and the older `ac:macro`): its parameters are settings, its
    /// bodies are blocks of their own.
    Macro,
    /// `ac:parameter`: a macro setting, text only when it is a title (see [`title_role`]).
    Parameter,
}

pub(super) fn element_kind(name: &str) -> ElementKind {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        // XHTML names are lowercase; hand-edited or imported bodies sometimes are not.
        return element_kind(&name.to_ascii_lowercase());
    }
    if name.starts_with("ri:") {
        // Resource identifiers (pages, users, attachments, URLs): attribute-only references,
        // not text; `ri:filename` and account ids are not body text.
        return ElementKind::Ignored;
    }
    match name {
        "br" => ElementKind::Break,
        "a" => ElementKind::Link,
        "time" => ElementKind::Time,
        "pre" | "ac:plain-text-body" => ElementKind::Verbatim,
        "table" => ElementKind::Table,
        "tr" => ElementKind::Row,
        "th" => ElementKind::Cell(CellKind::Header),
        "td" => ElementKind::Cell(CellKind::Data),
        "ac:structured-macro" | "ac:macro" => ElementKind::Macro,
        "ac:parameter" => ElementKind::Parameter,
        "strong"
        | "b"
        | "em"
        | "i"
        | "u"
        | "s"
        | "strike"
        | "del"
        | "ins"
        | "span"
        | "code"
        | "sub"
        | "sup"
        | "small"
        | "big"
        | "font"
        | "mark"
        | "abbr"
        | "acronym"
        | "cite"
        | "q"
        | "dfn"
        | "kbd"
        | "samp"
        | "var"
        | "tt"
        | "bdi"
        | "bdo"
        | "wbr"
        | "ac:link"
        | "ac:link-body"
        | "ac:plain-text-link-body"
        | "ac:inline-comment-marker" => ElementKind::Inline,
        // Editor scaffolding and metadata: placeholder hints (only shown while editing), emoticons
        // (no text), images, task ids and states, the duplicate fallback copy of ADF extensions,
        // the unnamed default parameter of old-format macros, and non-content HTML.
        "ac:placeholder"
        | "ac:emoticon"
        | "ac:image"
        | "ac:task-id"
        | "ac:task-uuid"
        | "ac:task-status"
        | "ac:adf-fallback"
        | "ac:adf-attribute"
        | "ac:default-parameter"
        | "style"
        | "script" => ElementKind::Ignored,
        _ => ElementKind::Block,
    }
}

/// What the `title` parameter of a macro is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TitleRole {
    /// Shown as a heading above the macro body (code, noformat, panel, info, ...): its own
    /// segment, because people write "Prod DB password" or a customer's name there.
    Heading,
    /// Shown inline as the macro itself (the status lozenge): part of the surrounding text.
    InlineText,
    /// A setting, not shown as text.
    NotText,
}

/// How the `title` parameter of the macro named `macro_name` is read. Every other parameter is
/// a setting (language, colour, collapse state) and is never text.
pub(super) fn title_role(macro_name: &str) -> TitleRole {
    match macro_name {
        "code" | "noformat" | "panel" | "info" | "note" | "tip" | "warning" | "expand"
        | "ui-expand" => TitleRole::Heading,
        "status" => TitleRole::InlineText,
        _ => TitleRole::NotText,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_elements_do_not_split_text() {
        for name in [
            "strong",
            "em",
            "span",
            "code",
            "a",
            "u",
            "s",
            "sub",
            "sup",
            "ac:link",
            "ac:link-body",
        ] {
            assert!(
                matches!(element_kind(name), ElementKind::Inline | ElementKind::Link),
                "{name} should be inline"
            );
        }
        assert_eq!(element_kind("STRONG"), ElementKind::Inline);
    }

    #[test]
    fn unknown_and_structural_elements_are_blocks() {
        for name in [
            "p",
            "h1",
            "li",
            "blockquote",
            "div",
            "ac:rich-text-body",
            "ac:task-body",
            "ac:layout-cell",
            "x:y",
        ] {
            assert_eq!(element_kind(name), ElementKind::Block, "{name}");
        }
    }

    #[test]
    fn references_and_scaffolding_are_ignored() {
        for name in [
            "ri:attachment",
            "ri:user",
            "ri:page",
            "ac:placeholder",
            "ac:image",
            "ac:emoticon",
        ] {
            assert_eq!(element_kind(name), ElementKind::Ignored, "{name}");
        }
    }

    #[test]
    fn only_some_macro_titles_are_text() {
        assert_eq!(title_role("code"), TitleRole::Heading);
        assert_eq!(title_role("status"), TitleRole::InlineText);
        assert_eq!(title_role("jira"), TitleRole::NotText);
    }
}
