//! The served sample space holds what expected.json says.

use super::harness::*;

/// Storage XHTML as text: CDATA kept, tags dropped, so values split across inline tags join up.
fn storage_text(xhtml: &str) -> String {
    let plain = xhtml.replace("<![CDATA[", "").replace("]]>", "");
    let mut out = String::with_capacity(plain.len());
    let mut in_tag = false;
    for ch in plain.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn served_sample_holds_every_value_expected_json_names() {
    let sim = Sim::open().await;
    let expected = read_json(&space_dir().join("expected.json"));
    let planted = expected["planted"].as_array().expect("planted");
    let lookalikes = expected["lookalikes"].as_array().expect("lookalikes");
    assert!(planted.len() >= 40 && lookalikes.len() >= 30);
    let follow = reqwest::Client::new();
    let mut per_item: HashSet<(String, String)> = HashSet::new();
    for entry in planted.iter().chain(lookalikes) {
        let value = entry["value"].as_str().expect("value");
        let item = match entry["content_type"].as_str().expect("content_type") {
            "page" => format!(
                "/wiki/api/v2/pages/{}?body-format=storage",
                entry["page_id"].as_str().expect("page")
            ),
            "blogpost" => format!(
                "/wiki/api/v2/blogposts/{}?body-format=storage",
                entry["page_id"].as_str().expect("post")
            ),
            "comment" => {
                let id = entry["comment_id"].as_str().expect("comment id");
                let footer = format!("/wiki/api/v2/footer-comments/{id}?body-format=storage");
                if sim.get(&footer).await.status() == StatusCode::OK {
                    footer
                } else {
                    format!("/wiki/api/v2/inline-comments/{id}?body-format=storage")
                }
            }
            _ => format!(
                "/wiki/api/v2/attachments/{}",
                entry["attachment_id"].as_str().expect("attachment id")
            ),
        };
        let object = sim.json(&item).await;
        if entry["content_type"] == "attachment" {
            assert_eq!(object["title"], entry["attachment_title"]);
            assert_eq!(
                object["pageId"].as_str().or(object["blogPostId"].as_str()),
                entry["page_id"].as_str()
            );
            let url = format!(
                "{}{}",
                object["_links"]["base"].as_str().expect("base"),
                object["downloadLink"].as_str().expect("link")
            );
            let bytes = follow
                .get(url)
                .send()
                .await
                .expect("download")
                .bytes()
                .await
                .expect("bytes");
            match entry.get("needs").and_then(Value::as_str) {
                None | Some("pdf") => {
                    let text = String::from_utf8_lossy(&bytes);
                    assert!(
                        text.contains(value),
                        "{} lacks a value of {}",
                        item,
                        entry.get("detector").unwrap_or(&entry["looks_like"])
                    );
                }
                Some("ocr") => assert!(
                    [
                        &b"\x89PNG\r\n\x1a\n"[..],
                        b"\xFF\xD8\xFF",
                        b"GIF8",
                        b"II*\0",
                        b"BM",
                        b"RIFF"
                    ]
                    .iter()
                    .any(|magic| bytes.starts_with(magic)),
                    "images are PNG, JPEG, GIF, TIFF, BMP or WebP"
                ),
                Some("xls") => assert!(
                    bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"),
                    "xls is an OLE compound file"
                ),
                Some(_) => assert!(
                    bytes.starts_with(b"PK\x03\x04"),
                    "docx, xlsx and zip are zip containers"
                ),
            }
        } else {
            let body = object["body"]["storage"]["value"]
                .as_str()
                .expect("storage body");
            assert!(
                storage_text(body).contains(value),
                "{item} lacks a value of {}",
                entry.get("detector").unwrap_or(&entry["looks_like"])
            );
        }
        if entry.get("detector").is_some() {
            let key = format!(
                "{}|{}|{}",
                entry["page_id"], entry["comment_id"], entry["attachment_id"]
            );
            assert!(
                per_item.insert((key, value.to_string())),
                "a value is planted twice in one item"
            );
        }
    }
    for detector in [
        "aws-access-key-id",
        "github-classic-pat",
        "credit-card",
        "us-ssn",
        "email",
        "us-npi",
    ] {
        let n = planted.iter().filter(|p| p["detector"] == detector).count();
        assert!(n >= 4, "{detector}: {n} planted");
    }
}
