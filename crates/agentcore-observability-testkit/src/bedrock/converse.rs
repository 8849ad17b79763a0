//! `Converse` and `ConverseStream`.

use serde_json::{json, Value};

use super::eventstream::Event;
use super::family::provider_of;
use super::fault::{shape_stream, BedrockFault, Reply, GARBAGE};
use super::generation::Generation;
use super::text::{last_user_has_tool_result, last_user_text, split_half, WordWalk};

/// The tool-use id prefix of Converse answers.
const TOOL_ID_PREFIX: &str = "tooluse_fake";

/// Answers a Converse (`stream == false`) or ConverseStream call. Returns the reply and the
/// exception type sent mid-stream, if any.
pub(crate) fn answer(
    model_id: &str,
    body: &[u8],
    seq: u64,
    stream: bool,
    fault: Option<&BedrockFault>,
) -> (Reply, Option<String>) {
    let request: Value = match serde_json::from_slice(body) {
        Ok(request @ Value::Object(_)) => request,
        _ => {
            return (
                Reply::validation("Malformed request body: expected a JSON object."),
                None,
            )
        }
    };
    if !request.get("messages").is_some_and(Value::is_array) {
        return (
            Reply::validation("The model returned the following errors: messages is required."),
            None,
        );
    }
    let generation = generate(model_id, &request, seq);
    if stream {
        let (events, exception) = shape_stream(stream_events(&generation), fault, false);
        (Reply::events(events), exception)
    } else if matches!(
        fault,
        Some(BedrockFault::MalformedBody | BedrockFault::MalformedChunk)
    ) {
        (
            Reply::bytes(200, "application/json", GARBAGE.to_vec()),
            None,
        )
    } else {
        (Reply::json(200, &response_body(&generation)), None)
    }
}

/// The deterministic model output for a Converse request.
fn generate(model_id: &str, request: &Value, seq: u64) -> Generation {
    let messages = request.get("messages");
    let mut walk = WordWalk::default();
    walk.walk(request.get("system"));
    walk.walk(messages);
    let tool = if last_user_has_tool_result(messages) {
        None
    } else {
        first_tool_name(request.pointer("/toolConfig/tools"))
    };
    let focus = last_user_text(messages);
    Generation::with_tool(seq, &provider_of(model_id), &focus, &walk, tool)
}

/// The name of the first `toolSpec` among Converse/Nova `tools`.
pub(crate) fn first_tool_name(tools: Option<&Value>) -> Option<String> {
    tools?
        .as_array()?
        .iter()
        .find_map(|t| t.pointer("/toolSpec/name").and_then(Value::as_str))
        .map(str::to_owned)
}

/// The Converse `usage` object (cache counts always present, zero without a cache point).
fn usage(generation: &Generation) -> Value {
    json!({
        "inputTokens": generation.input_tokens,
        "outputTokens": generation.output_tokens,
        "totalTokens": generation.total_tokens(),
        "cacheReadInputTokens": generation.cache_read,
        "cacheWriteInputTokens": generation.cache_write,
    })
}

fn stop_reason(generation: &Generation) -> &'static str {
    if generation.is_tool_use() {
        "tool_use"
    } else {
        "end_turn"
    }
}

/// The Converse response body.
fn response_body(generation: &Generation) -> Value {
    let mut content = vec![json!({ "text": generation.text })];
    if let Some(tool) = &generation.tool {
        content.push(json!({ "toolUse": {
            "toolUseId": generation.tool_use_id(TOOL_ID_PREFIX),
            "name": tool.name,
            "input": tool.input,
        }}));
    }
    json!({
        "output": { "message": { "role": "assistant", "content": content } },
        "stopReason": stop_reason(generation),
        "usage": usage(generation),
        "metrics": { "latencyMs": generation.latency_ms() },
    })
}

/// The ConverseStream events: messageStart, a text delta per word and contentBlockStop
/// (block 0), for a tool call contentBlockStart / two input deltas / contentBlockStop
/// (block 1), messageStop and metadata.
fn stream_events(generation: &Generation) -> Vec<Event> {
    let mut events = vec![Event::new("messageStart", &json!({ "role": "assistant" }))];
    for delta in super::text::deltas(&generation.text) {
        events.push(Event::new(
            "contentBlockDelta",
            &json!({ "contentBlockIndex": 0, "delta": { "text": delta } }),
        ));
    }
    events.push(Event::new(
        "contentBlockStop",
        &json!({ "contentBlockIndex": 0 }),
    ));
    if let Some(tool) = &generation.tool {
        events.push(Event::new(
            "contentBlockStart",
            &json!({ "contentBlockIndex": 1, "start": { "toolUse": {
                "toolUseId": generation.tool_use_id(TOOL_ID_PREFIX),
                "name": tool.name,
            }}}),
        ));
        let (first, second) = split_half(&tool.input.to_string());
        for part in [first, second] {
            events.push(Event::new(
                "contentBlockDelta",
                &json!({ "contentBlockIndex": 1, "delta": { "toolUse": { "input": part } } }),
            ));
        }
        events.push(Event::new(
            "contentBlockStop",
            &json!({ "contentBlockIndex": 1 }),
        ));
    }
    events.push(Event::new(
        "messageStop",
        &json!({ "stopReason": stop_reason(generation) }),
    ));
    events.push(Event::new(
        "metadata",
        &json!({
            "usage": usage(generation),
            "metrics": { "latencyMs": generation.latency_ms() },
        }),
    ));
    events
}
