//! The resource every signal carries: service identity, the AWS attributes CloudWatch's GenAI
//! views expect, and this distro's name and version.

use agentcore_observability_config::Config;
use opentelemetry::KeyValue;
use opentelemetry_sdk::resource::{Resource, TelemetryResourceDetector};

/// This distro's name, as `telemetry.distro.name`.
pub(crate) const DISTRO_NAME: &str = "agentcore-observability";
/// This distro's version, as `telemetry.distro.version`.
pub(crate) const DISTRO_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Builds the resource from the configuration and the `detected` AWS attributes (see
/// [`detect`](crate::detect)): the SDK's own environment detectors are not used, so
/// `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` are read once, with our precedence (code >
/// environment > `.env`). A configured attribute wins over a detected one with the same key.
pub(crate) fn build(config: &Config, detected: &[KeyValue]) -> Resource {
    let has = |key: &str| config.resource_attributes.iter().any(|(k, _)| k == key);
    let service_name = config
        .service_name
        .clone()
        .unwrap_or_else(default_service_name);

    let mut attributes: Vec<KeyValue> = config
        .resource_attributes
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect();
    attributes.extend(detected.iter().filter(|kv| !has(kv.key.as_str())).cloned());
    attributes.push(KeyValue::new("service.name", service_name));
    if !has("aws.local.service") {
        // ADOT's rule: the service name, or UnknownService when none was configured.
        let local = config.service_name.as_deref().unwrap_or("UnknownService");
        attributes.push(KeyValue::new("aws.local.service", local.to_string()));
    }
    if config.agent_observability && !has("aws.service.type") {
        attributes.push(KeyValue::new("aws.service.type", "gen_ai_agent"));
    }
    if !has("service.instance.id") {
        attributes.push(KeyValue::new("service.instance.id", random_uuid()));
    }
    attributes.push(KeyValue::new("telemetry.distro.name", DISTRO_NAME));
    attributes.push(KeyValue::new("telemetry.distro.version", DISTRO_VERSION));
    // The key ADOT sets (deprecated in the semantic conventions in favour of telemetry.distro.*,
    // but CloudWatch tooling may still read it).
    attributes.push(KeyValue::new(
        "telemetry.auto.version",
        format!("{DISTRO_VERSION}-aws"),
    ));

    Resource::builder_empty()
        .with_detector(Box::new(TelemetryResourceDetector))
        .with_attributes(attributes)
        .build()
}

/// `unknown_service:<executable>`, the OpenTelemetry default.
fn default_service_name() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    match exe {
        Some(name) => format!("unknown_service:{name}"),
        None => "unknown_service".to_string(),
    }
}

/// A random (version 4) UUID for `service.instance.id`.
fn random_uuid() -> String {
    let mut bits: u128 = rand::random();
    bits = (bits & !(0xF << 76)) | (0x4 << 76); // version 4
    bits = (bits & !(0x3 << 62)) | (0x2 << 62); // RFC 4122 variant
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_has_version_and_variant() {
        let id = random_uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert!(matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        assert_ne!(id, random_uuid());
    }
}
