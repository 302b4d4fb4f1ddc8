//! The values a Terraform state file itself marks sensitive: outputs with `"sensitive": true`,
//! and the attributes an instance lists in `sensitive_attributes`. Terraform hides them in its
//! plan output and keeps them in the state in plain text, so a state pasted into a page (an
//! incident note, a migration how-to) carries them.
//!
//! `sensitive_attributes` is a list of paths into the instance's `attributes`. Terraform writes
//! a path as a list of steps, `{"type": "get_attr", "value": "password"}` and
//! `{"type": "index", "value": {"value": 0, "type": "number"}}`; some writers give bare steps
//! (`["connection", 0, "token"]`), and a mirror of the attributes with `true` at each sensitive
//! value (`{"password": true}`) is what `terraform show -json` writes as `sensitive_values`
//! beside a resource's `values` (under `values.root_module`, and its `child_modules`). All of
//! them are read.

use std::ops::Range;

use super::json_spans::{self, Node, Value};

/// Bytes of a state read at most: states of large estates reach megabytes.
const MAX_STATE: usize = 16 << 20;

/// Values reported from one state at most.
const MAX_VALUES: usize = 1024;

/// Modules nested deeper than this in `show -json` are not read.
const MAX_MODULE_DEPTH: usize = 16;

/// The spans (string contents) of the sensitive values of every state in `text`.
pub fn sensitive_values(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut done = 0;
    let budget = &mut json_spans::budget_for(text);
    for (at, _) in text.match_indices("\"terraform_version\"") {
        if at < done {
            continue;
        }
        let is_state = |n: &Node| {
            n.get("terraform_version").and_then(Node::as_str).is_some()
                && ["resources", "outputs", "values"]
                    .iter()
                    .any(|key| n.get(key).is_some())
        };
        let Some(state) = json_spans::object_around(text, at + 1, MAX_STATE, budget, is_state)
        else {
            continue;
        };
        done = state.span.end;
        state_values(&state, &mut spans);
    }
    spans.sort_by_key(|s| (s.start, s.end));
    spans.dedup();
    spans
}

fn state_values(state: &Node, spans: &mut Vec<Range<usize>>) {
    outputs(state, spans);
    if let Some(values) = state.get("values") {
        outputs(values, spans);
        if let Some(root) = values.get("root_module") {
            module_values(root, 0, spans);
        }
    }
    let resources = state.get("resources").map_or(&[][..], Node::as_array);
    let instances = resources
        .iter()
        .flat_map(|r| r.get("instances").map_or(&[][..], Node::as_array));
    for instance in instances {
        if let Some(attributes) = instance.get("attributes") {
            marked(attributes, instance.get("sensitive_attributes"), spans);
        }
    }
}

/// The values of outputs marked sensitive, in a state or in `show -json`'s `values`.
fn outputs(holder: &Node, spans: &mut Vec<Range<usize>>) {
    for (_, output) in holder.get("outputs").map_or(&[][..], Node::members) {
        if output.get("sensitive").map(|s| &s.value) == Some(&Value::Bool(true))
            && let Some(value) = output.get("value")
        {
            value.strings(MAX_VALUES, spans);
        }
    }
}

/// The resources of a module of `show -json` (`values`, with `sensitive_values` as a mirror),
/// and of its child modules, nested at most [`MAX_MODULE_DEPTH`].
fn module_values(module: &Node, depth: usize, spans: &mut Vec<Range<usize>>) {
    for resource in module.get("resources").map_or(&[][..], Node::as_array) {
        if let Some(values) = resource.get("values") {
            marked(values, resource.get("sensitive_values"), spans);
        }
    }
    if depth < MAX_MODULE_DEPTH {
        for child in module.get("child_modules").map_or(&[][..], Node::as_array) {
            module_values(child, depth + 1, spans);
        }
    }
}

/// The attributes `sensitive` marks: a list of paths, or a mirror of the attributes.
fn marked(attributes: &Node, sensitive: Option<&Node>, spans: &mut Vec<Range<usize>>) {
    match sensitive.map(|s| &s.value) {
        Some(Value::Array(paths)) => {
            for path in paths {
                if let Some(node) = follow(attributes, path) {
                    node.strings(MAX_VALUES, spans);
                }
            }
        }
        Some(Value::Object(_)) => mirrored(attributes, sensitive.expect("an object"), spans),
        _ => {}
    }
}

/// The value a path of steps leads to from `attributes`.
fn follow<'a>(attributes: &'a Node, path: &Node) -> Option<&'a Node> {
    let steps = match &path.value {
        Value::Array(steps) => steps.as_slice(),
        // A path of one bare step.
        _ => std::slice::from_ref(path),
    };
    steps.iter().try_fold(attributes, |node, step| {
        // `{"type": ..., "value": ...}`, where an index's value is itself `{"value": 0}`.
        let key = step.get("value").unwrap_or(step);
        let key = key.get("value").unwrap_or(key);
        match &key.value {
            Value::String(name) => node.get(name),
            Value::Number(n) if n.fract() == 0.0 && *n >= 0.0 => node.as_array().get(*n as usize),
            _ => None,
        }
    })
}

/// The values at `true` in a mirror of the attributes (`sensitive_values` of `show -json`).
fn mirrored(attributes: &Node, mirror: &Node, spans: &mut Vec<Range<usize>>) {
    match &mirror.value {
        Value::Bool(true) => attributes.strings(MAX_VALUES, spans),
        Value::Object(members) => {
            for (key, marks) in members {
                if let Some(node) = attributes.get(key) {
                    mirrored(node, marks, spans);
                }
            }
        }
        Value::Array(marks) => {
            for (node, marks) in attributes.as_array().iter().zip(marks) {
                mirrored(node, marks, spans);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<&str> {
        sensitive_values(text)
            .into_iter()
            .map(|s| &text[s])
            .collect()
    }

    #[test]
    fn sensitive_outputs_and_listed_attributes_are_read_in_every_path_form() {
        let text = r#"State after the failed apply:
{
  "version": 4,
  "terraform_version": "1.9.8",
  "outputs": {
    "db_password": {"value": "Q7v!rT2m9LxW", "type": "string", "sensitive": true},
    "db_host": {"value": "db.internal", "type": "string"},
    "api_url": {"value": "https://api", "type": "string", "sensitive": false}
  },
  "resources": [
    {"mode": "managed", "type": "aws_db_instance", "name": "main", "instances": [
      {"schema_version": 2,
       "attributes": {"username": "app", "password": "Zr8#pLq2Vn5x", "port": 5432},
       "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]]}
    ]},
    {"mode": "managed", "type": "example_conn", "name": "c", "instances": [
      {"attributes": {"connection": [{"token": "tk-9f2LmQ8"}], "name": "c"},
       "sensitive_attributes": [["connection", 0, "token"],
         [{"type": "get_attr", "value": "connection"},
          {"type": "index", "value": {"value": 0, "type": "number"}}]]}
    ]},
    {"mode": "managed", "type": "mirror", "name": "m", "instances": [
      {"attributes": {"secret": "s3-Mirr0r-Val", "plain": "x"},
       "sensitive_attributes": {"secret": true, "plain": false}}
    ]}
  ]
}"#;
        assert_eq!(
            values(text),
            [
                "Q7v!rT2m9LxW",
                "Zr8#pLq2Vn5x",
                "tk-9f2LmQ8",
                "s3-Mirr0r-Val"
            ]
        );
    }

    #[test]
    fn show_json_values_with_their_sensitive_mirror() {
        let text = r#"{"format_version": "1.0", "terraform_version": "1.9.8",
 "values": {
  "outputs": {"token": {"sensitive": true, "value": "tok-Q2v9Lm4X"},
              "url": {"sensitive": false, "value": "https://x"}},
  "root_module": {
   "resources": [{"address": "a.b", "values": {"password": "Pw-7hGk2LqZ", "name": "b"},
                  "sensitive_values": {"password": true}}],
   "child_modules": [{"resources": [{"values": {"keys": ["k-1aB2c3D4", "k-5eF6g7H8"]},
                                     "sensitive_values": {"keys": [true, false]}}]}]}}}"#;
        assert_eq!(values(text), ["tok-Q2v9Lm4X", "Pw-7hGk2LqZ", "k-1aB2c3D4"]);
    }

    #[test]
    fn json_that_is_not_a_state_or_is_malformed_gives_nothing() {
        assert!(values(r#"{"terraform_version": "1.5.0", "note": "x"}"#).is_empty());
        let truncated = r#"{"terraform_version": "1.5.0", "outputs": {"p": {"value": "abc", "sensitive": true}"#;
        assert!(values(truncated).is_empty());
        assert!(values("terraform_version = \"1.5\"").is_empty());
    }
}
