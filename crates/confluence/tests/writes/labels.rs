//! Data classification: Cloud only.

use super::harness::*;

/// samples/spaces/ENG/permissions.json: the space defaults to Internal, Payroll Corrections
/// (66379) is Confidential.
const PAYROLL: &str = "66379";

#[tokio::test]
async fn levels_are_read_and_content_is_classified() {
    let site = Site::start(false).await;
    let c = &site.client;
    let levels = c.classification_levels().await.expect("levels");
    let names: Vec<&str> = levels.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["Public", "Internal", "Confidential", "Restricted"]);
    let level = |name: &str| {
        levels
            .iter()
            .find(|l| l.name == name)
            .expect("level")
            .clone()
    };

    let payroll = c
        .content_classification(Container::Page, PAYROLL)
        .await
        .expect("own level");
    assert_eq!(payroll, level("Confidential"));
    let page = c
        .content_classification(Container::Page, PAGE)
        .await
        .expect("space default");
    assert_eq!(page.name, "Internal");

    let digest = site.sim.state_digest();
    c.set_content_classification(Container::Page, PAGE, &level("Restricted").id)
        .await
        .expect("set");
    assert_eq!(
        c.content_classification(Container::Page, PAGE)
            .await
            .expect("read")
            .name,
        "Restricted"
    );
    assert_ne!(site.sim.state_digest(), digest);
    c.set_content_classification(Container::BlogPost, BLOG, &level("Public").id)
        .await
        .expect("blog post");
    assert_eq!(
        c.content_classification(Container::BlogPost, BLOG)
            .await
            .expect("read")
            .name,
        "Public"
    );

    let unknown = c
        .set_content_classification(Container::Page, PAGE, "no-such-level")
        .await;
    assert!(
        matches!(unknown, Err(ConfluenceError::BadRequest)),
        "{unknown:?}"
    );
    let missing = c.content_classification(Container::Page, MISSING).await;
    assert!(
        matches!(missing, Err(ConfluenceError::NotFound)),
        "{missing:?}"
    );
}

#[tokio::test]
async fn data_center_refuses_classification_without_a_request() {
    let site = Site::start(true).await;
    let c = &site.client;
    assert!(matches!(
        c.classification_levels().await,
        Err(ConfluenceError::Unsupported { .. })
    ));
    assert!(matches!(
        c.set_content_classification(Container::Page, PAGE, "x")
            .await,
        Err(ConfluenceError::Unsupported { .. })
    ));
    assert!(matches!(
        c.content_classification(Container::Page, PAGE).await,
        Err(ConfluenceError::Unsupported { .. })
    ));
    assert_eq!(c.request_count(), 0);
}
