//! Restrictions, ancestors and space permissions: read, changed, restored.

use super::harness::*;
use dlp_confluence::{ContentRestrictions, Principal, Space};

/// samples/spaces/ENG/permissions.json: People Ops (65721) and Payroll Corrections under it
/// (66379) are restricted; the space is readable by anonymous users.
const PEOPLE_OPS: &str = "65721";
const PAYROLL: &str = "66379";
const HR_LEAD: &str = "712020:3926fd61-1027-413e-adc1-ff5d6bd6082f";
const PEOPLE_OPS_GROUP_ID: &str = "5c1d2a0e-0b53-4c8f-9d3e-0a1b2c3d4e03";

fn people_ops_group(dc: bool) -> Principal {
    Principal::Group(
        if dc {
            "people-ops"
        } else {
            PEOPLE_OPS_GROUP_ID
        }
        .into(),
    )
}

async fn eng(site: &Site) -> Space {
    site.client.space_by_key("ENG").await.expect("ENG")
}

#[tokio::test]
async fn restrictions_are_read_replaced_and_restored_exactly() {
    for dc in BOTH {
        let site = Site::start(dc).await;
        let c = &site.client;
        let snapshot = c.content_restrictions(PEOPLE_OPS).await.expect("read");
        assert_eq!(
            snapshot.read,
            vec![Principal::User(HR_LEAD.into()), people_ops_group(dc)],
            "{}",
            site.flavor()
        );
        assert_eq!(snapshot.update, vec![Principal::User(HR_LEAD.into())]);
        assert!(
            c.content_restrictions(PAGE)
                .await
                .expect("open page")
                .is_empty()
        );

        let narrowed = ContentRestrictions {
            read: vec![people_ops_group(dc)],
            update: vec![people_ops_group(dc)],
        };
        c.set_content_restrictions(PAGE, &narrowed)
            .await
            .expect("restrict");
        assert_eq!(c.content_restrictions(PAGE).await.expect("read"), narrowed);
        c.set_content_restrictions(PEOPLE_OPS, &ContentRestrictions::default())
            .await
            .expect("lift");
        assert!(
            c.content_restrictions(PEOPLE_OPS)
                .await
                .expect("read")
                .is_empty()
        );
        c.set_content_restrictions(PEOPLE_OPS, &snapshot)
            .await
            .expect("restore");
        assert_eq!(
            c.content_restrictions(PEOPLE_OPS).await.expect("read"),
            snapshot
        );

        let missing = c.content_restrictions(MISSING).await;
        assert!(
            matches!(missing, Err(ConfluenceError::NotFound)),
            "{missing:?}"
        );
        let unknown_group = ContentRestrictions {
            read: vec![Principal::Group("no-such-group".into())],
            update: vec![],
        };
        let refused = c.set_content_restrictions(PAGE, &unknown_group).await;
        assert!(
            matches!(refused, Err(ConfluenceError::BadRequest)),
            "{refused:?}"
        );
    }
}

#[tokio::test]
async fn ancestors_are_listed_root_first() {
    for dc in BOTH {
        let site = Site::start(dc).await;
        let chain = site.client.ancestors(PAYROLL).await.expect("ancestors");
        assert_eq!(
            chain,
            vec!["65601".to_string(), PEOPLE_OPS.to_string()],
            "{}",
            site.flavor()
        );
        assert!(
            site.client
                .ancestors("65601")
                .await
                .expect("root")
                .is_empty()
        );
        let missing = site.client.ancestors(MISSING).await;
        assert!(
            matches!(missing, Err(ConfluenceError::NotFound)),
            "{missing:?}"
        );
    }
}

#[tokio::test]
async fn space_permissions_show_anonymous_access_and_can_be_revoked_and_restored() {
    for dc in BOTH {
        let site = Site::start(dc).await;
        let c = &site.client;
        let space = eng(&site).await;
        let before = c.space_permissions(&space).await.expect("permissions");
        let anonymous = before
            .iter()
            .find(|p| p.principal == Principal::Anonymous)
            .cloned()
            .unwrap_or_else(|| panic!("{}: the space is public", site.flavor()));
        assert_eq!(
            (anonymous.operation.as_str(), anonymous.target.as_str()),
            ("read", "space")
        );
        assert!(before.iter().any(|p| p.operation == "administer"));
        assert_eq!(
            before.iter().any(|p| p.id.is_some()),
            !dc,
            "ids on Cloud only"
        );

        c.remove_space_permission(&space, &anonymous)
            .await
            .expect("revoke");
        let after = c.space_permissions(&space).await.expect("permissions");
        assert!(
            !after.iter().any(|p| p.principal == Principal::Anonymous),
            "{}",
            site.flavor()
        );
        assert_eq!(after.len(), before.len() - 1);

        let id = c
            .add_space_permission(&space, &Principal::Anonymous, "read", "space")
            .await
            .expect("restore");
        assert_eq!(id.is_some(), !dc);
        let restored = c.space_permissions(&space).await.expect("permissions");
        assert!(restored.iter().any(|p| p.principal == Principal::Anonymous));

        // A group's export, added then removed by what the read gives back.
        let group = people_ops_group(dc);
        c.add_space_permission(&space, &group, "export", "space")
            .await
            .expect("add");
        let granted = c
            .space_permissions(&space)
            .await
            .expect("permissions")
            .into_iter()
            .find(|p| p.principal == group && p.operation == "export")
            .expect("listed");
        c.remove_space_permission(&space, &granted)
            .await
            .expect("remove");
        assert!(
            !c.space_permissions(&space)
                .await
                .expect("permissions")
                .iter()
                .any(|p| p.principal == group)
        );
    }
}

#[tokio::test]
async fn space_permission_writes_need_a_space_admin() {
    for dc in BOTH {
        let site = Site::with(
            dc,
            Faults::default(),
            SimulatorAuth::bearer("scanner-token"),
            Auth::Bearer {
                token: "scanner-token".into(),
            },
        )
        .await;
        site.sim
            .set_space_admin(Some(SimulatorAuth::bearer("admin-token")));
        let space = eng(&site).await;
        let scanner = &site.client;
        let listed = scanner
            .space_permissions(&space)
            .await
            .expect("reading needs no admin");
        let anonymous = listed
            .iter()
            .find(|p| p.principal == Principal::Anonymous)
            .expect("public")
            .clone();
        let refused = scanner.remove_space_permission(&space, &anonymous).await;
        assert!(
            matches!(refused, Err(ConfluenceError::Forbidden)),
            "{}: {refused:?}",
            site.flavor()
        );
        let refused = scanner
            .add_space_permission(&space, &Principal::Anonymous, "export", "space")
            .await;
        assert!(
            matches!(refused, Err(ConfluenceError::Forbidden)),
            "{refused:?}"
        );
        let digest = site.sim.state_digest();

        let admin = client_for(
            &site.sim,
            dc,
            Auth::Bearer {
                token: "admin-token".into(),
            },
        );
        admin
            .remove_space_permission(&space, &anonymous)
            .await
            .expect("admin revokes");
        assert_ne!(site.sim.state_digest(), digest);
        // Cloud: the same id twice is gone; the last administrator cannot be removed.
        if !dc {
            let id = anonymous.id.clone();
            let admins: Vec<_> = admin
                .space_permissions(&space)
                .await
                .expect("permissions")
                .into_iter()
                .filter(|p| p.operation == "administer")
                .collect();
            let (last, others) = admins.split_last().expect("an admin");
            for p in others {
                admin
                    .remove_space_permission(&space, p)
                    .await
                    .expect("remove");
            }
            let refused = admin.remove_space_permission(&space, last).await;
            assert!(
                matches!(refused, Err(ConfluenceError::BadRequest)),
                "{refused:?}"
            );
            let gone = dlp_confluence::SpacePermission {
                id: Some("424242".into()),
                ..last.clone()
            };
            let missing = admin.remove_space_permission(&space, &gone).await;
            assert!(
                matches!(missing, Err(ConfluenceError::NotFound)),
                "{missing:?} {id:?}"
            );
        }
    }
}
