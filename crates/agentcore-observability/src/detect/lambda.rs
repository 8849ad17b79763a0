//! Lambda: the runtime's variables (read by the configuration, so code and `.env` precedence hold)
//! and, on Linux, the account id the OpenTelemetry Lambda extension leaves in a symlink.

use std::path::Path;

use agentcore_observability_config::LambdaEnvironment;
use opentelemetry::{Array, KeyValue, StringValue, Value};

/// Where the OpenTelemetry Lambda extension records the account id (the link's target).
pub(super) const ACCOUNT_ID_LINK: &str = "tmp/.otel-aws-account-id";

/// `cloud.*`, `faas.*` and `aws.log.group.names` of the function. `root` is `/` in production.
pub(super) fn attributes(
    lambda: &LambdaEnvironment,
    region: Option<&str>,
    root: &Path,
) -> Vec<KeyValue> {
    let mut out = vec![
        KeyValue::new("cloud.provider", "aws"),
        KeyValue::new("cloud.platform", "aws_lambda"),
        KeyValue::new("faas.name", lambda.function_name.clone()),
    ];
    if let Some(region) = region {
        out.push(KeyValue::new("cloud.region", region.to_string()));
    }
    if let Some(version) = &lambda.function_version {
        out.push(KeyValue::new("faas.version", version.clone()));
    }
    // The semantic conventions' faas.instance on Lambda: the log stream, one per execution
    // environment.
    if let Some(stream) = &lambda.log_stream_name {
        out.push(KeyValue::new("faas.instance", stream.clone()));
    }
    let bytes = lambda
        .memory_size_mb
        .and_then(|mb| mb.checked_mul(1024 * 1024))
        .and_then(|b| i64::try_from(b).ok());
    if let Some(bytes) = bytes {
        out.push(KeyValue::new("faas.max_memory", bytes));
    }
    if let Some(group) = &lambda.log_group_name {
        out.push(KeyValue::new(
            "aws.log.group.names",
            Value::Array(Array::String(vec![StringValue::from(group.clone())])),
        ));
    }
    if let Some(account) = account_id(root) {
        out.push(KeyValue::new("cloud.account.id", account));
    }
    out
}

/// The 12-digit target of the extension's symlink, if there is one.
fn account_id(root: &Path) -> Option<String> {
    let target = std::fs::read_link(root.join(ACCOUNT_ID_LINK)).ok()?;
    let target = target.to_str()?;
    (target.len() == 12 && target.bytes().all(|b| b.is_ascii_digit())).then(|| target.to_string())
}
