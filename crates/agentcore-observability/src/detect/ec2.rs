//! EC2: the instance metadata service, IMDSv2 (a session token first, then the instance identity
//! document and the host name), and a look at the machine's DMI data that rules EC2 out without
//! any request on machines that are clearly something else.

use std::path::Path;

use opentelemetry::KeyValue;

use super::client::{self, Failure};

/// The header naming the token's lifetime.
const TTL_HEADER: &str = "X-aws-ec2-metadata-token-ttl-seconds";
/// The header carrying the session token.
const TOKEN_HEADER: &str = "X-aws-ec2-metadata-token";
/// Token lifetime: detection needs it for a few milliseconds.
const TOKEN_TTL_SECONDS: &str = "60";

/// What the machine's firmware data says about EC2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum MachineHint {
    /// DMI / hypervisor data names Amazon EC2 (the evidence).
    Ec2(String),
    /// DMI data is readable and names something else (the evidence): no request is made.
    NotEc2(String),
    /// Nothing readable (not Linux, or `/sys` hidden): ask IMDS, within the bound.
    Unknown,
}

/// Reads the Linux DMI and Xen hypervisor files under `root` (`/` in production): Nitro instances
/// report `Amazon EC2` as system or BIOS vendor and the instance id as board asset tag; Xen-based
/// instances have a hypervisor UUID starting with `ec2` and `amazon` in the BIOS / product
/// version.
pub(super) fn machine_hint(root: &Path) -> MachineHint {
    let read = |path: &str| {
        std::fs::read_to_string(root.join(path))
            .ok()
            .map(|s| s.trim().to_string())
    };
    let files = [
        ("sys_vendor", read("sys/class/dmi/id/sys_vendor")),
        ("bios_vendor", read("sys/class/dmi/id/bios_vendor")),
        ("board_asset_tag", read("sys/class/dmi/id/board_asset_tag")),
        ("bios_version", read("sys/class/dmi/id/bios_version")),
        ("product_version", read("sys/class/dmi/id/product_version")),
        ("hypervisor uuid", read("sys/hypervisor/uuid")),
    ];
    let mut evidence = Vec::new();
    for (name, value) in &files {
        let Some(value) = value else { continue };
        let lower = value.to_ascii_lowercase();
        let says_ec2 = match *name {
            "sys_vendor" | "bios_vendor" => lower.contains("amazon"),
            "board_asset_tag" => lower.starts_with("i-"),
            "bios_version" | "product_version" => lower.contains("amazon"),
            _ => lower.starts_with("ec2"),
        };
        if says_ec2 {
            return MachineHint::Ec2(format!("{name} is {value:?}"));
        }
        if !value.is_empty() && evidence.len() < 2 {
            evidence.push(format!("{name} is {value:?}"));
        }
    }
    if files.iter().any(|(_, v)| v.is_some()) {
        let evidence = if evidence.is_empty() {
            "the DMI data names no vendor".to_string()
        } else {
            evidence.join(", ")
        };
        MachineHint::NotEc2(evidence)
    } else {
        MachineHint::Unknown
    }
}

/// IMDSv2 at `endpoint` (no trailing slash): `cloud.*` and `host.*`.
pub(super) async fn detect(
    http: &reqwest::Client,
    endpoint: &str,
) -> Result<Vec<KeyValue>, Failure> {
    let token = client::text(
        http.put(format!("{endpoint}/latest/api/token"))
            .header(TTL_HEADER, TOKEN_TTL_SECONDS),
    )
    .await?;
    // Other clouds answer at the same link-local address; an empty token is not IMDSv2.
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(Failure::Other(
            "the IMDSv2 token endpoint answered an empty token".into(),
        ));
    }
    let get = |path: &str| {
        http.get(format!("{endpoint}/latest/{path}"))
            .header(TOKEN_HEADER, token.as_str())
    };
    let (document, hostname) = tokio::join!(
        client::json(
            get("dynamic/instance-identity/document"),
            "instance identity document",
        ),
        client::text(get("meta-data/hostname")),
    );
    let document = document?;
    if !document.contains_key("instanceId") {
        return Err(Failure::Other(
            "the instance identity document has no instanceId".into(),
        ));
    }
    let field = |key: &str| {
        document
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let mut attributes = vec![
        KeyValue::new("cloud.provider", "aws"),
        KeyValue::new("cloud.platform", "aws_ec2"),
    ];
    let mut push = |key: &'static str, value: Option<String>| {
        if let Some(value) = value {
            attributes.push(KeyValue::new(key, value));
        }
    };
    push("cloud.account.id", field("accountId"));
    push("cloud.region", field("region"));
    push("cloud.availability_zone", field("availabilityZone"));
    push("host.id", field("instanceId"));
    push("host.type", field("instanceType"));
    push("host.image.id", field("imageId"));
    push(
        "host.arch",
        field("architecture")
            .as_deref()
            .and_then(host_arch)
            .map(str::to_string),
    );
    // The host name is the one attribute outside the document; without it the rest still holds.
    match hostname {
        Ok(name) if !name.trim().is_empty() => push("host.name", Some(name.trim().to_string())),
        Ok(_) => {}
        Err(failure) => tracing::debug!(
            target: "agentcore_observability",
            "resource detection: ec2 host name unavailable: {}",
            failure.reason()
        ),
    }
    Ok(attributes)
}

/// EC2's architecture names mapped to `host.arch` values.
fn host_arch(architecture: &str) -> Option<&'static str> {
    match architecture {
        "x86_64" => Some("amd64"),
        "arm64" => Some("arm64"),
        "i386" => Some("x86"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        dir
    }

    #[test]
    fn nitro_xen_and_other_machines() {
        let nitro = host(&[
            ("sys/class/dmi/id/sys_vendor", "Amazon EC2\n"),
            ("sys/class/dmi/id/board_asset_tag", "i-0a1b2c3d4e5f67890\n"),
        ]);
        assert!(matches!(machine_hint(nitro.path()), MachineHint::Ec2(_)));
        let tag_only = host(&[("sys/class/dmi/id/board_asset_tag", "i-0a1b2c3d4e5f67890\n")]);
        assert!(matches!(machine_hint(tag_only.path()), MachineHint::Ec2(_)));
        let xen = host(&[
            ("sys/class/dmi/id/sys_vendor", "Xen\n"),
            ("sys/class/dmi/id/bios_version", "4.11.amazon\n"),
        ]);
        assert!(matches!(machine_hint(xen.path()), MachineHint::Ec2(_)));
        let xen_uuid = host(&[(
            "sys/hypervisor/uuid",
            "ec2e1916-9099-7caf-fd21-012345abcdef\n",
        )]);
        assert!(matches!(machine_hint(xen_uuid.path()), MachineHint::Ec2(_)));

        let azure = host(&[
            ("sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n"),
            (
                "sys/class/dmi/id/board_asset_tag",
                "7783-7084-3265-9085-8269-3286-77\n",
            ),
        ]);
        assert_eq!(
            machine_hint(azure.path()),
            MachineHint::NotEc2(
                "sys_vendor is \"Microsoft Corporation\", board_asset_tag is \"7783-7084-3265-9085-8269-3286-77\"".into()
            )
        );
        let empty = host(&[("sys/class/dmi/id/sys_vendor", "\n")]);
        assert!(matches!(machine_hint(empty.path()), MachineHint::NotEc2(_)));
        let nothing = host(&[]);
        assert_eq!(machine_hint(nothing.path()), MachineHint::Unknown);
    }

    #[test]
    fn architectures() {
        assert_eq!(host_arch("x86_64"), Some("amd64"));
        assert_eq!(host_arch("arm64"), Some("arm64"));
        assert_eq!(host_arch("i386"), Some("x86"));
        assert_eq!(host_arch("mips"), None);
    }
}
