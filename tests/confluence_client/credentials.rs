//! Credentials.

use super::peer::*;

#[tokio::test]
async fn basic_and_bearer_headers_have_their_formats() {
    let peer = Peer::spawn(|_, _| json_response(page_json("1", ""))).await;
    let mut basic = config(&peer.url());
    basic.auth = Auth::Basic {
        email: "bot@example.com".into(),
        api_token: "tok3n".into(),
    };
    client(basic).page("1").await.unwrap();
    let mut bearer = config(&peer.url());
    bearer.auth = Auth::Bearer {
        token: "pat-xyz".into(),
    };
    client(bearer).page("1").await.unwrap();
    client(config(&peer.url())).page("1").await.unwrap();

    let headers: Vec<_> = peer
        .requests()
        .into_iter()
        .map(|r| r.authorization)
        .collect();
    assert_eq!(
        headers,
        [
            Some("Basic Ym90QGV4YW1wbGUuY29tOnRvazNu".to_owned()),
            Some("Bearer pat-xyz".to_owned()),
            None
        ]
    );
}
