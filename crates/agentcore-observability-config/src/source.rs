//! Where raw values come from: the environment (or the map given to `ConfigBuilder::vars`) layered
//! over an optional `.env` file. Nothing here parses values; it only decides which string is seen.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::builder::DotEnvSource;
use crate::{ConfigError, ConfigWarning};

/// The raw variables after layering: environment first, then `.env`. Empty values are dropped
/// before layering (the OpenTelemetry specification treats an empty value as unset), so an empty
/// variable in the environment lets a `.env` value through.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    vars: BTreeMap<String, String>,
}

impl Sources {
    /// Layer the environment (or `vars`) over the `.env` file. Warnings for unusable entries go to
    /// `warnings`.
    pub(crate) fn load(
        vars: Option<Vec<(String, String)>>,
        dotenv: &DotEnvSource,
        warnings: &mut Vec<ConfigWarning>,
    ) -> Result<Self, ConfigError> {
        let mut merged = BTreeMap::new();
        // The .env file goes in first so the environment can overwrite it.
        if let Some(path) = dotenv_file(dotenv) {
            for (key, value) in read_dotenv(&path, warnings)? {
                insert_if_set(&mut merged, key, value);
            }
        }
        match vars {
            Some(vars) => {
                for (key, value) in vars {
                    insert_if_set(&mut merged, key, value);
                }
            }
            None => {
                for (key, value) in std::env::vars_os() {
                    match (key.into_string(), value.into_string()) {
                        (Ok(key), Ok(value)) => insert_if_set(&mut merged, key, value),
                        (key, _) => {
                            let name = match key {
                                Ok(k) => k,
                                Err(k) => k.to_string_lossy().into_owned(),
                            };
                            warnings.push(ConfigWarning::new(
                                name,
                                "the environment entry is not valid UTF-8 and is ignored",
                            ));
                        }
                    }
                }
            }
        }
        Ok(Self { vars: merged })
    }

    /// Sources made from a map only, for unit tests of the parsers.
    #[cfg(test)]
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        let mut vars = BTreeMap::new();
        for (k, v) in pairs {
            insert_if_set(&mut vars, (*k).to_string(), (*v).to_string());
        }
        Self { vars }
    }

    /// The value of `name`, or `None` when unset or empty (blank values count as empty).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Whether `name` has a non-empty value.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// Every set variable, sorted by name.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Blank values are the same as unset (OTel specification), so they never shadow a lower layer.
fn insert_if_set(map: &mut BTreeMap<String, String>, key: String, value: String) {
    if !value.trim().is_empty() {
        map.insert(key, value);
    }
}

/// The `.env` file to read, if any. `./.env` is optional; an explicit path is read even if
/// missing so the error can say so.
fn dotenv_file(source: &DotEnvSource) -> Option<PathBuf> {
    match source {
        DotEnvSource::Disabled => None,
        DotEnvSource::Path(path) => Some(path.clone()),
        DotEnvSource::WorkingDirectory => {
            let path = PathBuf::from(".env");
            path.exists().then_some(path)
        }
    }
}

/// All entries of a `.env` file in file order. Like `dotenvy::dotenv()`, the first declaration of
/// a name wins; later ones are reported as warnings instead of silently replacing it.
fn read_dotenv(
    path: &Path,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Vec<(String, String)>, ConfigError> {
    let dotenv_error = |message: String| ConfigError::DotEnv {
        path: path.to_path_buf(),
        message,
    };
    let iter = dotenvy::from_path_iter(path).map_err(|e| match e {
        dotenvy::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
            dotenv_error("the file does not exist".to_string())
        }
        other => dotenv_error(other.to_string()),
    })?;
    let mut entries: Vec<(String, String)> = Vec::new();
    for item in iter {
        let (key, value) = item.map_err(|e| dotenv_error(e.to_string()))?;
        if entries.iter().any(|(k, _)| *k == key) {
            warnings.push(ConfigWarning::new(
                key,
                format!(
                    "declared more than once in {}; the first value is used",
                    path.display()
                ),
            ));
        } else {
            entries.push((key, value));
        }
    }
    Ok(entries)
}
