//! `InvokeModel` and `InvokeModelWithResponseStream`: native bodies per [`ModelFamily`].

use serde_json::{json, Map, Value};

use super::converse::first_tool_name;
use super::eventstream::Event;
use super::family::ModelFamily;
use super::fault::{shape_stream, BedrockFault, Reply, GARBAGE};
use super::generation::Generation;
use super::text::{
    clean_prompt, deltas, focus_of_prompt, last_user_has_tool_result, last_user_text, split_half,
    words, WordWalk,
};

/// Key of the invocation metrics on the last stream chunk.
const METRICS_KEY: &str = "amazon-bedrock-invocationMetrics";
/// Default embedding length (real models use 256–1024; short keeps bodies small).
const DEFAULT_DIMENSIONS: usize = 8;
/// Largest embedding length the fake produces.
const MAX_DIMENSIONS: usize = 4096;

/// The result of [`answer`]: reply, detected family, exception sent mid-stream.
pub(crate) type Answered = (Reply, Option<ModelFamily>, Option<String>);

/// Answers InvokeModel (`stream == false`) or InvokeModelWithResponseStream.
pub(crate) fn answer(
    model_id: &str,
    body: &[u8],
    seq: u64,
    stream: bool,
    fault: Option<&BedrockFault>,
) -> Answered {
    let request: Value = match serde_json::from_slice(body) {
        Ok(request @ Value::Object(_)) => request,
        _ => {
            let reply = Reply::validation(
                "Malformed input request: expected a JSON object, please reformat your input and try again.",
            );
            return (reply, ModelFamily::detect(model_id, None), None);
        }
    };
    let Some(family) = ModelFamily::detect(model_id, Some(&request)) else {
        return (
            Reply::validation("The provided model identifier is invalid."),
            None,
            None,
        );
    };
    if stream && !family.supports_streaming() {
        return (
            Reply::validation("The model is unsupported for streaming."),
            Some(family),
            None,
        );
    }
    let mut generation = match generate(family, &request, seq) {
        Ok(generation) => generation,
        Err(reply) => return (reply, Some(family), None),
    };
    if family.is_embedding() {
        // Embeddings generate no text.
        generation.text.clear();
        generation.output_tokens = 0;
    }
    if stream {
        let mut chunks = stream_chunks(family, &generation);
        if let Some(Value::Object(last)) = chunks.last_mut() {
            last.insert(METRICS_KEY.to_owned(), generation.invocation_metrics());
        }
        let events = chunks.iter().map(Event::chunk).collect();
        let (events, exception) = shape_stream(events, fault, true);
        let reply = Reply::events(events).header("X-Amzn-Bedrock-Content-Type", "application/json");
        return (reply, Some(family), exception);
    }
    let body = if matches!(
        fault,
        Some(BedrockFault::MalformedBody | BedrockFault::MalformedChunk)
    ) {
        GARBAGE.to_vec()
    } else {
        response_body(family, &generation, &request)
            .to_string()
            .into_bytes()
    };
    let mut reply = Reply::bytes(200, "application/json", body);
    for (name, value) in generation.count_headers(family.is_embedding()) {
        reply = reply.header(&name, value);
    }
    (reply, Some(family), None)
}

/// `400 ValidationException` for a missing required key, worded like Bedrock's.
fn missing(key: &str) -> Reply {
    Reply::validation(&format!(
        "Malformed input request: #: required key [{key}] not found, please reformat your input and try again."
    ))
}

/// The string under `key`, or the missing-key error.
fn require_str<'a>(request: &'a Value, key: &str) -> Result<&'a str, Reply> {
    request
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| missing(key))
}

/// The array under `key`, or the missing-key error.
fn require_array<'a>(request: &'a Value, key: &str) -> Result<&'a Value, Reply> {
    request
        .get(key)
        .filter(|v| v.is_array())
        .ok_or_else(|| missing(key))
}

/// A generation for a `prompt`-style body: input = words of the cleaned prompt.
fn from_prompt(family: ModelFamily, prompt: &str, seq: u64) -> Generation {
    Generation::for_prompt(
        seq,
        family.provider(),
        &focus_of_prompt(prompt),
        words(&clean_prompt(prompt)),
    )
}

/// A generation for a `messages`-style body (plus an optional system part).
fn from_messages(
    family: ModelFamily,
    system: Option<&Value>,
    messages: &Value,
    tool: Option<String>,
    seq: u64,
) -> Generation {
    let mut walk = WordWalk::default();
    walk.walk(system);
    walk.walk(Some(messages));
    let tool = if last_user_has_tool_result(Some(messages)) {
        None
    } else {
        tool
    };
    let focus = last_user_text(Some(messages));
    Generation::with_tool(seq, family.provider(), &focus, &walk, tool)
}

/// Reads the family's input fields and runs the fake model.
fn generate(family: ModelFamily, request: &Value, seq: u64) -> Result<Generation, Reply> {
    Ok(match family {
        ModelFamily::AnthropicMessages => {
            let messages = require_array(request, "messages")?;
            let tool = request
                .get("tools")
                .and_then(Value::as_array)
                .and_then(|tools| tools.iter().find_map(|t| t.get("name")?.as_str()))
                .map(str::to_owned);
            from_messages(family, request.get("system"), messages, tool, seq)
        }
        ModelFamily::Nova => {
            let messages = require_array(request, "messages")?;
            let tool = first_tool_name(request.pointer("/toolConfig/tools"));
            from_messages(family, request.get("system"), messages, tool, seq)
        }
        ModelFamily::MistralChat | ModelFamily::Ai21Jamba => {
            let messages = require_array(request, "messages")?;
            from_messages(family, None, messages, None, seq)
        }
        ModelFamily::DeepSeek => match request.get("messages").filter(|m| m.is_array()) {
            Some(messages) => from_messages(family, None, messages, None, seq),
            None => from_prompt(family, require_str(request, "prompt")?, seq),
        },
        ModelFamily::AnthropicCompletions
        | ModelFamily::Llama
        | ModelFamily::CohereCommand
        | ModelFamily::MistralText => from_prompt(family, require_str(request, "prompt")?, seq),
        ModelFamily::TitanText | ModelFamily::TitanEmbed => {
            from_prompt(family, require_str(request, "inputText")?, seq)
        }
        ModelFamily::CohereCommandR => {
            let message = require_str(request, "message")?;
            let mut walk = WordWalk::default();
            walk.walk(request.get("preamble"));
            walk.walk(request.get("chat_history"));
            walk.add_text(message);
            Generation::answer(seq, family.provider(), &clean_prompt(message), &walk)
        }
        ModelFamily::CohereEmbed => {
            let texts = require_array(request, "texts")?;
            let mut walk = WordWalk::default();
            let mut first = String::new();
            for text in texts
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if first.is_empty() {
                    first = text.to_owned();
                }
                walk.add_text(text);
            }
            Generation::answer(seq, family.provider(), &first, &walk)
        }
    })
}

/// A deterministic embedding of `dimensions` values in `[-0.5, 0.5)`.
fn embedding(seed: u64, dimensions: usize) -> Vec<f64> {
    (0..dimensions as u64)
        .map(|i| ((seed * 31 + i * 37) % 1000) as f64 / 1000.0 - 0.5)
        .collect()
}

/// The Anthropic usage object (cache counts always present, as the Messages API sends them).
fn anthropic_usage(g: &Generation) -> Value {
    json!({
        "input_tokens": g.input_tokens,
        "output_tokens": g.output_tokens,
        "cache_creation_input_tokens": g.cache_write,
        "cache_read_input_tokens": g.cache_read,
    })
}

fn anthropic_stop(g: &Generation) -> &'static str {
    if g.is_tool_use() {
        "tool_use"
    } else {
        "end_turn"
    }
}

/// The Claude model name inside a response (`claude-3-haiku-20240307` style); fixed.
const CLAUDE_MODEL: &str = "claude-fake-20240307";

/// The non-streaming response body.
fn response_body(family: ModelFamily, g: &Generation, request: &Value) -> Value {
    let id = g.response_id();
    match family {
        ModelFamily::AnthropicMessages => {
            let mut content = vec![json!({ "type": "text", "text": g.text })];
            if let Some(tool) = &g.tool {
                content.push(json!({
                    "type": "tool_use",
                    "id": g.tool_use_id("toolu_bdrk_fake"),
                    "name": tool.name,
                    "input": tool.input,
                }));
            }
            json!({
                "id": format!("msg_bdrk_fake{:06}", g.seq),
                "type": "message",
                "role": "assistant",
                "model": CLAUDE_MODEL,
                "content": content,
                "stop_reason": anthropic_stop(g),
                "stop_sequence": null,
                "usage": anthropic_usage(g),
            })
        }
        ModelFamily::AnthropicCompletions => json!({
            "type": "completion",
            "completion": g.text,
            "stop_reason": "stop_sequence",
            "stop": "\n\nHuman:",
        }),
        ModelFamily::TitanText => json!({
            "inputTextTokenCount": g.input_tokens,
            "results": [{
                "tokenCount": g.output_tokens,
                "outputText": g.text,
                "completionReason": "FINISH",
            }],
        }),
        ModelFamily::TitanEmbed => {
            let dimensions = request
                .get("dimensions")
                .and_then(Value::as_u64)
                .map_or(DEFAULT_DIMENSIONS, |d| {
                    (d as usize).clamp(1, MAX_DIMENSIONS)
                });
            json!({
                "embedding": embedding(g.seq, dimensions),
                "inputTextTokenCount": g.input_tokens,
            })
        }
        ModelFamily::Nova => {
            let mut content = vec![json!({ "text": g.text })];
            if let Some(tool) = &g.tool {
                content.push(json!({ "toolUse": {
                    "toolUseId": g.tool_use_id("tooluse_fake"),
                    "name": tool.name,
                    "input": tool.input,
                }}));
            }
            json!({
                "output": { "message": { "role": "assistant", "content": content } },
                "stopReason": anthropic_stop(g),
                "usage": {
                    "inputTokens": g.input_tokens,
                    "outputTokens": g.output_tokens,
                    "totalTokens": g.total_tokens(),
                    "cacheReadInputTokenCount": g.cache_read,
                    "cacheWriteInputTokenCount": g.cache_write,
                },
            })
        }
        ModelFamily::Llama => json!({
            "generation": g.text,
            "prompt_token_count": g.input_tokens,
            "generation_token_count": g.output_tokens,
            "stop_reason": "stop",
        }),
        ModelFamily::CohereCommand => json!({
            "id": id,
            "generations": [{
                "id": g.response_id(),
                "text": g.text,
                "finish_reason": "COMPLETE",
            }],
            "prompt": request.get("prompt").cloned().unwrap_or(Value::Null),
        }),
        ModelFamily::CohereCommandR => json!({
            "response_id": id,
            "text": g.text,
            "generation_id": g.response_id(),
            "chat_history": [
                { "role": "USER", "message": request.get("message").cloned().unwrap_or(Value::Null) },
                { "role": "CHATBOT", "message": g.text },
            ],
            "finish_reason": "COMPLETE",
        }),
        ModelFamily::CohereEmbed => {
            let texts = request.get("texts").cloned().unwrap_or_else(|| json!([]));
            let count = texts.as_array().map_or(0, Vec::len) as u64;
            let embeddings: Vec<Vec<f64>> = (0..count)
                .map(|i| embedding(g.seq + i, DEFAULT_DIMENSIONS))
                .collect();
            json!({
                "embeddings": embeddings,
                "id": id,
                "response_type": "embeddings_floats",
                "texts": texts,
            })
        }
        ModelFamily::MistralText => json!({
            "outputs": [{ "text": g.text, "stop_reason": "stop" }],
        }),
        ModelFamily::MistralChat => json!({
            "id": id,
            "object": "chat.completion",
            "model": "mistral-fake",
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": g.text, "tool_calls": null },
                "stop_reason": "stop",
                "finish_reason": "stop",
            }],
        }),
        ModelFamily::Ai21Jamba => json!({
            "id": format!("chatcmpl-fake{:06}", g.seq),
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": g.text, "tool_calls": null },
                "finish_reason": "stop",
            }],
            "usage": {
                "prompt_tokens": g.input_tokens,
                "completion_tokens": g.output_tokens,
                "total_tokens": g.total_tokens(),
            },
        }),
        ModelFamily::DeepSeek => json!({
            "choices": [{ "text": g.text, "stop_reason": "stop" }],
        }),
    }
}

/// The stream chunks (before the invocation metrics are added to the last one).
fn stream_chunks(family: ModelFamily, g: &Generation) -> Vec<Value> {
    let words = deltas(&g.text);
    let n = words.len();
    let mut chunks = Vec::with_capacity(n + 6);
    match family {
        ModelFamily::AnthropicMessages => {
            let mut start_usage = anthropic_usage(g);
            start_usage["output_tokens"] = json!(1);
            chunks.push(json!({ "type": "message_start", "message": {
                "id": format!("msg_bdrk_fake{:06}", g.seq),
                "type": "message",
                "role": "assistant",
                "model": CLAUDE_MODEL,
                "content": [],
                "stop_reason": null,
                "stop_sequence": null,
                "usage": start_usage,
            }}));
            chunks.push(json!({ "type": "content_block_start", "index": 0,
                "content_block": { "type": "text", "text": "" } }));
            for word in &words {
                chunks.push(json!({ "type": "content_block_delta", "index": 0,
                    "delta": { "type": "text_delta", "text": word } }));
            }
            chunks.push(json!({ "type": "content_block_stop", "index": 0 }));
            if let Some(tool) = &g.tool {
                chunks.push(json!({ "type": "content_block_start", "index": 1,
                    "content_block": { "type": "tool_use", "id": g.tool_use_id("toolu_bdrk_fake"),
                        "name": tool.name, "input": {} } }));
                let (first, second) = split_half(&tool.input.to_string());
                for part in [first, second] {
                    chunks.push(json!({ "type": "content_block_delta", "index": 1,
                        "delta": { "type": "input_json_delta", "partial_json": part } }));
                }
                chunks.push(json!({ "type": "content_block_stop", "index": 1 }));
            }
            chunks.push(json!({ "type": "message_delta",
                "delta": { "stop_reason": anthropic_stop(g), "stop_sequence": null },
                "usage": { "output_tokens": g.output_tokens } }));
            chunks.push(json!({ "type": "message_stop" }));
        }
        ModelFamily::AnthropicCompletions => {
            for word in &words {
                chunks.push(json!({ "type": "completion", "completion": word,
                    "stop_reason": null, "stop": null }));
            }
            chunks.push(json!({ "type": "completion", "completion": "",
                "stop_reason": "stop_sequence", "stop": "\n\nHuman:" }));
        }
        ModelFamily::TitanText => {
            for (i, word) in words.iter().enumerate() {
                let last = i + 1 == n;
                chunks.push(json!({
                    "outputText": word,
                    "index": 0,
                    "totalOutputTextTokenCount": if last { json!(g.output_tokens) } else { Value::Null },
                    "completionReason": if last { json!("FINISH") } else { Value::Null },
                    "inputTextTokenCount": if i == 0 { json!(g.input_tokens) } else { Value::Null },
                }));
            }
        }
        ModelFamily::Nova => {
            chunks.push(json!({ "messageStart": { "role": "assistant" } }));
            for word in &words {
                chunks.push(json!({ "contentBlockDelta": {
                    "delta": { "text": word }, "contentBlockIndex": 0 } }));
            }
            chunks.push(json!({ "contentBlockStop": { "contentBlockIndex": 0 } }));
            if let Some(tool) = &g.tool {
                chunks.push(json!({ "contentBlockStart": {
                    "start": { "toolUse": { "toolUseId": g.tool_use_id("tooluse_fake"), "name": tool.name } },
                    "contentBlockIndex": 1 } }));
                chunks.push(json!({ "contentBlockDelta": {
                    "delta": { "toolUse": { "input": tool.input.to_string() } },
                    "contentBlockIndex": 1 } }));
                chunks.push(json!({ "contentBlockStop": { "contentBlockIndex": 1 } }));
            }
            chunks.push(json!({ "messageStop": { "stopReason": anthropic_stop(g) } }));
            chunks.push(json!({ "metadata": {
                "usage": { "inputTokens": g.input_tokens, "outputTokens": g.output_tokens,
                    "cacheReadInputTokenCount": g.cache_read, "cacheWriteInputTokenCount": g.cache_write },
                "metrics": {},
                "trace": {},
            }}));
        }
        ModelFamily::Llama => {
            for (i, word) in words.iter().enumerate() {
                let last = i + 1 == n;
                chunks.push(json!({
                    "generation": word,
                    "prompt_token_count": if i == 0 { json!(g.input_tokens) } else { Value::Null },
                    "generation_token_count": i + 1,
                    "stop_reason": if last { json!("stop") } else { Value::Null },
                }));
            }
        }
        ModelFamily::CohereCommand => {
            for word in &words {
                chunks.push(
                    json!({ "generations": [{ "text": word, "index": 0, "is_finished": false }] }),
                );
            }
            chunks.push(
                json!({ "generations": [{ "id": g.response_id(), "text": "", "index": 0,
                "is_finished": true, "finish_reason": "COMPLETE" }] }),
            );
        }
        ModelFamily::CohereCommandR => {
            chunks.push(json!({ "is_finished": false, "event_type": "stream-start",
                "generation_id": g.response_id() }));
            for word in &words {
                chunks.push(
                    json!({ "is_finished": false, "event_type": "text-generation", "text": word }),
                );
            }
            chunks.push(json!({ "is_finished": true, "event_type": "stream-end",
                "finish_reason": "COMPLETE",
                "response": { "response_id": g.response_id(), "text": g.text,
                    "generation_id": g.response_id(), "finish_reason": "COMPLETE" } }));
        }
        ModelFamily::MistralText => {
            for word in &words {
                chunks.push(json!({ "outputs": [{ "text": word, "stop_reason": null }] }));
            }
            chunks.push(json!({ "outputs": [{ "text": "", "stop_reason": "stop" }] }));
        }
        ModelFamily::MistralChat => {
            for (i, word) in words.iter().enumerate() {
                let delta = if i == 0 {
                    json!({ "role": "assistant", "content": word })
                } else {
                    json!({ "content": word })
                };
                chunks.push(json!({ "id": g.response_id(), "object": "chat.completion.chunk",
                    "choices": [{ "index": 0, "delta": delta, "stop_reason": null, "finish_reason": null }] }));
            }
            chunks.push(
                json!({ "id": g.response_id(), "object": "chat.completion.chunk",
                "choices": [{ "index": 0, "delta": { "content": "" },
                    "stop_reason": "stop", "finish_reason": "stop" }] }),
            );
        }
        ModelFamily::Ai21Jamba => {
            let id = format!("chatcmpl-fake{:06}", g.seq);
            for (i, word) in words.iter().enumerate() {
                let delta = if i == 0 {
                    json!({ "role": "assistant", "content": word })
                } else {
                    json!({ "content": word })
                };
                chunks.push(json!({ "id": id, "choices": [{ "index": 0, "delta": delta, "finish_reason": null }] }));
            }
            chunks.push(json!({ "id": id,
                "choices": [{ "index": 0, "delta": {}, "finish_reason": "stop" }],
                "usage": { "prompt_tokens": g.input_tokens, "completion_tokens": g.output_tokens,
                    "total_tokens": g.total_tokens() } }));
        }
        ModelFamily::DeepSeek => {
            for word in &words {
                chunks.push(json!({ "choices": [{ "text": word, "stop_reason": null }] }));
            }
            chunks.push(json!({ "choices": [{ "text": "", "stop_reason": "stop" }] }));
        }
        // Rejected before: embeddings do not stream. Keep one chunk so nothing panics.
        ModelFamily::TitanEmbed | ModelFamily::CohereEmbed => {
            chunks.push(Value::Object(Map::new()));
        }
    }
    chunks
}
