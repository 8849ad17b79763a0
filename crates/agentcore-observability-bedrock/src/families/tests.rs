//! Cross-family tests: model-id resolution, operation names, and robustness against garbage,
//! truncation, size and nesting (every parser must be total and bounded).

use serde_json::{json, Map, Value};

use super::json::{MAX_BODY_BYTES, MAX_ITEMS};
use super::*;

const ALL: [Family; 15] = [
    Family::AnthropicMessages,
    Family::AnthropicCompletions,
    Family::TitanText,
    Family::TitanEmbed,
    Family::Nova,
    Family::Llama,
    Family::CohereCommand,
    Family::CohereCommandR,
    Family::CohereEmbed,
    Family::MistralText,
    Family::MistralChat,
    Family::Ai21Jamba,
    Family::DeepSeek,
    Family::DeepSeekChat,
    Family::Other,
];

#[test]
fn family_from_plain_profile_and_arn_ids() {
    use Family::*;
    let cases: &[(&str, Family)] = &[
        ("anthropic.claude-3-haiku-20240307-v1:0", AnthropicMessages),
        ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", AnthropicMessages),
        ("eu.anthropic.claude-3-7-sonnet-20250219-v1:0", AnthropicMessages),
        ("apac.anthropic.claude-sonnet-4-20250514-v1:0", AnthropicMessages),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", AnthropicMessages),
        ("us-gov.anthropic.claude-3-haiku-20240307-v1:0", AnthropicMessages),
        (
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0",
            AnthropicMessages,
        ),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1",
            TitanText,
        ),
        (
            "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/abc123",
            TitanText,
        ),
        ("amazon.titan-text-lite-v1", TitanText),
        ("amazon.titan-text-premier-v1:0", TitanText),
        ("amazon.titan-tg1-large", TitanText),
        ("amazon.titan-embed-text-v2:0", TitanEmbed),
        ("amazon.titan-embed-text-v1", TitanEmbed),
        ("amazon.titan-embed-image-v1", TitanEmbed),
        ("amazon.titan-image-generator-v2:0", Other),
        ("amazon.nova-lite-v1:0", Nova),
        ("us.amazon.nova-pro-v1:0", Nova),
        ("us.amazon.nova-premier-v1:0", Nova),
        ("amazon.nova-micro-v1:0", Nova),
        ("amazon.nova-canvas-v1:0", Other),
        ("amazon.nova-reel-v1:1", Other),
        ("amazon.nova-sonic-v1:0", Other),
        ("amazon.rerank-v1:0", Other),
        ("meta.llama3-8b-instruct-v1:0", Llama),
        ("us.meta.llama3-2-11b-instruct-v1:0", Llama),
        ("us.meta.llama4-scout-17b-instruct-v1:0", Llama),
        ("cohere.command-text-v14", CohereCommand),
        ("cohere.command-light-text-v14", CohereCommand),
        ("cohere.command-r-v1:0", CohereCommandR),
        ("cohere.command-r-plus-v1:0", CohereCommandR),
        ("cohere.embed-english-v3", CohereEmbed),
        ("cohere.embed-multilingual-v3", CohereEmbed),
        ("cohere.rerank-v3-5:0", Other),
        ("mistral.mistral-7b-instruct-v0:2", MistralText),
        ("mistral.mixtral-8x7b-instruct-v0:1", MistralText),
        ("mistral.pixtral-large-2502-v1:0", MistralChat),
        ("ai21.jamba-1-5-large-v1:0", Ai21Jamba),
        ("ai21.jamba-instruct-v1:0", Ai21Jamba),
        ("ai21.j2-ultra-v1", Other),
        ("us.deepseek.r1-v1:0", DeepSeek),
        ("openai.gpt-oss-120b-1:0", Other),
        ("qwen.qwen3-32b-v1:0", Other),
        ("ANTHROPIC.CLAUDE-V2", AnthropicMessages),
        ("", Other),
        ("notanthropic.claude", Other),
        ("anthropic", Other),
        (
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5",
            Other,
        ),
        (
            "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/xyz987",
            Other,
        ),
    ];
    for (id, want) in cases {
        assert_eq!(family_of(id, None), *want, "{id}");
    }
}

#[test]
fn body_refines_dialect_for_known_ids() {
    let prompt = json!({"prompt": "\n\nHuman: hi\n\nAssistant:", "max_tokens_to_sample": 10});
    let messages = json!({"anthropic_version": "bedrock-2023-05-31", "messages": []});
    assert_eq!(
        family_of("anthropic.claude-v2", Some(&prompt)),
        Family::AnthropicCompletions
    );
    assert_eq!(
        family_of("anthropic.claude-v2", Some(&messages)),
        Family::AnthropicMessages
    );
    let chat = json!({"messages": [{"role": "user", "content": "hi"}]});
    let text = json!({"prompt": "<s>[INST] hi [/INST]"});
    assert_eq!(
        family_of("mistral.mistral-large-2407-v1:0", Some(&chat)),
        Family::MistralChat
    );
    assert_eq!(
        family_of("mistral.mistral-large-2407-v1:0", Some(&text)),
        Family::MistralText
    );
    assert_eq!(
        family_of("us.deepseek.r1-v1:0", Some(&text)),
        Family::DeepSeek
    );
    assert_eq!(
        family_of("deepseek.v3-v1:0", Some(&chat)),
        Family::DeepSeekChat
    );
    assert_eq!(
        family_of("cohere.command-text-v14", Some(&json!({"message": "hi"}))),
        Family::CohereCommandR
    );
    // A non-object body is no evidence.
    assert_eq!(
        family_of("anthropic.claude-v2", Some(&json!("prompt"))),
        Family::AnthropicMessages
    );
}

#[test]
fn body_shape_decides_for_opaque_arns() {
    let arn = "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/p9x8y7";
    let cases: &[(Value, Family)] = &[
        (
            json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": []}),
            Family::AnthropicMessages,
        ),
        (
            json!({"prompt": "\n\nHuman: x\n\nAssistant:", "max_tokens_to_sample": 5}),
            Family::AnthropicCompletions,
        ),
        (
            json!({"inputText": "x", "textGenerationConfig": {}}),
            Family::TitanText,
        ),
        (json!({"inputText": "x"}), Family::TitanText),
        (
            json!({"inputText": "x", "dimensions": 256, "normalize": true}),
            Family::TitanEmbed,
        ),
        (
            json!({"messages": [], "inferenceConfig": {"max_new_tokens": 5}}),
            Family::Nova,
        ),
        (
            json!({"schemaVersion": "messages-v1", "messages": []}),
            Family::Nova,
        ),
        (
            json!({"messages": [{"role": "user", "content": "x"}], "max_tokens": 5}),
            Family::Other,
        ),
        (
            json!({"texts": ["x"], "input_type": "search_query"}),
            Family::CohereEmbed,
        ),
        (
            json!({"message": "x", "chat_history": []}),
            Family::CohereCommandR,
        ),
        (json!({"prompt": "x", "max_gen_len": 5}), Family::Llama),
        (
            json!({"prompt": "x", "p": 0.5, "k": 3}),
            Family::CohereCommand,
        ),
        (json!({"prompt": "x", "max_tokens": 5}), Family::Other),
        (json!({}), Family::Other),
    ];
    for (body, want) in cases {
        assert_eq!(family_of(arn, Some(body)), *want, "{body}");
    }
    assert_eq!(family_of(arn, Some(&json!([1, 2]))), Family::Other);
    assert_eq!(family_of(arn, None), Family::Other);
}

#[test]
fn huge_model_ids_are_cheap_and_safe() {
    let id = format!("{}anthropic.claude", "x.".repeat(1_000_000));
    assert_eq!(family_of(&id, None), Family::Other);
    let unicode = "é".repeat(5000) + ".anthropic.claude";
    assert_eq!(family_of(&unicode, None), Family::Other);
    assert_eq!(
        family_of("ü.anthropic.claude", None),
        Family::AnthropicMessages
    );
}

#[test]
fn operation_names() {
    let expected = [
        (Family::AnthropicMessages, "chat"),
        (Family::AnthropicCompletions, "text_completion"),
        (Family::TitanText, "text_completion"),
        (Family::TitanEmbed, "embeddings"),
        (Family::Nova, "chat"),
        (Family::Llama, "text_completion"),
        (Family::CohereCommand, "text_completion"),
        (Family::CohereCommandR, "chat"),
        (Family::CohereEmbed, "embeddings"),
        (Family::MistralText, "text_completion"),
        (Family::MistralChat, "chat"),
        (Family::Ai21Jamba, "chat"),
        (Family::DeepSeek, "text_completion"),
        (Family::DeepSeekChat, "chat"),
        (Family::Other, "chat"),
    ];
    assert_eq!(expected.len(), ALL.len());
    for (f, name) in expected {
        assert_eq!(operation_name(f), name, "{f:?}");
    }
}

#[test]
fn parse_request_value_matches_bytes_path() {
    let body = json!({"anthropic_version": "x", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]});
    let v = parse_body(body.to_string().as_bytes()).unwrap();
    let fam = family_of("arn:aws:bedrock:us-east-1:1:provisioned-model/x", Some(&v));
    assert_eq!(
        parse_request_value(fam, &v),
        parse_request(fam, body.to_string().as_bytes())
    );
}

#[test]
fn end_to_end_semconv_json() {
    let req = parse_request(
        Family::AnthropicMessages,
        br#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":20,"system":"Be nice.","messages":[{"role":"user","content":"Hi"}]}"#,
    );
    assert_eq!(
        to_semconv_json(&req.input_messages),
        json!([{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}])
    );
    assert_eq!(
        system_instructions_json(&req.system),
        json!([{"type": "text", "content": "Be nice."}])
    );
    let resp = parse_response(
        Family::AnthropicMessages,
        br#"{"id":"m","content":[{"type":"text","text":"Hello"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":1}}"#,
    );
    assert_eq!(
        to_semconv_json(&resp.output_messages),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "Hello"}], "finish_reason": "end_turn"}])
    );
}

// ---- robustness ----

/// xorshift64*: deterministic, dependency-free randomness for the property tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Every key any parser reads, so random documents hit real code paths with wrong types.
const KEYS: &[&str] = &[
    "anthropic_version",
    "max_tokens",
    "temperature",
    "top_p",
    "top_k",
    "stop_sequences",
    "system",
    "messages",
    "role",
    "content",
    "type",
    "text",
    "id",
    "name",
    "input",
    "tool_use_id",
    "thinking",
    "source",
    "media_type",
    "data",
    "url",
    "tools",
    "usage",
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "stop_reason",
    "model",
    "message",
    "index",
    "content_block",
    "delta",
    "partial_json",
    "prompt",
    "max_tokens_to_sample",
    "completion",
    "inputText",
    "textGenerationConfig",
    "topP",
    "maxTokenCount",
    "stopSequences",
    "inputTextTokenCount",
    "results",
    "tokenCount",
    "outputText",
    "completionReason",
    "totalOutputTextTokenCount",
    "inferenceConfig",
    "max_new_tokens",
    "toolConfig",
    "toolSpec",
    "toolUse",
    "toolUseId",
    "toolResult",
    "image",
    "video",
    "format",
    "bytes",
    "s3Location",
    "uri",
    "reasoningContent",
    "reasoningText",
    "output",
    "stopReason",
    "inputTokens",
    "outputTokens",
    "cacheReadInputTokenCount",
    "contentBlockStart",
    "contentBlockDelta",
    "contentBlockIndex",
    "start",
    "messageStop",
    "metadata",
    "messageStart",
    "generation",
    "prompt_token_count",
    "generation_token_count",
    "max_gen_len",
    "images",
    "p",
    "k",
    "generations",
    "finish_reason",
    "chat_history",
    "preamble",
    "tool_calls",
    "tool_results",
    "parameters",
    "outputs",
    "meta",
    "billed_units",
    "tokens",
    "response_id",
    "texts",
    "event_type",
    "is_finished",
    "response",
    "tool_call_delta",
    "generation_id",
    "stop",
    "choices",
    "function",
    "arguments",
    "tool_call_id",
    "image_url",
    "reasoning_content",
    "prompt_tokens",
    "completion_tokens",
    "prompt_tokens_details",
    "cached_tokens",
    "amazon-bedrock-invocationMetrics",
    "inputTokenCount",
    "outputTokenCount",
    "dimensions",
    "schemaVersion",
];

const EVENT_TYPES: &[&str] = &[
    "message_start",
    "content_block_start",
    "content_block_delta",
    "message_delta",
    "message_stop",
    "text_delta",
    "input_json_delta",
    "thinking_delta",
    "text",
    "tool_use",
    "tool_result",
    "thinking",
    "image",
    "base64",
    "tool-calls-chunk",
    "tool-calls-generation",
    "stream-end",
    "text-generation",
    "stream-start",
    "tool",
    "user",
    "assistant",
    "CHATBOT",
    "image_url",
    "function",
];

fn random_value(rng: &mut Rng, depth: u32) -> Value {
    let choice = if depth == 0 {
        rng.below(6)
    } else {
        rng.below(9)
    };
    match choice {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => json!(rng.next() as i64 >> rng.below(64)),
        3 => json!((rng.next() as f64) / (rng.next() as f64 + 1.0) - 1.0),
        4 => Value::String((*rng.pick(EVENT_TYPES)).to_owned()),
        5 => Value::String(random_string(rng)),
        6 | 7 => {
            let mut o = Map::new();
            for _ in 0..rng.below(6) {
                o.insert((*rng.pick(KEYS)).to_owned(), random_value(rng, depth - 1));
            }
            Value::Object(o)
        }
        _ => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
    }
}

fn random_string(rng: &mut Rng) -> String {
    const CHARS: &[&str] = &["a", "{", "\"", "é", "€", "😀", "\\", "}", ":", "1", "\u{0}"];
    (0..rng.below(12)).map(|_| *rng.pick(CHARS)).collect()
}

fn random_object(rng: &mut Rng) -> Value {
    let mut o = Map::new();
    for _ in 0..1 + rng.below(8) {
        o.insert((*rng.pick(KEYS)).to_owned(), random_value(rng, 5));
    }
    Value::Object(o)
}

/// Runs every entry point of every family on `bytes` and renders whatever came out, so a panic
/// anywhere (parsing, accumulation, conversion) fails the test.
fn exercise(bytes: &[u8]) {
    let value = parse_body(bytes);
    let _ = family_of(
        "arn:aws:bedrock:us-east-1:1:imported-model/x",
        value.as_ref(),
    );
    for family in ALL {
        let req = parse_request(family, bytes);
        let _ = to_semconv_json(&req.input_messages);
        let _ = system_instructions_json(&req.system);
        let resp = parse_response(family, bytes);
        let _ = to_semconv_json(&resp.output_messages);
        let mut acc = StreamAccumulator::new(family);
        let _ = acc.push_chunk(bytes);
        let _ = acc.push_chunk(bytes);
        let _ = acc.content_seen();
        let _ = to_semconv_json(&acc.finish().output_messages);
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2000 {
        let len = rng.below(256) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        exercise(&bytes);
    }
}

#[test]
fn random_documents_with_real_keys_never_panic() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for _ in 0..3000 {
        let doc = random_object(&mut rng);
        exercise(doc.to_string().as_bytes());
    }
}

#[test]
fn random_streams_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..300 {
        for family in ALL {
            let mut acc = StreamAccumulator::new(family);
            for _ in 0..rng.below(20) {
                let _ = acc.push_chunk(random_object(&mut rng).to_string().as_bytes());
            }
            let _ = to_semconv_json(&acc.finish().output_messages);
        }
    }
}

fn corpus() -> Vec<String> {
    [
        json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200, "system": "s",
               "messages": [{"role": "user", "content": [{"type": "text", "text": "hi é😀"},
               {"type": "tool_use", "id": "t", "name": "n", "input": {"a": [1, 2, {"b": null}]}}]}]}),
        json!({"id": "m", "content": [{"type": "text", "text": "x"}], "stop_reason": "end_turn",
               "usage": {"input_tokens": 1, "output_tokens": 2}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "{\"a\":"}}),
        json!({"inputText": "x", "textGenerationConfig": {"maxTokenCount": 5, "stopSequences": ["|"]}}),
        json!({"inputTextTokenCount": 6, "results": [{"tokenCount": 1, "outputText": "y", "completionReason": "FINISH"}]}),
        json!({"messages": [{"role": "user", "content": [{"text": "x"}, {"toolResult": {"toolUseId": "a", "content": []}}]}],
               "inferenceConfig": {"max_new_tokens": 5}}),
        json!({"metadata": {"usage": {"inputTokens": 1}}, "amazon-bedrock-invocationMetrics": {"inputTokenCount": 1}}),
        json!({"message": "x", "chat_history": [{"role": "CHATBOT", "tool_calls": [{"name": "n", "parameters": {}}]}]}),
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}, "finish_reason": "stop"}]}),
    ]
    .iter()
    .map(Value::to_string)
    .collect()
}

#[test]
fn every_truncation_of_real_bodies_is_handled() {
    for body in corpus() {
        let bytes = body.as_bytes();
        for end in 0..bytes.len() {
            exercise(&bytes[..end]);
        }
    }
}

#[test]
fn byte_mutations_of_real_bodies_never_panic() {
    let mut rng = Rng(7);
    for body in corpus() {
        for _ in 0..300 {
            let mut bytes = body.clone().into_bytes();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(bytes.len() as u64) as usize;
                bytes[i] = rng.next() as u8;
            }
            exercise(&bytes);
        }
    }
}

#[test]
fn deep_nesting_is_rejected_or_carried_without_overflow() {
    // Beyond serde_json's recursion limit: a parse error, hence empty facts.
    let deep = format!(
        r#"{{"messages":[{{"role":"user","content":{}1{}}}]}}"#,
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    exercise(deep.as_bytes());
    assert_eq!(
        parse_request(Family::Nova, deep.as_bytes()),
        RequestFacts::default()
    );

    // Just under the limit, inside tool arguments: carried through and rendered.
    let mut args = json!(1);
    for _ in 0..100 {
        args = json!({"a": args});
    }
    let body = json!({"anthropic_version": "x", "messages": [{"role": "assistant", "content": [
        {"type": "tool_use", "id": "t", "name": "n", "input": args}]}]});
    let f = parse_request(Family::AnthropicMessages, body.to_string().as_bytes());
    assert_eq!(f.input_messages.len(), 1);
    let _ = to_semconv_json(&f.input_messages).to_string();

    // Deep partial JSON in a stream's tool arguments: falls back to the raw string.
    let mut acc = StreamAccumulator::new(Family::AnthropicMessages);
    let partial = "[".repeat(10_000);
    let chunk = json!({"type": "content_block_delta", "index": 0,
                       "delta": {"type": "input_json_delta", "partial_json": partial}});
    assert_eq!(
        acc.push_chunk(chunk.to_string().as_bytes()),
        ChunkKind::Content
    );
    let f = acc.finish();
    assert!(matches!(
        &f.output_messages[0].parts[0],
        Part::ToolCall { arguments: Value::String(s), .. } if s.len() == 10_000
    ));
}

#[test]
fn huge_arrays_are_capped() {
    let messages: Vec<Value> = (0..MAX_ITEMS + 500)
        .map(|_| json!({"role": "user", "content": "x"}))
        .collect();
    let stops: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
    let body = json!({"anthropic_version": "x", "messages": messages, "stop_sequences": stops});
    let f = parse_request(Family::AnthropicMessages, body.to_string().as_bytes());
    assert_eq!(f.input_messages.len(), MAX_ITEMS);
    assert_eq!(f.stop_sequences.len(), json::MAX_STRINGS);

    let choices: Vec<Value> = (0..MAX_ITEMS + 10)
        .map(|i| json!({"index": i, "message": {"content": "x"}, "finish_reason": "stop"}))
        .collect();
    let r = parse_response(
        Family::Ai21Jamba,
        json!({"choices": choices}).to_string().as_bytes(),
    );
    assert_eq!(r.output_messages.len(), MAX_ITEMS);
}

#[test]
fn oversized_bodies_give_empty_facts() {
    let mut body = br#"{"inputText":""#.to_vec();
    body.resize(MAX_BODY_BYTES + 10, b'a');
    body.extend_from_slice(br#""}"#);
    assert_eq!(
        parse_request(Family::TitanText, &body),
        RequestFacts::default()
    );
    assert_eq!(
        parse_response(Family::TitanText, &body),
        ResponseFacts::default()
    );
    let mut acc = StreamAccumulator::new(Family::TitanText);
    assert_eq!(acc.push_chunk(&body), ChunkKind::Unknown);
}

#[test]
fn long_streams_accumulate_in_order() {
    let mut acc = StreamAccumulator::new(Family::Llama);
    for i in 0..20_000 {
        let chunk = json!({"generation": format!("{} ", i % 10), "generation_token_count": i + 1});
        assert_eq!(
            acc.push_chunk(chunk.to_string().as_bytes()),
            ChunkKind::Content
        );
    }
    let f = acc.finish();
    assert_eq!(f.output_tokens, Some(20_000));
    let Part::Text(t) = &f.output_messages[0].parts[0] else {
        panic!("text expected")
    };
    assert_eq!(t.len(), 40_000);
    assert!(t.starts_with("0 1 2 "));
}

#[test]
fn non_object_json_gives_empty_facts() {
    for body in ["null", "1", "\"x\"", "[]", "[{\"messages\":[]}]", "true"] {
        for family in ALL {
            assert_eq!(
                parse_request(family, body.as_bytes()),
                RequestFacts::default()
            );
            assert_eq!(
                parse_response(family, body.as_bytes()),
                ResponseFacts::default()
            );
            let mut acc = StreamAccumulator::new(family);
            assert_eq!(acc.push_chunk(body.as_bytes()), ChunkKind::Unknown);
            assert_eq!(acc.finish(), ResponseFacts::default());
        }
    }
}

#[test]
fn token_counts_are_never_estimated() {
    // Families whose bodies carry no usage must report none, however long the text.
    let long = "word ".repeat(1000);
    let cases = [
        (
            Family::CohereCommand,
            json!({"generations": [{"text": long, "finish_reason": "COMPLETE"}]}),
        ),
        (
            Family::CohereCommandR,
            json!({"text": long, "finish_reason": "COMPLETE"}),
        ),
        (
            Family::MistralText,
            json!({"outputs": [{"text": long, "stop_reason": "stop"}]}),
        ),
        (
            Family::AnthropicCompletions,
            json!({"completion": long, "stop_reason": "stop_sequence"}),
        ),
        (
            Family::DeepSeek,
            json!({"choices": [{"text": long, "stop_reason": "stop"}]}),
        ),
    ];
    for (family, body) in cases {
        let f = parse_response(family, body.to_string().as_bytes());
        assert_eq!(
            (f.input_tokens, f.output_tokens),
            (None, None),
            "{family:?}"
        );
        assert!(!f.output_messages.is_empty());
    }
    for family in [Family::CohereCommand, Family::MistralText] {
        let req = json!({"prompt": long});
        let mut acc = StreamAccumulator::new(family);
        let _ = parse_request(family, req.to_string().as_bytes());
        let _ = acc.push_chunk(
            json!({"outputs": [{"text": long}], "text": long})
                .to_string()
                .as_bytes(),
        );
        let f = acc.finish();
        assert_eq!(
            (f.input_tokens, f.output_tokens),
            (None, None),
            "{family:?}"
        );
    }
}
