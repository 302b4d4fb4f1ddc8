//! Remediation end to end, on the simulator as Cloud and as Data Center: the sample space is
//! scanned, the policies plan, and each action is approved over the API, carried out by the
//! remediation worker, verified by reading Confluence back, audited and undone.

use std::time::Duration;

use confluence_dlp::remediate::{execute, worker};
use dlp_simulator::Flavor;
use reqwest::StatusCode;
use serde_json::json;
use sha2::Digest;

use crate::common::*;
use crate::remediation::{
    NOTES, NOTES_COMMENT, PAYROLL, SETUP, SETUP_ATTACHMENT, bench, planned, planted,
};

async fn scenario(flavor: Flavor) {
    let b = bench(flavor).await;
    let app = b.app();

    // Planning reads Confluence and changes nothing in it.
    let before = b.sim.state_digest();
    let notes = b.plan(NOTES).await;
    let setup = b.plan(SETUP).await;
    let payroll = b.plan(PAYROLL).await;
    assert_eq!(b.sim.state_digest(), before, "planning wrote to Confluence");
    let raw_notes = planted(app, NOTES, "page").await;
    assert!(raw_notes.len() >= 2, "{raw_notes:?}");
    for (raw, _) in &raw_notes {
        for report in [&notes, &setup] {
            assert!(
                !report.to_string().contains(raw.as_str()),
                "a plan holds a raw value"
            );
        }
    }
    assert!(notes["exposures_read"].as_u64().unwrap() >= 1);

    // Exposure is stored and raises severity: a secret anonymous users can read is critical.
    let findings = b
        .server
        .json(&format!("/api/v1/findings?page_id={NOTES}"), &b.token)
        .await;
    let secret = findings["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["category"] == "secret")
        .unwrap();
    assert_eq!(secret["exposure"], "public");
    assert_eq!(secret["severity"], "critical");
    let restricted = b
        .server
        .json(&format!("/api/v1/findings?page_id={PAYROLL}"), &b.token)
        .await;
    assert_eq!(restricted["items"][0]["exposure"], "restricted");

    // A dry run's plan is shown, never carried out.
    let watch = planned(&payroll, "redact_in_place", None);
    assert_eq!(watch["mode"], "dry_run");
    let refused = b
        .post(
            &format!(
                "/api/v1/remediations/{}/approve",
                watch["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    // Nothing approved yet: the worker finds nothing to do, and Confluence is as it was.
    assert!(!worker::run_once(app).await.unwrap());
    assert_eq!(b.sim.state_digest(), before, "a dry run changed Confluence");

    // Redact in place: only the values change; the version says why; undo restores it.
    let redact = planned(&notes, "redact_in_place", None);
    let snippet = redact["plan"]["changes"][0]["before"].as_str().unwrap();
    assert!(snippet.contains('⟦'), "{snippet}");
    let (original, version, _) = b.page_body(NOTES).await;
    let id = redact["id"].as_str().unwrap();
    b.decide(id, "approve").await;
    let done = b.run(id).await;
    assert_eq!(done["state"], "verified", "{done:#}");
    let (redacted, new_version, message) = b.page_body(NOTES).await;
    assert_eq!(new_version, version + 1);
    assert!(message.contains(&format!("[dlp:{id}]")), "{message}");
    let mut expected = original.clone();
    for (raw, masked) in &raw_notes {
        expected = expected.replace(raw.as_str(), masked);
    }
    assert_eq!(
        redacted, expected,
        "only the values' own characters changed"
    );
    b.decide(id, "undo").await;
    let undone = b.run(id).await;
    assert_eq!(undone["state"], "undone", "{undone:#}");
    assert_eq!(
        b.page_body(NOTES).await.0,
        original,
        "undo restores the body"
    );

    // Comments get the same treatment.
    let comment = planned(&notes, "redact_in_place", Some(NOTES_COMMENT));
    let id = comment["id"].as_str().unwrap();
    b.decide(id, "approve").await;
    assert_eq!(b.run(id).await["state"], "verified");
    let client = app.confluence.as_ref().unwrap();
    let body = client
        .comment(NOTES_COMMENT)
        .await
        .unwrap()
        .body
        .storage
        .unwrap()
        .value;
    for (raw, _) in planted(app, NOTES, "comment").await {
        assert!(
            !body.contains(raw.as_str()),
            "the comment still holds a value"
        );
    }
    assert_eq!(comment["plan"]["reversible"], false);
    let undo = b
        .post(&format!("/api/v1/remediations/{id}/undo"), json!({}))
        .await;
    assert_eq!(
        undo.status(),
        StatusCode::CONFLICT,
        "a comment has no version to go back to"
    );

    // Restrict the page, then put its restrictions back exactly.
    let restrict = planned(&notes, "restrict_page", None);
    let id = restrict["id"].as_str().unwrap();
    assert_eq!(restrict["plan"]["permissions_before"]["read"], json!([]));
    let open_digest = b.sim.state_digest();
    b.decide(id, "approve").await;
    assert_eq!(b.run(id).await["state"], "verified");
    let now = client.content_restrictions(NOTES).await.unwrap();
    assert_eq!(now.read.len(), 1);
    let after = b
        .server
        .json(&format!("/api/v1/findings?page_id={NOTES}"), &b.token)
        .await;
    assert_eq!(after["items"][0]["exposure"], "restricted");
    b.decide(id, "undo").await;
    assert_eq!(b.run(id).await["state"], "undone");
    assert!(client.content_restrictions(NOTES).await.unwrap().is_empty());
    assert_eq!(b.sim.state_digest(), open_digest, "undo restores the state");

    // A person saves the page while it is being redacted; a worker dies right after writing.
    // The edit is kept, the values are masked in it, and the second worker writes nothing.
    let (setup_body, setup_version, _) = b.page_body(SETUP).await;
    let edited = format!("{setup_body}<p>Added by a person while DLP was working.</p>");
    let id = planned(&setup, "redact_in_place", None)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    b.decide(&id, "approve").await;
    b.sim
        .edit_before_next_write(SETUP.parse().unwrap(), edited.clone());
    let claimed = app
        .store
        .claim_remediation(Duration::from_millis(1))
        .await
        .unwrap()
        .expect("claimed");
    assert_eq!(claimed.id, id);
    execute::execute(app, &claimed).await.expect("written");
    let writes = b.sim.stats().writes;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let recovered = b.run(&id).await;
    assert_eq!(recovered["state"], "verified", "{recovered:#}");
    assert_eq!(b.sim.stats().writes, writes, "the second run wrote again");
    let (kept, v, _) = b.page_body(SETUP).await;
    assert_eq!(v, setup_version + 2, "one edit by the person, one by DLP");
    assert!(kept.contains("Added by a person while DLP was working."));
    for (raw, _) in planted(app, SETUP, "page").await {
        assert!(!kept.contains(raw.as_str()));
    }

    // Purge history: the older versions that hold the value go; the current one stays.
    let id = planned(&setup, "purge_history", None)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    b.decide(&id, "approve").await;
    let purged = b.run(&id).await;
    assert_eq!(purged["state"], "verified", "{purged:#}");
    let deleted = purged["result"]["deleted_versions"].as_array().unwrap();
    assert!(deleted.len() >= 2, "{purged:#}");
    for n in deleted {
        let n = u32::try_from(n.as_u64().unwrap()).unwrap();
        let old = client
            .document_version(dlp_confluence::Container::Page, SETUP, n)
            .await
            .unwrap();
        assert!(old.is_none(), "version {n} is still there");
    }
    let undo = b
        .post(&format!("/api/v1/remediations/{id}/undo"), json!({}))
        .await;
    assert_eq!(
        undo.status(),
        StatusCode::CONFLICT,
        "a purge cannot be undone"
    );

    // Quarantine: the attachment leaves Confluence sealed, and comes back byte for byte.
    let quarantine = planned(&setup, "quarantine_attachment", None);
    let id = quarantine["id"].as_str().unwrap().to_owned();
    let file =
        std::fs::read(sample_space().join(format!("attachments/files/{SETUP_ATTACHMENT}/dev.env")))
            .unwrap();
    b.decide(&id, "approve").await;
    assert_eq!(b.run(&id).await["state"], "verified");
    assert!(matches!(
        client.attachment(SETUP_ATTACHMENT).await,
        Err(dlp_confluence::ConfluenceError::NotFound)
    ));
    b.decide(&id, "undo").await;
    let back = b.run(&id).await;
    assert_eq!(back["state"], "undone", "{back:#}");
    let restored = back["result"]["undo"]["restored_as"].as_str().unwrap();
    let attachment = client.attachment(restored).await.unwrap();
    let bytes = client.download(&attachment).await.unwrap();
    assert_eq!(sha2::Sha256::digest(&bytes), sha2::Sha256::digest(&file));

    // Classification levels exist on Cloud only; on Data Center the plan says why not.
    if b.cloud {
        let id = planned(&notes, "classify", None)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        b.decide(&id, "approve").await;
        assert_eq!(b.run(&id).await["state"], "verified");
        let level = client
            .content_classification(dlp_confluence::Container::Page, NOTES)
            .await
            .unwrap();
        assert_eq!(level.name, "Restricted");
        b.decide(&id, "undo").await;
        assert_eq!(b.run(&id).await["state"], "undone");
        let level = client
            .content_classification(dlp_confluence::Container::Page, NOTES)
            .await
            .unwrap();
        assert_eq!(level.name, "Internal", "back to the space's default");
    } else {
        let skipped = notes["skipped"].to_string();
        assert!(skipped.contains("Cloud"), "{skipped}");
    }

    // Remove anonymous access with the space admin's credential; undo grants it again.
    let revoke = planned(&notes, "remove_space_access", None);
    let id = revoke["id"].as_str().unwrap().to_owned();
    b.decide(&id, "approve").await;
    assert_eq!(b.run(&id).await["state"], "verified");
    let space = client.space_by_key("ENG").await.unwrap();
    let anonymous = |perms: &[dlp_confluence::SpacePermission]| {
        perms
            .iter()
            .any(|p| p.principal == dlp_confluence::Principal::Anonymous)
    };
    assert!(!anonymous(&client.space_permissions(&space).await.unwrap()));
    b.decide(&id, "undo").await;
    assert_eq!(b.run(&id).await["state"], "undone");
    assert!(anonymous(&client.space_permissions(&space).await.unwrap()));

    // Notify: no Slack or mail is configured here (their own tests have peers); the page gets
    // a comment with the masked previews, never a value.
    let notify = planned(&notes, "notify", None);
    let id = notify["id"].as_str().unwrap().to_owned();
    b.decide(&id, "approve").await;
    let told = b.run(&id).await;
    assert_eq!(told["state"], "verified", "{told:#}");
    let comment_id = told["result"]["comment"]["comment_id"].as_str().unwrap();
    let posted = client
        .comment(comment_id)
        .await
        .unwrap()
        .body
        .storage
        .unwrap()
        .value;
    assert!(posted.contains("confluence-dlp"), "{posted}");
    for (raw, masked) in &raw_notes {
        assert!(!posted.contains(raw.as_str()), "the notice holds a value");
        assert!(posted.contains(masked.as_str()), "{posted}");
    }

    // Every step is in the audit trail.
    let audit = b
        .server
        .json("/api/v1/audit?action=remediation.&limit=500", &b.token)
        .await
        .to_string();
    for action in [
        "remediation.planned",
        "remediation.approved",
        "remediation.executed",
        "remediation.verified",
        "remediation.undo_requested",
        "remediation.undone",
    ] {
        assert!(audit.contains(action), "{action} missing");
    }
    b.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_end_to_end_on_cloud() {
    scenario(Flavor::Cloud).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_end_to_end_on_data_center() {
    scenario(Flavor::data_center()).await;
}
