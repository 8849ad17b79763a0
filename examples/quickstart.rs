//! The README's main example: one agent run in a session, through a real Bedrock Runtime SDK client
//! with `BedrockInterceptor`: a Converse tool-use round trip with a traced tool, an InvokeModel
//! call and a streamed answer (ConverseStream), printed as a span tree in the terminal.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Backend, in this order: `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` if set; real Bedrock when
//! `AGENTCORE_EXAMPLES_LIVE=1` and credentials and a region are in the environment; otherwise the
//! testkit's `FakeBedrock`, started in-process (offline, deterministic answers).

use agentcore_observability::prelude::*;
use agentcore_observability::{instrument_agent, instrument_tool};
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseOutput, ConverseStreamOutput, Message, Tool,
    ToolConfiguration, ToolInputSchema, ToolResultBlock, ToolResultContentBlock, ToolSpecification,
};
use aws_smithy_types::Document;

mod support;
use support::{Error, MODEL};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // The client first: its first line says which backend answers (see examples/support).
    let (bedrock, _fake) = support::bedrock_client().await?;
    // Code wins over the environment: the terminal tree, whatever OTEL_TRACES_EXPORTER says.
    let telemetry = support::init_console("quickstart-agent")?;

    // Every span inside the scope (the SDK's too) carries session.id, across every `.await`.
    let answer = Session::new("session-0001")
        .user_type("demo")
        .scope(travel_agent(&bedrock, "Weekend trips from Seattle?"))
        .await?;
    println!("\nanswer: {answer}\n");

    // Flush and stop (the tree prints when the root span ends); in CI this also checks that the
    // spans reached an OTLP receiver.
    telemetry.finish(&["invoke_agent travel-agent", "execute_tool web_search"])?;
    Ok(())
}

/// The agent: a tool-use round trip, a one-line summary (InvokeModel) and a streamed answer.
#[instrument_agent(name = "travel-agent", id = "agent-0001")]
async fn travel_agent(
    bedrock: &aws_sdk_bedrockruntime::Client,
    question: &str,
) -> Result<String, Error> {
    let tools = ToolConfiguration::builder().tools(Tool::ToolSpec(
        ToolSpecification::builder()
            .name("web_search")
            .description("Searches the web.")
            .input_schema(ToolInputSchema::Json(object([(
                "properties",
                object([("query", object([("type", "string".into())]))]),
            )])))
            .build()?,
    ));
    let mut messages = vec![message(
        ConversationRole::User,
        ContentBlock::Text(question.into()),
    )];
    let first = bedrock
        .converse()
        .model_id(MODEL)
        .set_messages(Some(messages.clone()))
        .tool_config(tools.clone().build()?)
        .send()
        .await?;
    if let Some(ConverseOutput::Message(reply)) = first.output {
        let tool_use = reply
            .content()
            .iter()
            .find_map(|block| block.as_tool_use().ok())
            .cloned();
        messages.push(reply);
        if let Some(call) = tool_use {
            let query = call
                .input()
                .as_object()
                .and_then(|o| o.get("query")?.as_string());
            let found = web_search(query.unwrap_or(question), call.tool_use_id())?;
            let result = ToolResultBlock::builder()
                .tool_use_id(call.tool_use_id())
                .content(ToolResultContentBlock::Text(found.join("\n")))
                .build()?;
            messages.push(message(
                ConversationRole::User,
                ContentBlock::ToolResult(result),
            ));
            bedrock
                .converse()
                .model_id(MODEL)
                .set_messages(Some(messages.clone()))
                .tool_config(tools.build()?)
                .send()
                .await?;
        }
    }

    // InvokeModel: the model's own request body (Anthropic Messages here).
    let body = serde_json::json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100,
        "messages": [{"role": "user", "content": format!("One line about: {question}")}]});
    let summary = bedrock
        .invoke_model()
        .model_id(MODEL)
        .content_type("application/json")
        .body(Blob::new(body.to_string()))
        .send()
        .await?;
    let summary: serde_json::Value = serde_json::from_slice(summary.body.as_ref())?;
    println!("summary: {}", summary["content"][0]["text"]);

    // ConverseStream: the span lasts until the stream's last event.
    let mut stream = bedrock
        .converse_stream()
        .model_id(MODEL)
        .messages(message(
            ConversationRole::User,
            ContentBlock::Text(question.into()),
        ))
        .send()
        .await?
        .stream;
    let mut answer = String::new();
    while let Some(event) = stream.recv().await? {
        if let ConverseStreamOutput::ContentBlockDelta(delta) = event {
            if let Some(Ok(text)) = delta.delta.as_ref().map(|d| d.as_text()) {
                answer.push_str(text);
            }
        }
    }
    Ok(answer)
}

/// The tool, in an `execute_tool web_search` span with the model's tool-use id.
#[instrument_tool(tool_type = "function", call_id = call_id, fields(search.query = query.to_string()))]
fn web_search(query: &str, call_id: &str) -> Result<Vec<String>, Error> {
    Ok((1..=3).map(|i| format!("result {i} for {query}")).collect())
}

fn message(role: ConversationRole, content: ContentBlock) -> Message {
    Message::builder()
        .role(role)
        .content(content)
        .build()
        .expect("role and content are set")
}

fn object<const N: usize>(entries: [(&str, Document); N]) -> Document {
    Document::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}
