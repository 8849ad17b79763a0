//! [`Family::Other`](super::Family::Other): models with no family of their own (imported
//! models, OpenAI gpt-oss, Qwen, application inference profiles whose body gave nothing away).
//!
//! These almost always speak the OpenAI chat-completions shape or the Llama-style
//! `prompt`/`generation` shape that Custom Model Import serves, so the parser tries those, and
//! only reads keys whose meaning is the same in every family that uses them.

use serde_json::Value;

use super::json::{self, get, str_of};
use super::stream::StreamState;
use super::{meta, mistral, openai_compat, ChunkKind, Message, RequestFacts, ResponseFacts};

pub(super) fn request(body: &Value) -> RequestFacts {
    let mut f = openai_compat::request(body);
    f.max_tokens = f
        .max_tokens
        .or_else(|| json::first_i64(body, &["max_gen_len", "max_new_tokens", "maxTokens"]));
    f.top_p = f.top_p.or_else(|| json::f64_of(body, "topP"));
    f.top_k = f.top_k.or_else(|| json::i64_of(body, "topK"));
    if f.stop_sequences.is_empty() {
        f.stop_sequences = json::strings(get(body, "stopSequences"));
    }
    if f.input_messages.is_empty() {
        f.input_messages
            .extend(str_of(body, "inputText").map(Message::user_text));
    }
    f
}

pub(super) fn response(body: &Value) -> ResponseFacts {
    if get(body, "choices").is_some() {
        openai_compat::response(body)
    } else if get(body, "generation").is_some() {
        meta::response(body)
    } else if get(body, "outputs").is_some() {
        mistral::text_response(body)
    } else {
        // Usage and id may still be there.
        openai_compat::response(body)
    }
}

pub(super) fn stream(st: &mut StreamState, chunk: &Value) -> ChunkKind {
    if get(chunk, "choices").is_some() || get(chunk, "usage").is_some() {
        openai_compat::stream(st, chunk)
    } else if get(chunk, "generation").is_some() || get(chunk, "generation_token_count").is_some() {
        meta::stream(st, chunk)
    } else if get(chunk, "outputs").is_some() {
        mistral::text_stream(st, chunk)
    } else {
        ChunkKind::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_request, parse_response, Family, Part, StreamAccumulator};
    use super::*;

    #[test]
    fn gpt_oss_chat_shape() {
        let f = parse_request(
            Family::Other,
            br#"{"messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"Hi"}],"max_completion_tokens":150,"temperature":0.2}"#,
        );
        assert_eq!(f.max_tokens, Some(150));
        assert_eq!(f.input_messages.len(), 2);
        assert_eq!(f.input_messages[0].role, "developer");
        let r = parse_response(
            Family::Other,
            br#"{"id":"chatcmpl-9","object":"chat.completion","model":"openai.gpt-oss-20b-1:0","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3}}"#,
        );
        assert_eq!((r.input_tokens, r.output_tokens), (Some(12), Some(3)));
        assert_eq!(r.response_model.as_deref(), Some("openai.gpt-oss-20b-1:0"));
    }

    #[test]
    fn imported_llama_shape() {
        let f = parse_request(
            Family::Other,
            br#"{"prompt":"Hi","max_gen_len":64,"temperature":0.1,"topP":0.5}"#,
        );
        assert_eq!((f.max_tokens, f.top_p), (Some(64), Some(0.5)));
        assert_eq!(f.input_messages, vec![Message::user_text("Hi")]);
        let r = parse_response(
            Family::Other,
            br#"{"generation":"Hello","generation_token_count":2,"prompt_token_count":4,"stop_reason":"stop"}"#,
        );
        assert_eq!((r.input_tokens, r.output_tokens), (Some(4), Some(2)));
        let mut acc = StreamAccumulator::new(Family::Other);
        assert_eq!(
            acc.push_chunk(br#"{"generation":"He","generation_token_count":1}"#),
            ChunkKind::Content
        );
        assert_eq!(
            acc.push_chunk(br#"{"outputs":[{"text":"llo","stop_reason":"stop"}]}"#),
            ChunkKind::Final
        );
        assert_eq!(acc.push_chunk(br#"{"weird":true}"#), ChunkKind::Unknown);
        let f = acc.finish();
        assert_eq!(f.output_messages[0].parts, vec![Part::Text("Hello".into())]);
    }

    #[test]
    fn mistral_outputs_and_empty_bodies() {
        let r = parse_response(
            Family::Other,
            br#"{"outputs":[{"text":"x","stop_reason":"stop"}]}"#,
        );
        assert_eq!(r.finish_reasons, vec!["stop"]);
        assert_eq!(
            parse_response(Family::Other, b"{}"),
            ResponseFacts::default()
        );
        assert_eq!(parse_request(Family::Other, b"{}"), RequestFacts::default());
    }
}
