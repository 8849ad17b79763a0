//! SigV4 signing of export requests with `aws-sigv4`, over the exact bytes sent.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::credentials::{CredentialsCache, NoCredentials};

/// Why a request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SignError {
    /// No credentials right now; the request is held back and retried.
    #[error(transparent)]
    NoCredentials(#[from] NoCredentials),
    /// The request itself cannot be signed (never retried).
    #[error("the request could not be signed: {0}")]
    Invalid(String),
}

/// Signs requests for one service and region.
pub(crate) struct Signer {
    service: String,
    region: String,
    credentials: Arc<CredentialsCache>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("service", &self.service)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl Signer {
    pub(crate) fn new(service: &str, region: &str, credentials: Arc<CredentialsCache>) -> Self {
        Self {
            service: service.to_string(),
            region: region.to_string(),
            credentials,
        }
    }

    /// Adds `authorization`, `x-amz-date` and (with session credentials) `x-amz-security-token`
    /// to `headers`, signing every header present (content type and encoding, the CloudWatch
    /// log group/stream headers) plus `host`, and the body exactly as it will be sent.
    pub(crate) async fn sign(
        &self,
        url: &str,
        headers: &mut HeaderMap,
        body: &[u8],
    ) -> Result<(), SignError> {
        let identity: Identity = self.credentials.get().await?.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(&self.service)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| SignError::Invalid(e.to_string()))?
            .into();
        let header_pairs: Vec<(&str, &str)> = headers
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect();
        let signable = SignableRequest::new(
            "POST",
            url,
            header_pairs.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| SignError::Invalid(e.to_string()))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| SignError::Invalid(e.to_string()))?
            .into_parts();
        for (name, value) in instructions.headers() {
            let name = HeaderName::try_from(name).map_err(|e| SignError::Invalid(e.to_string()))?;
            let value =
                HeaderValue::try_from(value).map_err(|e| SignError::Invalid(e.to_string()))?;
            headers.insert(name, value);
        }
        Ok(())
    }
}
