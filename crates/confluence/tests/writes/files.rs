//! Attachments deleted and uploaded, versions deleted and restored, and the state digest.

use super::harness::*;

#[tokio::test]
async fn an_uploaded_attachment_is_listed_and_downloads_the_same_bytes() {
    for dc in BOTH {
        let site = Site::start(dc).await;
        let c = &site.client;
        let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let uploaded = c
            .upload_attachment(
                PAGE,
                "quarantine restore.bin",
                "application/octet-stream",
                &bytes,
                "restored by dlp",
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", site.flavor()));
        assert_eq!(uploaded.title, "quarantine restore.bin");
        assert_eq!(uploaded.container_id(), Some(PAGE));
        let listed = c
            .container_attachments(Container::Page, PAGE)
            .collect_all()
            .await
            .expect("list");
        let found = listed.iter().find(|a| a.id == uploaded.id).expect("listed");
        assert_eq!(
            c.download(found).await.expect("download"),
            bytes,
            "{}",
            site.flavor()
        );
        let again = c
            .upload_attachment(PAGE, "quarantine restore.bin", "text/plain", b"x", "")
            .await;
        assert!(
            matches!(again, Err(ConfluenceError::BadRequest)),
            "{again:?}"
        );
        let nowhere = c
            .upload_attachment(MISSING, "a.txt", "text/plain", b"x", "")
            .await;
        assert!(
            matches!(nowhere, Err(ConfluenceError::NotFound)),
            "{nowhere:?}"
        );
    }
}

#[tokio::test]
async fn a_deleted_attachment_is_gone() {
    for dc in BOTH {
        let site = Site::start(dc).await;
        let c = &site.client;
        let before = c.attachment("att65882").await.expect("sample attachment");
        c.delete_attachment("att65882").await.expect("delete");
        let read = c.attachment("att65882").await;
        assert!(
            matches!(read, Err(ConfluenceError::NotFound)),
            "{}: {read:?}",
            site.flavor()
        );
        let download = c.download(&before).await;
        assert!(
            matches!(download, Err(ConfluenceError::NotFound)),
            "{download:?}"
        );
        let again = c.delete_attachment("att65882").await;
        assert!(matches!(again, Err(ConfluenceError::NotFound)), "{again:?}");
    }
}

#[tokio::test]
async fn restore_brings_back_an_older_body_and_versions_can_be_deleted() {
    for dc in BOTH {
        let site = Site::start(dc).await;
        let c = &site.client;
        let original = c
            .page(PAGE)
            .await
            .expect("page")
            .body
            .storage()
            .map(str::to_owned);
        c.update_document(
            Container::Page,
            PAGE,
            "Deploy Payments Service",
            PAGE_VERSION + 1,
            "<p>masked</p>",
            "",
        )
        .await
        .expect("update");
        let restored = c
            .restore_version(PAGE, PAGE_VERSION, "undo remediation")
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", site.flavor()));
        assert_eq!(restored.number, PAGE_VERSION + 2);
        let now = c.page(PAGE).await.expect("page");
        assert_eq!(now.body.storage().map(str::to_owned), original);

        // The masked version goes; the current one cannot, nor one that does not exist.
        c.delete_version(PAGE, PAGE_VERSION + 1)
            .await
            .expect("delete version");
        let gone = c
            .document_version(Container::Page, PAGE, PAGE_VERSION + 1)
            .await
            .expect("read");
        assert_eq!(gone, None, "{}", site.flavor());
        let current = c.delete_version(PAGE, PAGE_VERSION + 2).await;
        assert!(
            matches!(current, Err(ConfluenceError::BadRequest)),
            "{current:?}"
        );
        let unknown = c.restore_version(PAGE, 1, "").await;
        assert!(
            matches!(unknown, Err(ConfluenceError::BadRequest)),
            "{unknown:?}"
        );
        let missing = c.delete_version(MISSING, 1).await;
        assert!(
            matches!(missing, Err(ConfluenceError::NotFound)),
            "{missing:?}"
        );
    }
}

#[tokio::test]
async fn the_digest_changes_on_writes_and_not_on_reads() {
    for dc in BOTH {
        let site = Site::start(dc).await;
        let c = &site.client;
        let start = site.sim.state_digest();
        let space = c.space_by_key("ENG").await.expect("space");
        c.page(PAGE).await.expect("read");
        c.thread_comments(Container::Page, PAGE, 100)
            .await
            .expect("read");
        c.content_restrictions(PAGE).await.expect("read");
        c.space_permissions(&space).await.expect("read");
        c.ancestors(PAGE).await.expect("read");
        let refused = c
            .update_document(Container::Page, PAGE, "T", 1, "<p>x</p>", "")
            .await;
        assert!(refused.is_err());
        assert_eq!(
            site.sim.state_digest(),
            start,
            "{}: reads and refused writes",
            site.flavor()
        );
        c.delete_attachment("att65882").await.expect("write");
        let after = site.sim.state_digest();
        assert_ne!(after, start);
        c.add_footer_comment(Container::Page, PAGE, "<p>x</p>")
            .await
            .expect("write");
        assert_ne!(site.sim.state_digest(), after);
    }
}
