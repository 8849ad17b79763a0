//! AWS credentials for signing: static ones from the configuration, or aws-config's default chain
//! (environment, profile, SSO, web identity, ECS/EKS container credentials, IMDS), resolved lazily on
//! the I/O thread and refreshed before they expire.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use tokio::sync::{Mutex, OnceCell};

/// Credentials are refreshed this long before they expire, so a request signed now is still valid
/// when it arrives.
const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// Where signing credentials come from.
#[derive(Clone)]
#[non_exhaustive]
pub enum CredentialsSource {
    /// These credentials, as given (for example `AWS_ACCESS_KEY_ID` from a `.env` file).
    Static(Credentials),
    /// This provider, e.g. one an application already built for its AWS SDK clients.
    Provider(SharedCredentialsProvider),
    /// aws-config's default chain, built on first use (feature `aws-credential-chain`).
    DefaultChain,
}

impl fmt::Debug for CredentialsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // `Credentials`' own Debug already redacts the secret; print only the kind here.
            CredentialsSource::Static(_) => f.write_str("Static"),
            CredentialsSource::Provider(p) => f.debug_tuple("Provider").field(p).finish(),
            CredentialsSource::DefaultChain => f.write_str("DefaultChain"),
        }
    }
}

/// Why no credentials were available.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no AWS credentials: {0}")]
pub(crate) struct NoCredentials(pub(crate) String);

/// A cached, self-refreshing view of a [`CredentialsSource`], shared by every signer of one init.
pub(crate) struct CredentialsCache {
    source: CredentialsSource,
    chain: OnceCell<Result<SharedCredentialsProvider, String>>,
    cached: Mutex<Option<Credentials>>,
    failure_reported: AtomicBool,
}

impl fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsCache")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl CredentialsCache {
    pub(crate) fn new(source: CredentialsSource) -> Self {
        Self {
            source,
            chain: OnceCell::new(),
            cached: Mutex::new(None),
            failure_reported: AtomicBool::new(false),
        }
    }

    /// Current credentials. Runs on the I/O thread (the providers need its tokio runtime).
    pub(crate) async fn get(&self) -> Result<Credentials, NoCredentials> {
        if let CredentialsSource::Static(credentials) = &self.source {
            return Ok(credentials.clone());
        }
        // One refresh at a time: concurrent exports wait for it instead of stampeding IMDS.
        let mut cached = self.cached.lock().await;
        if let Some(credentials) = cached.as_ref().filter(|c| fresh(c, REFRESH_MARGIN)) {
            return Ok(credentials.clone());
        }
        match self.provide().await {
            Ok(credentials) => {
                if self.failure_reported.swap(false, Ordering::Relaxed) {
                    tracing::info!(target: "agentcore_observability", "AWS credentials found again; signing resumes");
                }
                *cached = Some(credentials.clone());
                Ok(credentials)
            }
            // A failed refresh must not stop signing while the old credentials still work.
            Err(error) => match cached.as_ref().filter(|c| fresh(c, Duration::ZERO)) {
                Some(still_valid) => Ok(still_valid.clone()),
                None => {
                    if !self.failure_reported.swap(true, Ordering::Relaxed) {
                        tracing::error!(
                            target: "agentcore_observability",
                            %error,
                            "no AWS credentials to sign telemetry with; exports to AWS are held back \
                             and retried, never sent unsigned"
                        );
                    }
                    Err(error)
                }
            },
        }
    }

    async fn provide(&self) -> Result<Credentials, NoCredentials> {
        let provider = match &self.source {
            CredentialsSource::Static(credentials) => return Ok(credentials.clone()),
            CredentialsSource::Provider(provider) => provider.clone(),
            CredentialsSource::DefaultChain => self
                .chain
                .get_or_init(default_chain)
                .await
                .clone()
                .map_err(NoCredentials)?,
        };
        provider
            .provide_credentials()
            .await
            .map_err(|error| NoCredentials(error_chain(&error)))
    }
}

fn fresh(credentials: &Credentials, margin: Duration) -> bool {
    credentials
        .expiry()
        .is_none_or(|expiry| expiry > SystemTime::now() + margin)
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}

#[cfg(feature = "aws-credential-chain")]
async fn default_chain() -> Result<SharedCredentialsProvider, String> {
    let chain = aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
        .build()
        .await;
    Ok(SharedCredentialsProvider::new(chain))
}

#[cfg(not(feature = "aws-credential-chain"))]
async fn default_chain() -> Result<SharedCredentialsProvider, String> {
    Err(
        "this build has no default credential chain (feature `aws-credential-chain`); \
         set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or pass a credentials provider"
            .to_string(),
    )
}
