use super::*;
use serde_json::json;

#[test]
fn page_reads_a_live_shaped_record() {
    let page: Page = serde_json::from_value(json!({
        "id": "65538", "status": "current", "title": "Runbook", "spaceId": "98306",
        "parentId": "65537", "parentType": "page", "position": 3, "authorId": "abc",
        "createdAt": "2024-05-01T10:20:30.000Z",
        "version": {"number": 4, "createdAt": "2024-06-01T00:00:00.000Z", "message": "",
                    "minorEdit": false, "authorId": "abc", "ncsStepVersion": "12"},
        "body": {"storage": {"representation": "storage", "value": "<p>hello</p>"}},
        "_links": {"webui": "/spaces/ENG/pages/65538", "edituiv2": "/x", "tinyui": "/x/AQ"}
    }))
    .unwrap();
    assert_eq!(page.id, "65538");
    assert_eq!(page.space_id.as_deref(), Some("98306"));
    assert_eq!(page.parent_id.as_deref(), Some("65537"));
    assert_eq!(page.version.as_ref().map(|v| v.number), Some(4));
    assert_eq!(page.body.storage(), Some("<p>hello</p>"));
    assert!(page.created_at.is_some());
}

#[test]
fn ids_may_be_numbers_and_most_fields_may_be_missing_or_null() {
    let page: Page = serde_json::from_value(json!({
        "id": 123, "title": null, "parentId": null, "spaceId": 7, "body": null,
        "createdAt": "not a date"
    }))
    .unwrap();
    assert_eq!(page.id, "123");
    assert_eq!(page.space_id.as_deref(), Some("7"));
    assert_eq!(page.parent_id, None);
    assert_eq!(page.title, "");
    assert_eq!(page.body.storage(), None);
    assert_eq!(page.created_at, None);
    assert!(serde_json::from_value::<Page>(json!({"title": "no id"})).is_err());
}

#[test]
fn attachment_reads_download_link_and_sizes() {
    let att: Attachment = serde_json::from_value(json!({
        "id": "att98", "title": "export.csv", "mediaType": "text/csv", "fileSize": "2048",
        "fileId": "f-uuid", "pageId": "65538", "version": {"number": 2},
        "downloadLink": "/download/attachments/65538/export.csv?version=2&api=v2",
        "_links": {"download": "/download/attachments/65538/export.csv?version=2"}
    }))
    .unwrap();
    assert_eq!(att.file_size, Some(2048));
    assert_eq!(att.container_id(), Some("65538"));
    assert_eq!(
        att.download_path(),
        Some("/download/attachments/65538/export.csv?version=2&api=v2")
    );
    let only_links: Attachment = serde_json::from_value(json!({
        "id": "att1", "downloadLink": "", "_links": {"download": "/download/x"}
    }))
    .unwrap();
    assert_eq!(only_links.download_path(), Some("/download/x"));
}

#[test]
fn comment_knows_its_container() {
    let on_blog: Comment = serde_json::from_value(json!({
        "id": "9", "blogPostId": "44", "body": {"storage": {"value": "hi"}}
    }))
    .unwrap();
    assert_eq!(on_blog.container_id(), Some("44"));
    assert_eq!(on_blog.body.storage(), Some("hi"));
}

#[test]
fn v1_content_reads_into_the_same_records() {
    let reply: Comment = serde_json::from_value(json!({
        "id": "77", "type": "comment", "status": "current", "title": "Re: Runbook",
        "container": {"id": "65538", "type": "page", "title": "Runbook"},
        "ancestors": [{"id": "70", "type": "comment"}, {"id": "75", "type": "comment"}],
        "extensions": {"location": "inline", "resolution": {"status": "open"}},
        "version": {"number": 3, "when": "2024-06-01T00:00:00.000Z", "by": {"type": "known"}},
        "body": {"storage": {"value": "<p>x</p>", "representation": "storage"}}
    }))
    .unwrap();
    assert_eq!(reply.container_id(), Some("65538"));
    assert_eq!(reply.parent_comment_id.as_deref(), Some("75"));
    assert_eq!(reply.location.as_deref(), Some("inline"));
    assert_eq!(reply.resolution_status.as_deref(), Some("open"));
    assert!(
        reply
            .version
            .as_ref()
            .is_some_and(|v| v.created_at.is_some())
    );
    let on_blog: Comment = serde_json::from_value(json!({
        "id": 5, "container": {"id": 44, "type": "blogpost"}
    }))
    .unwrap();
    assert_eq!(on_blog.blog_post_id.as_deref(), Some("44"));
    let att: Attachment = serde_json::from_value(json!({
        "id": "att9", "type": "attachment", "title": "keys.txt",
        "container": {"id": "65538", "type": "page"}, "version": {"number": 2},
        "extensions": {"mediaType": "text/plain", "fileSize": 31},
        "_links": {"download": "/download/attachments/65538/keys.txt?version=2"}
    }))
    .unwrap();
    assert_eq!(att.container_id(), Some("65538"));
    assert_eq!(att.media_type.as_deref(), Some("text/plain"));
    assert_eq!(att.file_size, Some(31));
    assert_eq!(
        att.download_path(),
        Some("/download/attachments/65538/keys.txt?version=2")
    );
}

#[test]
fn debug_never_prints_bodies() {
    let secret = "password=hunter2-very-secret";
    let page: Page = serde_json::from_value(json!({
        "id": "1", "body": {"storage": {"representation": "storage", "value": secret}}
    }))
    .unwrap();
    let text = format!("{page:?}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains(&format!("<{} bytes>", secret.len())));
}

#[test]
fn list_envelope_tolerates_missing_links() {
    let env: ListEnvelope = serde_json::from_value(json!({"results": [{"id": "1"}]})).unwrap();
    assert_eq!(env.results.len(), 1);
    assert!(env.links.next.is_none());
    let env: ListEnvelope =
        serde_json::from_value(json!({"results": null, "_links": null})).unwrap();
    assert!(env.results.is_empty());
}
