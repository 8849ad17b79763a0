//! Streamed answers through a real Bedrock Runtime SDK client with `BedrockInterceptor`:
//! ConverseStream and InvokeModelWithResponseStream, each printing its text as it arrives and the
//! time to first token, then the span tree. Each `chat` span lasts until the stream's last event
//! and carries `gen_ai.response.time_to_first_chunk` (and the
//! `gen_ai.client.operation.time_to_first_chunk` histogram when metrics are on).
//!
//! ```text
//! cargo run --example streaming
//! ```
//!
//! Offline against an in-process `FakeBedrock` (20 ms between stream events) unless the
//! environment picks another backend (see `examples/support/mod.rs`).

mod support;

use std::io::Write as _;
use std::time::{Duration, Instant};

use agentcore_observability::opentelemetry::context::FutureExt as _;
use agentcore_observability::prelude::*;
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{ConverseStreamOutput, ResponseStream};
use support::{Error, MODEL};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (bedrock, fake) = support::bedrock_client().await?;
    if let Some(fake) = &fake {
        fake.set_stream_event_delay(Duration::from_millis(20));
    }
    let telemetry = support::init_console("streaming-agent")?;

    let question = "How do streams show up in a trace?";
    Session::new("session-streaming")
        .scope(async {
            let agent = spans::agent("streaming-agent").start();
            let run = async {
                converse_stream(&bedrock, question).await?;
                invoke_model_stream(&bedrock, question).await
            };
            let result = run.with_context(agent.context()).await;
            agent.end();
            result
        })
        .await?;

    // In CI (AGENTCORE_EXAMPLES_CHECK=1) this also checks the spans reached an OTLP receiver.
    let _ = telemetry.finish(&[
        "invoke_agent streaming-agent",
        "chat anthropic.claude-3-haiku-20240307-v1:0",
    ])?;
    Ok(())
}

/// ConverseStream: the same events for every model.
async fn converse_stream(
    bedrock: &aws_sdk_bedrockruntime::Client,
    question: &str,
) -> Result<(), Error> {
    let started = Instant::now();
    let mut stream = bedrock
        .converse_stream()
        .model_id(MODEL)
        .messages(support::user(question))
        .send()
        .await?
        .stream;
    let mut first_token = None;
    print!("ConverseStream: ");
    while let Some(event) = stream.recv().await? {
        if let ConverseStreamOutput::ContentBlockDelta(delta) = event {
            if let Some(Ok(text)) = delta.delta.as_ref().map(|d| d.as_text()) {
                first_token.get_or_insert_with(|| started.elapsed());
                print!("{text}");
                std::io::stdout().flush()?;
            }
        }
    }
    report(first_token, started.elapsed());
    Ok(())
}

/// InvokeModelWithResponseStream: the model's own chunk format (Anthropic Messages here).
async fn invoke_model_stream(
    bedrock: &aws_sdk_bedrockruntime::Client,
    question: &str,
) -> Result<(), Error> {
    let body = serde_json::json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100,
        "messages": [{"role": "user", "content": question}]});
    let started = Instant::now();
    let mut stream = bedrock
        .invoke_model_with_response_stream()
        .model_id(MODEL)
        .content_type("application/json")
        .body(Blob::new(body.to_string()))
        .send()
        .await?
        .body;
    let mut first_token = None;
    print!("InvokeModelWithResponseStream: ");
    while let Some(event) = stream.recv().await? {
        let ResponseStream::Chunk(part) = event else {
            continue;
        };
        let Some(bytes) = part.bytes() else { continue };
        let chunk: serde_json::Value = serde_json::from_slice(bytes.as_ref())?;
        if let Some(text) = chunk["delta"]["text"].as_str() {
            first_token.get_or_insert_with(|| started.elapsed());
            print!("{text}");
            std::io::stdout().flush()?;
        }
    }
    report(first_token, started.elapsed());
    Ok(())
}

fn report(first_token: Option<Duration>, total: Duration) {
    let ttft = first_token.map_or("no text".to_string(), |d| format!("{d:.1?}"));
    println!("\n  time to first token {ttft}, whole stream {total:.1?}");
}
