//! The AWS region: code, then `AWS_REGION`, then `AWS_DEFAULT_REGION`, then (feature
//! `aws-profile`) the `region` of the selected profile in the shared config file, the same chain
//! botocore uses for ADOT.

use crate::parse::invalid;
use crate::source::Sources;
use crate::{ConfigError, ConfigWarning, Region, RegionSource};

/// `expected` text of a region.
pub(crate) const REGION_EXPECTED: &str = "an AWS region name such as us-east-1";

/// Resolve the region. `profile_lookup` says whether the shared config file may be read.
pub(crate) fn resolve(
    code: Option<&str>,
    src: &Sources,
    profile_lookup: bool,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Option<Region>, ConfigError> {
    if let Some(name) = code {
        return validated("ConfigBuilder::region", name, RegionSource::Code).map(Some);
    }
    for (variable, source) in [
        ("AWS_REGION", RegionSource::AwsRegion),
        ("AWS_DEFAULT_REGION", RegionSource::AwsDefaultRegion),
    ] {
        if let Some(name) = src.get(variable) {
            return validated(variable, name, source).map(Some);
        }
    }
    if !profile_lookup {
        return Ok(None);
    }
    let profile = src.get("AWS_PROFILE").map_or("default", str::trim);
    let config_file = src.get("AWS_CONFIG_FILE").map(str::trim);
    if let Some(path) = config_file {
        // aws-config silently yields nothing for a missing custom file; say why no region came
        // from it, since the user pointed at it explicitly.
        if !std::path::Path::new(path).is_file() {
            warnings.push(ConfigWarning::new(
                "AWS_CONFIG_FILE",
                format!("{path} does not exist; no region was read from it"),
            ));
            return Ok(None);
        }
    }
    match profile_region(profile, config_file) {
        Some(name) => {
            let variable = format!("region of AWS profile {profile}");
            validated(&variable, &name, RegionSource::Profile(profile.to_string())).map(Some)
        }
        None => Ok(None),
    }
}

/// Whether the profile file may be read: asked for explicitly, or by default when the process
/// environment is used or the given map names a config file (so tests feeding a map never read the
/// developer's `~/.aws/config`).
pub(crate) fn profile_lookup_allowed(
    requested: Option<bool>,
    vars_given: bool,
    src: &Sources,
) -> bool {
    let allowed = requested.unwrap_or(!vars_given || src.contains("AWS_CONFIG_FILE"));
    allowed && cfg!(feature = "aws-profile")
}

/// A region name must be lower-case letters, digits and `-` (it becomes part of a host name).
fn validated(variable: &str, raw: &str, source: RegionSource) -> Result<Region, ConfigError> {
    let name = raw.trim();
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(Region {
            name: name.to_string(),
            source,
        })
    } else {
        Err(invalid(variable, raw, REGION_EXPECTED))
    }
}

/// The `region` of `profile` (following `source_profile`, as aws-config does). `None` when no file,
/// profile or region is found; a broken file is never an error here, as with botocore.
#[cfg(feature = "aws-profile")]
// aws-config only exposes the profile-file set through these deprecated aliases of aws-runtime
// types; depending on aws-runtime directly just to avoid the alias is not worth it.
#[allow(deprecated)]
fn profile_region(profile: &str, config_file: Option<&str>) -> Option<String> {
    use aws_config::meta::region::ProvideRegion;
    use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
    use aws_config::profile::ProfileFileRegionProvider;

    let mut builder = ProfileFileRegionProvider::builder().profile_name(profile);
    if let Some(path) = config_file {
        builder = builder.profile_files(
            ProfileFiles::builder()
                .with_file(ProfileFileKind::Config, path)
                .build(),
        );
    }
    let provider = builder.build();
    // The provider's future only does std::fs reads (no reactor), so a plain executor drives it.
    futures_executor::block_on(provider.region()).map(|r| r.as_ref().to_string())
}

#[cfg(not(feature = "aws-profile"))]
fn profile_region(_profile: &str, _config_file: Option<&str>) -> Option<String> {
    None
}
