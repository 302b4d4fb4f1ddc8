//! Decoder rules with the whole built-in pack: what a Kubernetes Secret's base64 holds is found
//! by the rule that knows it, located at the token; a Docker config inside a Secret is decoded
//! twice; a Terraform state's sensitive values are found; and none of it costs unbounded time
//! or reports a stand-in.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::*;

fn b64(s: &str) -> String {
    STANDARD.encode(s)
}

/// Rule id, located text and value of each finding.
fn found(text: &str) -> Vec<(String, String, String)> {
    let engine = Engine::builtin();
    let segments = one(text);
    let found = engine.find(&segments);
    assert_eq!(
        found,
        engine.find_exhaustive(&segments),
        "fast and exhaustive agree"
    );
    found
        .iter()
        .map(|m| {
            let located = text[m.start..m.end].to_owned();
            (m.rule_id.to_string(), located, m.value().to_owned())
        })
        .collect()
}

fn finding(rule: &str, located: &str, value: &str) -> (String, String, String) {
    (rule.into(), located.into(), value.into())
}

const AWS_KEY_ID: &str = "AKIAQ3MZ7RTV5KXW2HPN";

#[test]
fn secret_data_is_decoded_and_each_value_found_by_its_rule_at_the_token() {
    let (user, key_id, password) = (b64("admin"), b64(AWS_KEY_ID), b64("Vq7#mR2x!Lp9\n"));
    let url = b64("postgresql://orders:Qm7rT2vX9kLp4sWz8n@pg-prod:5432/orders");
    let manifest = format!(
        "Deployed with kubectl apply -f below.\n\n\
         apiVersion: v1\nkind: Secret\nmetadata:\n  name: orders\ntype: Opaque\ndata:\n  \
         username: {user}\n  AWS_ACCESS_KEY_ID: {key_id}\n  db-password: {password}\n  \
         DATABASE_URL: \"{url}\"\n"
    );
    assert_eq!(
        found(&manifest),
        [
            finding("aws-access-key-id", &key_id, AWS_KEY_ID),
            finding("kubernetes-secret-value", &password, "Vq7#mR2x!Lp9"),
            finding(
                "postgres-connection-string",
                &url,
                "postgresql://orders:Qm7rT2vX9kLp4sWz8n@pg-prod:5432/orders"
            ),
        ]
    );
}

#[test]
fn what_the_rules_saw_in_the_base64_gives_way_to_what_it_decodes_to() {
    // `password: <base64>` reads as a password in plain text; decoded, it is a stand-in.
    let manifest = format!(
        "kind: Secret\ndata:\n  password: {}\n  token: {}\n",
        b64("changeme-please"),
        b64("xxxxxxxxxxxx")
    );
    assert_eq!(found(&manifest), []);
    let plain = format!("password: {}", b64("changeme-please"));
    assert_eq!(
        found(&plain).len(),
        1,
        "the base64 alone is a password to the rules"
    );
}

#[test]
fn json_manifests_and_lists_are_decoded_too() {
    let token = b64("tN4wq8ZkR2vLp0Xs");
    let manifest = format!(
        r#"{{"kind": "List", "items": [{{"apiVersion": "v1", "kind": "Secret",
 "metadata": {{"name": "search"}}, "data": {{"api-token": "{token}", "user": "{}"}}}}]}}"#,
        b64("search")
    );
    assert_eq!(
        found(&manifest),
        [finding(
            "kubernetes-secret-value",
            &token,
            "tN4wq8ZkR2vLp0Xs"
        )]
    );
}

#[test]
fn helm_templates_malformed_base64_and_other_kinds_are_not_findings() {
    for manifest in [
        "kind: Secret\ndata:\n  db-password: {{ .Values.db.password | b64enc | quote }}\n",
        "kind: Secret\ndata:\n  db-password: \"{{ required \"set it\" .Values.pw | b64enc }}\"\n",
        "kind: Secret\ndata:\n  tls.crt: VnE3I21SMnghTHA5\n  public-key: VnE3I21SMnghTHA5\n",
        "kind: Secret\n  data:\n: :\n- - -\n  \"unterminated: VnE3\n",
    ] {
        assert_eq!(found(manifest), [], "{manifest}");
    }
    // Not base64, so not decoded: what the rules make of the text as written stands (a
    // password typed into `data` by mistake is still a password).
    let malformed = "kind: Secret\ndata:\n  db-password: VnE3I21SMnghTHA5%%\n  api-key: ====\n";
    let as_written = "VnE3I21SMnghTHA5%%";
    assert_eq!(
        found(malformed),
        [finding("password-assignment", as_written, as_written)]
    );
    // A ConfigMap's data is no base64 to decode either.
    let config_map = "kind: ConfigMap\ndata:\n  db-password: VnE3I21SMnghTHA5\n";
    let as_written = "VnE3I21SMnghTHA5";
    assert_eq!(
        found(config_map),
        [finding("password-assignment", as_written, as_written)]
    );
}

#[test]
fn a_docker_config_inside_a_secret_is_decoded_twice() {
    let auth = b64("deploy-bot:Zt6yW3nQ8rLs");
    let config = format!(r#"{{"auths": {{"registry.acme-corp.io": {{"auth": "{auth}"}}}}}}"#);
    let outer = b64(&config);
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  \
         .dockerconfigjson: {outer}\n"
    );
    assert_eq!(
        found(&manifest),
        [finding("docker-config-auth", &outer, &auth)]
    );
    let stand_in = b64(&config.replace(&auth, &b64("deploy-bot:changeme")));
    assert_eq!(
        found(&format!(
            "kind: Secret\ndata:\n  .dockerconfigjson: {stand_in}\n"
        )),
        [],
        "a placeholder password, and the JSON as a whole is no scalar to report"
    );
    assert_eq!(
        found(&format!(
            "kind: Secret\ndata:\n  registry-credentials: {stand_in}\n"
        )),
        [],
        "not even under a key that names a secret"
    );
}

#[test]
fn docker_config_auths_and_tokens_with_placeholders_beside_them() {
    let auth = b64("ci-robot:Hx4mQ9vT2wLk7pRz");
    let config = format!(
        r#"{{
  "auths": {{
    "registry.acme-corp.io": {{ "auth": "{auth}" }},
    "ghcr.io": {{ "auth": "{}" }},
    "quay.io": {{ "auth": "<base64 of user:token>" }},
    "acmecorp.azurecr.io": {{ "identitytoken": "bkEO2TBUBc593WVUCqWHO4UYCvjdBLMCv7c-Jm45Ram1EpsUPHwHtPVZlfDt" }}
  }}
}}"#,
        b64("ci-robot:${{REGISTRY_PASSWORD}}")
    );
    let ids: Vec<_> = found(&config)
        .into_iter()
        .map(|(id, _, v)| (id, v))
        .collect();
    assert_eq!(
        ids,
        [
            ("docker-config-auth".to_owned(), auth),
            (
                "docker-config-token".to_owned(),
                "bkEO2TBUBc593WVUCqWHO4UYCvjdBLMCv7c-Jm45Ram1EpsUPHwHtPVZlfDt".to_owned()
            )
        ]
    );
}

#[test]
fn terraform_state_outputs_and_attributes_marked_sensitive() {
    let state = r#"Incident 4411: the state below was pasted from the bucket.
{
  "version": 4,
  "terraform_version": "1.9.8",
  "serial": 31,
  "outputs": {
    "admin_password": {"value": "kqBWF5t%FyPz7L", "type": "string", "sensitive": true},
    "placeholder": {"value": "changeme", "type": "string", "sensitive": true},
    "endpoint": {"value": "orders.cluster-x1.eu-west-1.rds.amazonaws.com", "type": "string", "sensitive": false}
  },
  "resources": [
    {"mode": "managed", "type": "random_password", "name": "api", "instances": [
      {"schema_version": 3,
       "attributes": {"id": "none", "length": 24, "result": "e8Wq2LpZ7xNv4RtK9mYs3BdH", "special": false},
       "sensitive_attributes": [[{"type": "get_attr", "value": "result"}]]}]}
  ]
}"#;
    assert_eq!(
        found(state),
        [
            finding(
                "terraform-state-sensitive",
                "kqBWF5t%FyPz7L",
                "kqBWF5t%FyPz7L"
            ),
            finding(
                "terraform-state-sensitive",
                "e8Wq2LpZ7xNv4RtK9mYs3BdH",
                "e8Wq2LpZ7xNv4RtK9mYs3BdH"
            ),
        ]
    );
}

#[test]
fn a_ten_megabyte_value_is_not_decoded() {
    let blob = "QUJD".repeat(10 << 18);
    let password = b64("Vq7#mR2x!Lp9");
    let manifest =
        format!("kind: Secret\ndata:\n  keystore.jks: {blob}\n  db-password: {password}\n");
    let entries = k8s_secret::data_entries(&manifest);
    assert_eq!(entries.len(), 2);
    assert_eq!(
        k8s_secret::decode(&entries[0].encoded),
        None,
        "past the bound"
    );
    let found = Engine::builtin().find(&one(&manifest));
    let ids: Vec<_> = found.iter().map(|m| &*m.rule_id).collect();
    assert_eq!(ids, ["kubernetes-secret-value"]);
}

#[test]
fn a_decoded_finding_is_masked_and_fingerprinted_as_its_decoded_value() {
    let key = SecretSlice::from(b"fingerprint-key-for-tests".to_vec());
    let classifier = Classifier::new(Engine::builtin(), Fingerprinter::new(key).unwrap());
    let item = dlp_domain::ContentRef {
        space_key: "OPS".into(),
        content_type: ContentType::Page,
        page_id: "77".into(),
        page_version: Some(1),
        comment_id: None,
        attachment_id: None,
        attachment_title: None,
    };
    let encoded = b64(AWS_KEY_ID);
    let manifest = format!("kind: Secret\ndata:\n  AWS_ACCESS_KEY_ID: {encoded}\n");
    let decoded = classifier.classify(&item, &one(&manifest));
    let plain = classifier.classify(&item, &one(&format!("key {AWS_KEY_ID}")));
    assert_eq!(decoded.len(), 1);
    let f = &decoded[0];
    assert_eq!(f.masked, "AKIA************2HPN");
    assert_eq!(
        f.fingerprint, plain[0].fingerprint,
        "one key, one fingerprint"
    );
    let at = manifest.find(&encoded).unwrap();
    assert_eq!(
        (f.location.start, f.location.end),
        (Some(at), Some(at + encoded.len()))
    );
    assert_eq!(f.location.line, Some(3));
}

#[test]
fn disabling_the_secret_rule_stops_the_decoding() {
    let manifest = format!(
        "kind: Secret\ndata:\n  AWS_ACCESS_KEY_ID: {}\n",
        b64(AWS_KEY_ID)
    );
    let opts = EngineOptions {
        disabled_rules: vec!["kubernetes-secret-value".into()],
        ..EngineOptions::default()
    };
    let engine = Engine::new(RulePack::builtin(), opts).unwrap();
    assert!(engine.find(&one(&manifest)).is_empty());
    assert!(!engine.detector_ids().contains(&"kubernetes-secret-value"));
    assert!(
        Engine::builtin()
            .detector_ids()
            .contains(&"kubernetes-secret-value")
    );
}

#[test]
fn a_state_cut_into_segments_is_read_across_them() {
    // A file is cut into segments on line breaks; the state is one object across the cut.
    let head = "{\n  \"version\": 4,\n  \"terraform_version\": \"1.8.1\",\n  \"outputs\": {";
    let tail = "    \"token\": {\"value\": \"Hk29sLm4Qx7Wv3Tz\", \"sensitive\": true}\n  },\n  \"resources\": []\n}";
    let segments = vec![seg(head, 100, 7), seg(tail, 100 + head.len() + 1, 11)];
    let engine = Engine::builtin();
    let found = engine.find(&segments);
    assert_eq!(found, engine.find_exhaustive(&segments));
    assert_eq!(found.len(), 1);
    let m = &found[0];
    assert_eq!(m.value(), "Hk29sLm4Qx7Wv3Tz");
    assert_eq!(&*m.rule_id, "terraform-state-sensitive");
    let at = 100 + head.len() + 1 + tail.find("Hk29").unwrap();
    assert_eq!((m.start, m.line), (at, 11));
    // Segments that do not join (a gap between them) are separate texts.
    let apart = vec![seg(head, 100, 7), seg(tail, 100 + head.len() + 5, 13)];
    assert!(engine.find(&apart).is_empty());
}
