//! Shared by the examples: the Bedrock Runtime client with `BedrockInterceptor`, against the
//! backend the environment picks (the same rules as `examples/quickstart.rs`), and the console
//! exporter set in code.

#![allow(dead_code)]

use agentcore_observability::bedrock::BedrockInterceptor;
use agentcore_observability::{Config, ObservabilityGuard, SpanExporterKind};
use std::time::Duration;

use agentcore_observability_testkit::{FakeBedrock, OtlpReceiver, ReceivedSpan};
use aws_config::BehaviorVersion;
use aws_sdk_bedrockruntime::config::{Credentials, Region};
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};

/// What the examples return on failure.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The model every example calls (the fake answers for any Anthropic model id).
pub const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// Telemetry to the terminal as a span tree, whatever `OTEL_TRACES_EXPORTER` says. With
/// `AGENTCORE_EXAMPLES_CHECK=1` (as CI runs the examples) the spans also go over OTLP to an
/// in-process testkit receiver, and [`Telemetry::finish`] fails unless the expected spans arrived.
pub fn init_console(service_name: &str) -> Result<Telemetry, Error> {
    let check = std::env::var("AGENTCORE_EXAMPLES_CHECK").is_ok_and(|v| v == "1");
    let receiver = if check {
        Some(OtlpReceiver::start()?)
    } else {
        None
    };
    let builder = Config::builder()
        .service_name(service_name)
        .logs_exporters([])
        .metrics_exporters([]);
    let builder = match &receiver {
        Some(receiver) => builder
            .traces_exporters([SpanExporterKind::Console, SpanExporterKind::Otlp])
            .endpoint(receiver.endpoint()),
        None => builder.traces_exporters([SpanExporterKind::Console]),
    };
    let guard = agentcore_observability::init_with(builder.finish()?)?;
    Ok(Telemetry { guard, receiver })
}

/// The installed telemetry of an example, and the receiver that checks it in CI.
pub struct Telemetry {
    guard: ObservabilityGuard,
    receiver: Option<OtlpReceiver>,
}

impl Telemetry {
    /// Flushes and shuts down; in check mode, fails unless a span with each of `expected` names
    /// reached the receiver over OTLP, and returns what arrived (nothing outside check mode).
    pub fn finish(self, expected: &[&str]) -> Result<Vec<ReceivedSpan>, Error> {
        self.guard.shutdown()?;
        let Some(receiver) = self.receiver else {
            return Ok(Vec::new());
        };
        let spans = receiver.wait_for_spans(expected.len().max(1), Duration::from_secs(10));
        for name in expected {
            if !spans.iter().any(|s| s.name() == *name) {
                return Err(
                    format!("check: no span named {name:?} reached the OTLP receiver").into(),
                );
            }
        }
        println!("check: {} spans reached the OTLP receiver", spans.len());
        Ok(spans)
    }
}

/// A Bedrock Runtime client with the interceptor, built the ordinary aws-config way, and the fake
/// it talks to when offline (keep it alive as long as the client). Prints which backend is used:
/// `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` if set; real Bedrock with `AGENTCORE_EXAMPLES_LIVE=1` and
/// credentials and a region in the environment; otherwise an in-process `FakeBedrock`.
pub async fn bedrock_client() -> Result<(aws_sdk_bedrockruntime::Client, Option<FakeBedrock>), Error>
{
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let live = env("AGENTCORE_EXAMPLES_LIVE").as_deref() == Some("1")
        && env("AWS_ACCESS_KEY_ID").is_some()
        && (env("AWS_REGION").is_some() || env("AWS_DEFAULT_REGION").is_some());
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    let mut fake = None;
    if let Some(endpoint) = env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME") {
        println!("backend: {endpoint} (AWS_ENDPOINT_URL_BEDROCK_RUNTIME)");
    } else if live {
        println!("backend: Amazon Bedrock (AGENTCORE_EXAMPLES_LIVE=1)");
    } else {
        let started = FakeBedrock::start()?;
        println!("backend: FakeBedrock at {} (offline)", started.endpoint());
        // Region and static credentials set here: no profile, IMDS or network lookups.
        loader = loader
            .endpoint_url(started.endpoint())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(
                "AKIDEXAMPLE",
                "example-secret",
                None,
                None,
                "example",
            ));
        fake = Some(started);
    }
    let shared = loader.load().await;
    let config = aws_sdk_bedrockruntime::config::Builder::from(&shared)
        .interceptor(BedrockInterceptor::new())
        .build();
    Ok((aws_sdk_bedrockruntime::Client::from_conf(config), fake))
}

/// A user message with one text block.
pub fn user(text: &str) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .expect("role and content are set")
}
