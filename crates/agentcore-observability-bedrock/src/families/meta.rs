//! Meta Llama (2, 3.x, 4): a prompt string in, `generation` out.

use serde_json::Value;

use super::json::{self, array, str_of, string_of, u64_of};
use super::semconv;
use super::stream::{Slot, StreamState};
use super::{ChunkKind, Message, Part, RequestFacts, ResponseFacts};

pub(super) fn request(body: &Value) -> RequestFacts {
    let mut parts: Vec<Part> = str_of(body, "prompt")
        .map(|p| Part::Text(p.to_owned()))
        .into_iter()
        .collect();
    // Llama 3.2 vision: base64 images next to the prompt.
    parts.extend(
        array(body, "images")
            .filter_map(Value::as_str)
            .map(|img| semconv::blob("image", None, img)),
    );
    RequestFacts {
        temperature: json::f64_of(body, "temperature"),
        top_p: json::f64_of(body, "top_p"),
        max_tokens: json::i64_of(body, "max_gen_len"),
        input_messages: if parts.is_empty() {
            Vec::new()
        } else {
            vec![Message::new("user", parts)]
        },
        ..RequestFacts::default()
    }
}

/// `{"generation", "prompt_token_count", "generation_token_count", "stop_reason"}`.
pub(super) fn response(body: &Value) -> ResponseFacts {
    let stop_reason = string_of(body, "stop_reason");
    ResponseFacts {
        input_tokens: u64_of(body, "prompt_token_count"),
        output_tokens: u64_of(body, "generation_token_count"),
        finish_reasons: stop_reason.clone().into_iter().collect(),
        output_messages: str_of(body, "generation")
            .map(|g| Message {
                finish_reason: stop_reason,
                ..Message::new("assistant", vec![Part::Text(g.to_owned())])
            })
            .into_iter()
            .collect(),
        ..ResponseFacts::default()
    }
}

/// Chunks repeat the response fields: `generation` is incremental, `prompt_token_count` comes
/// on the first chunk, `generation_token_count` is cumulative, `stop_reason` ends the stream.
pub(super) fn stream(st: &mut StreamState, chunk: &Value) -> ChunkKind {
    let text = str_of(chunk, "generation");
    let carried = st.text(0, Slot::Last, text.unwrap_or_default());
    if let Some(n) = u64_of(chunk, "prompt_token_count") {
        st.usage.input = Some(n);
    }
    let generated = u64_of(chunk, "generation_token_count");
    if let Some(n) = generated {
        st.usage.output = Some(n);
    }
    if let Some(reason) = str_of(chunk, "stop_reason") {
        st.finish_reason(0, reason);
        return ChunkKind::Final;
    }
    if carried {
        ChunkKind::Content
    } else if text.is_some() || generated.is_some() {
        ChunkKind::Metadata
    } else {
        ChunkKind::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_request, parse_response, Family, StreamAccumulator};
    use super::*;

    const PROMPT: &str = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";

    #[test]
    fn request_reference_values() {
        // Span 12 of the ADOT reference output.
        let body = serde_json::json!({"prompt": PROMPT, "temperature": 0.5, "top_p": 0.9, "max_gen_len": 200});
        let f = parse_request(Family::Llama, body.to_string().as_bytes());
        assert_eq!(
            (f.temperature, f.top_p, f.max_tokens),
            (Some(0.5), Some(0.9), Some(200))
        );
        assert!(f.stop_sequences.is_empty());
        assert_eq!(f.input_messages, vec![Message::user_text(PROMPT)]);
        let vision = parse_request(Family::Llama, br#"{"prompt":"p","images":["iVBOR",3]}"#);
        assert_eq!(vision.input_messages[0].parts.len(), 2);
    }

    #[test]
    fn response() {
        let f = parse_response(
            Family::Llama,
            br#"{"generation":"Hello!","prompt_token_count":6,"generation_token_count":10,"stop_reason":"stop"}"#,
        );
        assert_eq!((f.input_tokens, f.output_tokens), (Some(6), Some(10)));
        assert_eq!(f.finish_reasons, vec!["stop"]);
        assert_eq!(
            f.output_messages[0].parts,
            vec![Part::Text("Hello!".into())]
        );
        assert_eq!(f.output_messages[0].finish_reason.as_deref(), Some("stop"));
    }

    #[test]
    fn stream() {
        let mut acc = StreamAccumulator::new(Family::Llama);
        let k = [
            acc.push_chunk(br#"{"generation":"Hel","prompt_token_count":6,"generation_token_count":1,"stop_reason":null}"#),
            acc.push_chunk(br#"{"generation":"lo","prompt_token_count":null,"generation_token_count":2,"stop_reason":null}"#),
            acc.push_chunk(br#"{"generation":"","prompt_token_count":null,"generation_token_count":3,"stop_reason":"stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":6,"outputTokenCount":3}}"#),
        ];
        assert_eq!(
            k,
            [ChunkKind::Content, ChunkKind::Content, ChunkKind::Final]
        );
        let f = acc.finish();
        assert_eq!((f.input_tokens, f.output_tokens), (Some(6), Some(3)));
        assert_eq!(f.output_messages[0].parts, vec![Part::Text("Hello".into())]);
        assert_eq!(f.finish_reasons, vec!["stop"]);
    }
}
