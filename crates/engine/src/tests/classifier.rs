//! The classifier as the service uses it: findings in the contract's shape, suppressions by
//! fingerprint, value, space and page, no allocation on the path that finds nothing, and one
//! engine shared by every thread.

use super::*;

#[test]
fn classifier_builds_contract_findings() {
    let key = SecretSlice::from(b"fingerprint-key-for-tests".to_vec());
    let classifier = Classifier::new(Engine::builtin(), Fingerprinter::new(key).unwrap());
    let item = dlp_domain::ContentRef {
        space_key: "ENG".into(),
        content_type: ContentType::Page,
        page_id: "123".into(),
        page_version: Some(4),
        comment_id: None,
        attachment_id: None,
        attachment_title: None,
    };
    let dashed = classifier.classify(&item, &one("card 4746-5075-2917-0347"));
    let spaced = classifier.classify(&item, &one("x\ncard 4746 5075 2917 0347"));
    assert_eq!(dashed.len(), 1);
    let f = &dashed[0];
    assert_eq!(
        (f.detector.as_str(), f.category),
        ("credit-card", Category::Pci)
    );
    assert_eq!(f.masked, "****-****-****-0347");
    assert_eq!(
        f.fingerprint, spaced[0].fingerprint,
        "same card, same fingerprint"
    );
    assert_eq!(f.id, spaced[0].id, "moved down a line, same finding");
    assert_eq!(f.location.page_id, "123");
    assert_eq!(
        (f.location.line, f.location.start, f.location.end),
        (Some(1), Some(5), Some(24))
    );
    let json = serde_json::to_string(&dashed).unwrap();
    assert!(
        !json.contains("4746-5075") && !json.contains("4746507529170347"),
        "{json}"
    );
}

/// Counts heap allocations made by the current thread, to prove the no-match path allocates
/// nothing. Other threads (parallel tests) do not disturb the count.
mod counting_alloc {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! { static ALLOCATIONS: Cell<usize> = const { Cell::new(0) }; }

    pub struct Counting;

    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
            // SAFETY: forwards the caller's layout unchanged to the system allocator.
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: `ptr` came from `System.alloc` with this layout.
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
            // SAFETY: same contract as GlobalAlloc::realloc, forwarded.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    pub fn count() -> usize {
        ALLOCATIONS.with(Cell::get)
    }
}

#[global_allocator]
static ALLOCATOR: counting_alloc::Counting = counting_alloc::Counting;

#[test]
fn no_match_path_does_not_allocate() {
    let engine = Engine::builtin();
    let mut scratch = Scratch::default();
    // Keywords and digit runs present, so prefilters pass and regexes run, but nothing matches.
    let segments = vec![
        seg(
            "Meeting notes: the AKIA prefix marks AWS keys; ghp_ marks GitHub tokens.",
            0,
            1,
        ),
        seg(
            "Invoice 2024-0001, amount 1234567 EUR, reach us @ the front desk.",
            80,
            2,
        ),
        seg("NPI and provider numbers are listed elsewhere.", 160, 3),
        // A table cell under an "NPI" header: the context marks the rule, its regex finds nothing.
        Segment {
            context: Some("Provider NPI".into()),
            ..seg("Dr. Amara Obi, family medicine, ref 2024-0001", 210, 4)
        },
    ];
    // Warm up: the regex engine fills its per-thread caches on first use.
    let _ = engine.find_with(
        &one("SSN 536-22-1234 card 4746 5075 2917 0347 a@b.co"),
        &mut scratch,
    );
    let _ = engine.find_with(&segments, &mut scratch);
    let before = counting_alloc::count();
    let found = engine.find_with(&segments, &mut scratch);
    let allocations = counting_alloc::count() - before;
    assert!(found.is_empty());
    assert_eq!(allocations, 0);
    // The counter does see allocations on this thread, so the zero above means something.
    let hits = engine.find_with(&one("SSN 536-22-1234"), &mut scratch);
    assert_eq!(hits.len(), 1);
    assert!(counting_alloc::count() > before);
}

#[test]
fn engine_and_classifier_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Engine>();
    shareable::<Classifier>();
}

#[test]
fn suppressions_by_fingerprint_value_space_and_page() {
    let key = SecretSlice::from(b"fingerprint-key-for-tests".to_vec());
    let make = || Classifier::new(Engine::builtin(), Fingerprinter::new(key.clone()).unwrap());
    let item = dlp_domain::ContentRef {
        space_key: "ENG".into(),
        content_type: ContentType::Comment,
        page_id: "123".into(),
        page_version: Some(1),
        comment_id: Some("900".into()),
        attachment_id: None,
        attachment_title: None,
    };
    let text = one("card 4746-5075-2917-0347, mail jane@globex.com");
    let all = make().classify(&item, &text);
    assert_eq!(all.len(), 2);
    let card_fp = all
        .iter()
        .find(|f| f.detector == "credit-card")
        .unwrap()
        .fingerprint
        .clone();

    let by_fp = make()
        .with_suppressions(&Suppressions {
            fingerprints: vec![card_fp.to_uppercase()],
            ..Default::default()
        })
        .unwrap();
    let left: Vec<_> = by_fp
        .classify(&item, &text)
        .into_iter()
        .map(|f| f.detector)
        .collect();
    assert_eq!(left, ["email"]);

    let by_value = make()
        .with_suppressions(&Suppressions {
            values: vec![r"@globex\.com$".into()],
            ..Default::default()
        })
        .unwrap();
    let left: Vec<_> = by_value
        .classify(&item, &text)
        .into_iter()
        .map(|f| f.detector)
        .collect();
    assert_eq!(left, ["credit-card"]);

    for s in [
        Suppressions {
            spaces: vec!["ENG".into()],
            ..Default::default()
        },
        Suppressions {
            pages: vec!["123".into()],
            ..Default::default()
        },
    ] {
        assert!(
            make()
                .with_suppressions(&s)
                .unwrap()
                .classify(&item, &text)
                .is_empty()
        );
    }
    let other_page = Suppressions {
        pages: vec!["124".into()],
        spaces: vec!["HR".into()],
        ..Default::default()
    };
    assert_eq!(
        make()
            .with_suppressions(&other_page)
            .unwrap()
            .classify(&item, &text)
            .len(),
        2
    );

    let err = make()
        .with_suppressions(&Suppressions {
            values: vec!["ok".into(), "4746(".into()],
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "suppressions.values entry 1 is not a valid regex"
    );
}
