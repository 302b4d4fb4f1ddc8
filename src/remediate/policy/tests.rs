use dlp_domain::{Location, SegmentOrigin};

use super::*;

fn finding(
    space: &str,
    page: &str,
    detector: &str,
    category: Category,
    severity: Severity,
) -> Finding {
    let item = dlp_domain::ContentRef {
        space_key: space.into(),
        content_type: ContentType::Page,
        page_id: page.into(),
        page_version: Some(3),
        comment_id: None,
        attachment_id: None,
        attachment_title: None,
    };
    let location = Location::new(&item, &SegmentOrigin::default(), 1, 0, 20);
    Finding {
        id: Finding::stable_id(detector, "fp", &location),
        detector: detector.into(),
        category,
        severity,
        confidence: 0.9,
        masked: "AKIA************MPLE".into(),
        fingerprint: "fp".into(),
        location,
    }
}

fn policies() -> Vec<Policy> {
    #[derive(Deserialize)]
    struct File {
        policies: Vec<Policy>,
    }
    let file: File = toml::from_str(
        r#"
        [[policies]]
        name = "tell-owners"
        actions = ["notify"]
        mode = "auto"

        [[policies]]
        name = "public-secrets"
        match = { categories = ["secret"], exposure = ["public", "site"] }
        actions = ["notify", "redact_in_place", "purge_history"]
        mode = "approve"

        [[policies]]
        name = "hr-pii"
        scope = { spaces = ["HR"], labels = ["payroll"], exclude_pages = ["42"] }
        match = { categories = ["pii"], min_severity = "high", min_confidence = 0.8 }
        actions = ["restrict_page"]
        restrict_to = { groups = ["hr-team"] }
        delay_secs = 3600
        "#,
    )
    .unwrap();
    file.policies
}

#[test]
fn the_policy_with_the_most_severe_action_wins() {
    let policies = policies();
    validate(&policies).unwrap();
    let key = finding(
        "ENG",
        "7",
        "aws-access-key-id",
        Category::Secret,
        Severity::High,
    );
    let public = Subject {
        finding: &key,
        labels: &[],
        exposure: Some(Exposure::Public),
    };
    let chosen = decide(&policies, &public).unwrap();
    assert_eq!(chosen.name, "public-secrets");
    assert_eq!(chosen.most_severe(), Some(ActionKind::PurgeHistory));
    assert_eq!(chosen.mode, Mode::Approve);
    // Readable by its space only, or not known yet: the exposure policy does not apply.
    for exposure in [Some(Exposure::Space), None] {
        let s = Subject {
            finding: &key,
            labels: &[],
            exposure,
        };
        assert_eq!(decide(&policies, &s).unwrap().name, "tell-owners");
    }
    // A new policy changes nothing until told to.
    assert_eq!(policies[2].mode, Mode::DryRun);
}

#[test]
fn scope_and_match_narrow_what_a_policy_covers() {
    let policies = policies();
    let hr = &policies[2];
    let payroll = vec!["payroll".to_string()];
    let ssn = finding("HR", "9", "us-ssn", Category::Pii, Severity::High);
    assert!(hr.covers(&Subject {
        finding: &ssn,
        labels: &payroll,
        exposure: None
    }));
    assert_eq!(
        decide(
            &policies,
            &Subject {
                finding: &ssn,
                labels: &payroll,
                exposure: None
            }
        )
        .unwrap()
        .name,
        "hr-pii"
    );
    assert!(
        !hr.covers(&Subject {
            finding: &ssn,
            labels: &[],
            exposure: None
        }),
        "label"
    );
    let elsewhere = finding("ENG", "9", "us-ssn", Category::Pii, Severity::High);
    assert!(
        !hr.covers(&Subject {
            finding: &elsewhere,
            labels: &payroll,
            exposure: None
        }),
        "space"
    );
    let excluded = finding("HR", "42", "us-ssn", Category::Pii, Severity::High);
    assert!(
        !hr.covers(&Subject {
            finding: &excluded,
            labels: &payroll,
            exposure: None
        }),
        "excluded page"
    );
    let low = finding("HR", "9", "email", Category::Pii, Severity::Low);
    assert!(
        !hr.covers(&Subject {
            finding: &low,
            labels: &payroll,
            exposure: None
        }),
        "severity"
    );
    let mut unsure = ssn.clone();
    unsure.confidence = 0.6;
    assert!(
        !hr.covers(&Subject {
            finding: &unsure,
            labels: &payroll,
            exposure: None
        }),
        "confidence"
    );
}

#[test]
fn a_config_that_cannot_be_planned_with_is_refused() {
    let mut twice = policies();
    twice[1].name = "tell-owners".into();
    assert_eq!(
        validate(&twice),
        Err(PolicyError::DuplicateName("tell-owners".into()))
    );
    let mut idle = policies();
    idle[0].actions.clear();
    assert_eq!(
        validate(&idle),
        Err(PolicyError::NoAction("tell-owners".into()))
    );
    let mut odd = policies();
    odd[2].matching.min_confidence = Some(1.5);
    assert!(matches!(validate(&odd), Err(PolicyError::Confidence(_))));
    assert!(toml::from_str::<Policy>("name = \"x\"\nactions = [\"burn\"]").is_err());
}
