use super::*;

fn page() -> ContentRef {
    ContentRef {
        space_key: "ENG".into(),
        content_type: ContentType::Page,
        page_id: "123".into(),
        page_version: Some(4),
        comment_id: None,
        attachment_id: None,
        attachment_title: None,
    }
}

#[test]
fn finding_serialises_to_the_design_contract() {
    let loc = Location::new(&page(), &SegmentOrigin::default(), 12, 340, 360);
    let f = Finding {
        id: Finding::stable_id("aws-access-key-id", "ab", &loc),
        detector: "aws-access-key-id".into(),
        category: Category::Secret,
        severity: Severity::High,
        confidence: 0.97,
        masked: "AKIA************MPLE".into(),
        fingerprint: "ab".into(),
        location: loc,
    };
    let v = serde_json::to_value(&f).unwrap();
    let keys: Vec<_> = v["location"].as_object().unwrap().keys().cloned().collect();
    for k in [
        "space_key",
        "content_type",
        "page_id",
        "page_version",
        "comment_id",
        "attachment_id",
        "attachment_title",
        "path",
        "sheet",
        "cell",
        "pdf_page",
        "line",
        "start",
        "end",
    ] {
        assert!(keys.contains(&k.to_string()), "missing location.{k}");
    }
    assert_eq!(v["category"], "secret");
    assert_eq!(v["severity"], "high");
    assert_eq!(v["location"]["content_type"], "page");
    assert!(v["location"]["comment_id"].is_null());
    let back: Finding = serde_json::from_value(v).unwrap();
    assert_eq!(back, f);
}

#[test]
fn stable_id_ignores_version_and_offsets_but_not_place() {
    let a = Location::new(&page(), &SegmentOrigin::default(), 12, 340, 360);
    let mut moved = a.clone();
    moved.page_version = Some(5);
    moved.line = Some(14);
    moved.start = Some(400);
    assert_eq!(
        Finding::stable_id("d", "f", &a),
        Finding::stable_id("d", "f", &moved)
    );
    let mut other_cell = a.clone();
    other_cell.cell = Some("B2".into());
    assert_ne!(
        Finding::stable_id("d", "f", &a),
        Finding::stable_id("d", "f", &other_cell)
    );
    assert_ne!(
        Finding::stable_id("d", "f", &a),
        Finding::stable_id("d", "g", &a)
    );
}

#[test]
fn region_appears_only_for_text_read_from_images() {
    let plain = Location::new(&page(), &SegmentOrigin::default(), 1, 0, 4);
    let v = serde_json::to_value(&plain).unwrap();
    assert!(v.as_object().unwrap().get("region").is_none());
    let back: Location = serde_json::from_value(v).unwrap();
    assert_eq!(back, plain);

    let origin = SegmentOrigin {
        region: Some(Region {
            left: 10,
            top: 20,
            width: 300,
            height: 24,
        }),
        ..SegmentOrigin::default()
    };
    let boxed = Location::new(&page(), &origin, 1, 0, 4);
    assert_eq!(boxed.region, origin.region);
    let v = serde_json::to_value(&boxed).unwrap();
    assert_eq!(
        v["region"],
        serde_json::json!({"left": 10, "top": 20, "width": 300, "height": 24})
    );
    assert_eq!(serde_json::from_value::<Location>(v).unwrap(), boxed);
    // A re-OCR that draws the box differently is still the same finding.
    assert_eq!(
        Finding::stable_id("d", "f", &plain),
        Finding::stable_id("d", "f", &boxed)
    );
}

#[test]
fn history_depth_reads_numbers_and_all_and_bounds_the_range() {
    assert_eq!(HistoryDepth::parse("all"), Some(HistoryDepth::All));
    assert_eq!(HistoryDepth::parse("3"), Some(HistoryDepth::Versions(3)));
    assert_eq!(HistoryDepth::parse("0"), None);
    assert_eq!(HistoryDepth::parse("-1"), None);
    assert_eq!(HistoryDepth::Versions(2).older_versions(5), 3..=4);
    assert_eq!(HistoryDepth::Versions(9).older_versions(5), 1..=4);
    assert_eq!(HistoryDepth::All.older_versions(5), 1..=4);
    assert!(HistoryDepth::All.older_versions(1).is_empty());
    assert!(HistoryDepth::All.older_versions(0).is_empty());
    assert_eq!(HistoryDepth::All.older_versions(5000), 4000..=4999);
    let json: HistoryDepth = serde_json::from_value(serde_json::json!(4)).unwrap();
    assert_eq!(json, HistoryDepth::Versions(4));
    let json: HistoryDepth = serde_json::from_value(serde_json::json!("all")).unwrap();
    assert_eq!(json, HistoryDepth::All);
    assert!(serde_json::from_value::<HistoryDepth>(serde_json::json!(0)).is_err());
    assert!(serde_json::from_value::<HistoryDepth>(serde_json::json!("some")).is_err());
    assert_eq!(serde_json::to_value(HistoryDepth::All).unwrap(), "all");
    assert_eq!(serde_json::to_value(HistoryDepth::Versions(2)).unwrap(), 2);
}

#[test]
fn blogpost_is_spelled_as_in_the_contract() {
    assert_eq!(
        serde_json::to_string(&ContentType::BlogPost).unwrap(),
        "\"blogpost\""
    );
    assert_eq!(ContentType::parse("blogpost"), Some(ContentType::BlogPost));
}
