//! The AgentCore Observability guide's session example: a travel agent whose runs carry the
//! session id and the guide's optional baggage (`user.type`, `experiment.id`, `dataset`) on every
//! span, a basic query and a task-based query (with a tool call), each its own trace in the same
//! session, printed as span trees. Real Bedrock Runtime SDK client with `BedrockInterceptor`.
//!
//! ```text
//! cargo run --example travel_agent -- --session-id my-session-0001 \
//!     [--user-type premium] [--experiment-id exp-42] [--dataset eval-2025]
//! ```
//!
//! All the baggage travels with the context and on every outgoing request (`baggage` header);
//! `session.id` is copied onto every span, the other keys too when listed in
//! `OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS` (e.g. `user.type,experiment.id,dataset`).
//!
//! Offline against an in-process `FakeBedrock` unless the environment picks another backend (see
//! `examples/support/mod.rs`).

mod support;

use agentcore_observability::prelude::*;
use agentcore_observability::{instrument_agent, instrument_tool};
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseOutput, Message, Tool, ToolConfiguration,
    ToolInputSchema, ToolResultBlock, ToolResultContentBlock, ToolSpecification,
};
use aws_smithy_types::Document;
use support::{Error, MODEL};

const USAGE: &str = "usage: travel_agent --session-id <id> [--user-type <type>] \
                     [--experiment-id <id>] [--dataset <name>]";

#[tokio::main]
async fn main() -> Result<(), Error> {
    let session = match session_from_args(std::env::args().skip(1)) {
        Ok(session) => session,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let (bedrock, _fake) = support::bedrock_client().await?;
    let telemetry = support::init_console("travel-agent")?;
    let baggage: Vec<String> = session.entries().map(|(k, v)| format!("{k}={v}")).collect();
    println!("session baggage: {}", baggage.join(", "));

    // Two runs, two traces, one session: AgentCore's Sessions view shows them together.
    for query in [
        "What is the best time of year to visit Lisbon?",
        "Plan a three-day trip to Lisbon with a day trip to Sintra.",
    ] {
        let answer = session.scope(travel_agent(&bedrock, query)).await?;
        println!("{query}\n  → {answer}");
    }

    // In CI (AGENTCORE_EXAMPLES_CHECK=1) this also checks the spans reached an OTLP receiver.
    let _ = telemetry.finish(&[
        "invoke_agent travel-agent",
        "execute_tool web_search",
        "chat anthropic.claude-3-haiku-20240307-v1:0",
    ])?;
    Ok(())
}

/// `--session-id` (required) and the optional baggage flags, as a `Session`.
fn session_from_args(mut args: impl Iterator<Item = String>) -> Result<Session, String> {
    let (mut id, mut user_type, mut experiment, mut dataset) = (None, None, None, None);
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--session-id" => &mut id,
            "--user-type" => &mut user_type,
            "--experiment-id" => &mut experiment,
            "--dataset" => &mut dataset,
            "-h" | "--help" => return Err("help requested".into()),
            other => return Err(format!("unknown argument {other:?}")),
        };
        let value = args.next().filter(|v| !v.starts_with("--"));
        *slot = Some(value.ok_or_else(|| format!("{flag} needs a value"))?);
    }
    let id = id.ok_or("--session-id is required")?;
    let mut session = Session::new(id);
    if let Some(user_type) = user_type {
        session = session.user_type(user_type);
    }
    if let Some(experiment) = experiment {
        session = session.experiment_id(experiment);
    }
    if let Some(dataset) = dataset {
        session = session.dataset(dataset);
    }
    Ok(session)
}

/// One agent run: the model answers, or asks for `web_search` first and then answers.
#[instrument_agent(name = "travel-agent", fields(user.query = query.to_string()))]
async fn travel_agent(
    bedrock: &aws_sdk_bedrockruntime::Client,
    query: &str,
) -> Result<String, Error> {
    let mut messages = vec![support::user(query)];
    let mut request = bedrock.converse().model_id(MODEL);
    // Task-based queries get the tool; the basic query is answered directly.
    let tools = query.starts_with("Plan").then(search_tool).transpose()?;
    request = request.set_tool_config(tools.clone());
    let reply = request.set_messages(Some(messages.clone())).send().await?;
    let Some(ConverseOutput::Message(reply)) = reply.output else {
        return Ok(String::new());
    };
    let Some(call) = reply
        .content()
        .iter()
        .find_map(|b| b.as_tool_use().ok())
        .cloned()
    else {
        return Ok(text_of(&reply));
    };
    messages.push(reply);
    let found = web_search(query, call.tool_use_id());
    let result = ToolResultBlock::builder()
        .tool_use_id(call.tool_use_id())
        .content(ToolResultContentBlock::Text(found.join("\n")))
        .build()?;
    messages.push(
        Message::builder()
            .role(ConversationRole::User)
            .content(ContentBlock::ToolResult(result))
            .build()?,
    );
    let reply = bedrock
        .converse()
        .model_id(MODEL)
        .set_tool_config(tools)
        .set_messages(Some(messages))
        .send()
        .await?;
    Ok(match reply.output {
        Some(ConverseOutput::Message(message)) => text_of(&message),
        _ => String::new(),
    })
}

/// The tool, a local stand-in, in an `execute_tool web_search` span.
#[instrument_tool(tool_type = "function", call_id = call_id)]
fn web_search(query: &str, call_id: &str) -> Vec<String> {
    (1..=3).map(|i| format!("result {i} for {query}")).collect()
}

fn search_tool() -> Result<ToolConfiguration, Error> {
    let string = Document::Object([("type".to_string(), "string".into())].into());
    let properties = Document::Object([("query".to_string(), string)].into());
    let schema = Document::Object([("properties".to_string(), properties)].into());
    let spec = ToolSpecification::builder()
        .name("web_search")
        .description("Searches the web.")
        .input_schema(ToolInputSchema::Json(schema))
        .build()?;
    Ok(ToolConfiguration::builder()
        .tools(Tool::ToolSpec(spec))
        .build()?)
}

fn text_of(message: &Message) -> String {
    let texts = message.content().iter().filter_map(|b| b.as_text().ok());
    texts.cloned().collect::<Vec<_>>().join(" ")
}
