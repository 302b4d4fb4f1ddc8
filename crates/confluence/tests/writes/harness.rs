//! A simulator per test and a client configured for its flavour.

use std::path::PathBuf;
use std::time::Duration;

pub(crate) use dlp_confluence::{
    Auth, ClientConfig, CommentLocation, ConfluenceClient, ConfluenceError, Container, Flavor,
};
pub(crate) use dlp_simulator::{Faults, SimulatorAuth, SimulatorConfig, SimulatorHandle};

/// Sample ids (samples/spaces/ENG): a page at version 7, a blog post at version 1, a footer
/// and an inline root comment at version 1, an attachment of the first page.
pub(crate) const PAGE: &str = "65868";
pub(crate) const PAGE_VERSION: u32 = 7;
pub(crate) const BLOG: &str = "66800";
pub(crate) const FOOTER_COMMENT: &str = "65794";
pub(crate) const INLINE_COMMENT: &str = "65757";
pub(crate) const MISSING: &str = "999999999";

pub(crate) fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples/spaces")
}

pub(crate) struct Site {
    pub(crate) sim: SimulatorHandle,
    pub(crate) client: ConfluenceClient,
}

pub(crate) const BOTH: [bool; 2] = [false, true];

impl Site {
    /// Cloud (`dc` false) or Data Center under `/confluence`, open to anyone.
    pub(crate) async fn start(dc: bool) -> Site {
        Site::with(dc, Faults::default(), SimulatorAuth::default(), Auth::None).await
    }

    pub(crate) async fn with(
        dc: bool,
        faults: Faults,
        sim_auth: SimulatorAuth,
        auth: Auth,
    ) -> Site {
        let mut config = SimulatorConfig::new(samples());
        config.faults = faults;
        config.auth = sim_auth;
        if dc {
            config.flavor = dlp_simulator::Flavor::data_center();
        }
        let sim = dlp_simulator::spawn(config, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("simulator starts");
        let client = client_for(&sim, dc, auth);
        Site { sim, client }
    }

    pub(crate) fn flavor(&self) -> &'static str {
        self.client.flavor().as_str()
    }
}

pub(crate) fn client_for(sim: &SimulatorHandle, dc: bool, auth: Auth) -> ConfluenceClient {
    let mut cfg = ClientConfig::new(sim.site_url(), auth);
    cfg.flavor = Some(if dc {
        Flavor::DataCenter
    } else {
        Flavor::Cloud
    });
    cfg.max_retries = 3;
    cfg.backoff_base = Duration::from_millis(5);
    cfg.backoff_max = Duration::from_millis(20);
    ConfluenceClient::new(cfg).expect("client")
}
