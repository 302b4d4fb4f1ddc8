//! The thin payloads Data Center and Connect webhooks share: an event name (`page_created`,
//! `blog_trashed`, `comment_updated`, `attachment_removed`, ...) and the item it names under
//! `page`, `blog`, `comment` or `attachment`, with the page or blog post a comment or an
//! attachment is on under `parent`, `attachedTo`, `container`, `page` or `blog`. Data Center
//! sends the name in the body (`event`); Connect sends one URL per event, so its receiver
//! takes the name from the URL.
//!
//! Read leniently: ids may be numbers or strings (`idAsString` preferred when both come), a
//! version may be a number or `{"number": n}`, and every field not listed here is ignored.

use serde::Deserialize;

use super::forge::{is_id, string_or_number};
use super::{ContentEvent, EventAction, Rejection};
use dlp_domain::ContentType;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThinPayload {
    #[serde(default)]
    pub page: Option<Item>,
    #[serde(default, alias = "blogpost", alias = "blogPost")]
    pub blog: Option<Item>,
    #[serde(default)]
    pub comment: Option<Item>,
    #[serde(default)]
    pub attachment: Option<Item>,
    /// The container of an attachment, in the payloads that name it so.
    #[serde(default)]
    pub attached_to: Option<Item>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    #[serde(default, deserialize_with = "optional_id")]
    pub id: Option<String>,
    #[serde(default)]
    pub id_as_string: Option<String>,
    #[serde(default)]
    pub space_key: Option<String>,
    #[serde(default)]
    pub space: Option<Space>,
    #[serde(default, deserialize_with = "optional_version")]
    pub version: Option<u32>,
    /// `page` or `blogpost`, where a payload says which a container is.
    #[serde(default, alias = "type")]
    pub content_type: Option<String>,
    #[serde(default, alias = "container", alias = "attachedTo")]
    pub parent: Option<Box<Item>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Space {
    #[serde(default)]
    pub key: Option<String>,
}

impl Item {
    fn id(&self) -> Option<&str> {
        self.id_as_string.as_deref().or(self.id.as_deref())
    }

    fn space_key(&self) -> Option<&str> {
        self.space_key
            .as_deref()
            .or_else(|| self.space.as_ref().and_then(|s| s.key.as_deref()))
            .filter(|k| !k.is_empty())
    }
}

fn optional_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "string_or_number")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

fn optional_version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Version {
        Number(u32),
        Object { number: u32 },
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Version>::deserialize(d)? {
        Some(Version::Number(n) | Version::Object { number: n }) => Some(n),
        _ => None,
    })
}

impl ThinPayload {
    /// What event `name` about this payload means for a scan. Events of no content kind this
    /// service scans (space, label, user, permission events) are kept in the audit trail only;
    /// a content event whose item or ids are missing or odd is refused.
    pub fn to_content_event(&self, name: &str) -> Result<ContentEvent, Rejection> {
        let Some((kind, verb)) = name.rsplit_once('_') else {
            return Ok(ContentEvent::other(name));
        };
        let action = match verb {
            "created" | "updated" | "restored" => EventAction::Changed,
            "trashed" | "removed" | "deleted" => EventAction::Removed,
            _ => return Ok(ContentEvent::other(name)),
        };
        let (content_type, item) = match kind {
            "page" => (ContentType::Page, self.page.as_ref()),
            "blog" | "blogpost" => (ContentType::BlogPost, self.blog.as_ref()),
            "comment" => (ContentType::Comment, self.comment.as_ref()),
            "attachment" => (ContentType::Attachment, self.attachment.as_ref()),
            _ => return Ok(ContentEvent::other(name)),
        };
        let item = item.ok_or(Rejection::Payload)?;
        let content_id = item.id().ok_or(Rejection::Payload)?;
        let (container, container_type) = match content_type {
            ContentType::Page | ContentType::BlogPost => (item, content_type),
            _ => {
                let (container, by_key) = if let Some(parent) = item.parent.as_deref() {
                    (parent, None)
                } else if let Some(page) = self.attached_to.as_ref().or(self.page.as_ref()) {
                    (page, None)
                } else {
                    let blog = self.blog.as_ref().ok_or(Rejection::Payload)?;
                    (blog, Some(ContentType::BlogPost))
                };
                let named = match container.content_type.as_deref() {
                    Some("blogpost" | "blog") => Some(ContentType::BlogPost),
                    _ => None,
                };
                let container_type = by_key.or(named).unwrap_or(ContentType::Page);
                (container, container_type)
            }
        };
        let page_id = container.id().ok_or(Rejection::Payload)?;
        let space_key = item
            .space_key()
            .or_else(|| container.space_key())
            .unwrap_or_default();
        // A scan needs the space; a removal resolves by id alone.
        if !is_id(content_id)
            || !is_id(page_id)
            || space_key.len() > 255
            || (space_key.is_empty() && action == EventAction::Changed)
        {
            return Err(Rejection::Payload);
        }
        Ok(ContentEvent {
            name: name.to_owned(),
            action: Some(action),
            content_type,
            content_id: content_id.to_owned(),
            version: item.version,
            space_key: space_key.to_owned(),
            page_id: page_id.to_owned(),
            container_type,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str, json: &str) -> Result<ContentEvent, Rejection> {
        serde_json::from_str::<ThinPayload>(json)
            .unwrap()
            .to_content_event(name)
    }

    #[test]
    fn a_data_center_page_update_names_the_page_its_space_and_version() {
        let e = read(
            "page_updated",
            r#"{"timestamp":1700000000000,"event":"page_updated","userKey":"8a7f",
                "page":{"id":65601,"spaceKey":"ENG","version":4,"title":"Home",
                        "creatorKey":"8a7f","self":"https://dc/pages/viewpage.action?pageId=65601"}}"#,
        )
        .unwrap();
        assert_eq!(e.action, Some(EventAction::Changed));
        assert_eq!(
            (e.content_type, e.content_id.as_str(), e.page_id.as_str()),
            (ContentType::Page, "65601", "65601")
        );
        assert_eq!((e.version, e.space_key.as_str()), (Some(4), "ENG"));
    }

    #[test]
    fn connect_ids_as_strings_are_preferred_and_versions_may_be_objects() {
        let e = read(
            "blog_created",
            r#"{"blog":{"id":1500,"idAsString":"01500","spaceKey":"ENG","version":{"number":2}},
                "timestamp":1,"userAccountId":"5b10"}"#,
        )
        .unwrap();
        assert_eq!(
            (e.content_type, e.content_id.as_str(), e.version),
            (ContentType::BlogPost, "01500", Some(2))
        );
    }

    #[test]
    fn comments_and_attachments_are_read_with_their_container() {
        let comment = read(
            "comment_created",
            r#"{"comment":{"id":"777","version":1,
                "parent":{"id":"1500","spaceKey":"ENG","contentType":"blogpost"}}}"#,
        )
        .unwrap();
        assert_eq!(
            (comment.content_type, comment.container_type),
            (ContentType::Comment, ContentType::BlogPost)
        );
        assert_eq!(
            (comment.page_id.as_str(), comment.space_key.as_str()),
            ("1500", "ENG")
        );
        let on_page = read(
            "comment_updated",
            r#"{"comment":{"id":778},"page":{"id":65601,"spaceKey":"ENG"}}"#,
        )
        .unwrap();
        assert_eq!(
            (on_page.page_id.as_str(), on_page.container_type),
            ("65601", ContentType::Page)
        );
        let attachment = read(
            "attachment_created",
            r#"{"attachment":{"id":"att900","version":1,"fileName":"k.txt"},
                "blog":{"id":1500,"spaceKey":"ENG"}}"#,
        )
        .unwrap();
        assert_eq!(
            (attachment.content_type, attachment.container_type),
            (ContentType::Attachment, ContentType::BlogPost)
        );
        assert!(
            matches!(
                attachment.work(),
                Some((dlp_jobs::Work::Attachment { download_link: None, ref item, .. }, _))
                    if item.attachment_id.as_deref() == Some("att900")
            ),
            "the attachment is looked up by id"
        );
    }

    #[test]
    fn removals_need_no_space_and_other_events_are_recorded_only() {
        let trashed = read("page_trashed", r#"{"page":{"id":65601}}"#).unwrap();
        assert_eq!(trashed.action, Some(EventAction::Removed));
        for name in [
            "space_permissions_updated",
            "label_added",
            "user_created",
            "x",
        ] {
            let e = read(name, r#"{"space":{"key":"ENG"}}"#).unwrap();
            assert_eq!((e.action, e.name.as_str()), (None, name));
        }
    }

    #[test]
    fn content_events_without_their_item_or_with_odd_ids_are_refused() {
        for (name, json) in [
            ("page_updated", r#"{"blog":{"id":1,"spaceKey":"ENG"}}"#),
            (
                "page_updated",
                r#"{"page":{"id":"1; DROP","spaceKey":"ENG"}}"#,
            ),
            ("page_updated", r#"{"page":{"id":12}}"#),
            (
                "comment_created",
                r#"{"comment":{"id":5,"spaceKey":"ENG"}}"#,
            ),
        ] {
            assert!(
                matches!(read(name, json), Err(Rejection::Payload)),
                "{json}"
            );
        }
    }
}
