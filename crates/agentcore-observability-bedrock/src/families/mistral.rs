//! Mistral's prompt API (Mistral 7B, Mixtral, Mistral Large/Small with `prompt`). The chat API
//! is OpenAI-compatible and lives in `openai_compat`.

use serde_json::Value;

use super::json::{self, array, get, str_of, string_of, u64_of};
use super::stream::{Slot, StreamState};
use super::{ChunkKind, Message, Part, RequestFacts, ResponseFacts};

pub(super) fn text_request(body: &Value) -> RequestFacts {
    RequestFacts {
        temperature: json::f64_of(body, "temperature"),
        top_p: json::f64_of(body, "top_p"),
        top_k: json::i64_of(body, "top_k"),
        max_tokens: json::i64_of(body, "max_tokens"),
        stop_sequences: json::strings(get(body, "stop")),
        input_messages: str_of(body, "prompt")
            .map(Message::user_text)
            .into_iter()
            .collect(),
        ..RequestFacts::default()
    }
}

/// `{"outputs": [{"text", "stop_reason"}]}`: no usage in the body (ADOT estimates it from the
/// text length; we leave it to the response headers).
pub(super) fn text_response(body: &Value) -> ResponseFacts {
    let mut f = ResponseFacts::default();
    for o in array(body, "outputs").filter(|o| o.is_object()) {
        let reason = string_of(o, "stop_reason");
        f.finish_reasons.extend(reason.clone());
        f.output_messages.push(Message {
            finish_reason: reason,
            ..Message::new(
                "assistant",
                str_of(o, "text")
                    .map(|t| Part::Text(t.to_owned()))
                    .into_iter()
                    .collect(),
            )
        });
    }
    f
}

/// Chunks: `{"outputs": [{"text", "stop_reason"}]}`, the reason non-null on the last one.
pub(super) fn text_stream(st: &mut StreamState, chunk: &Value) -> ChunkKind {
    let Some(outputs) = get(chunk, "outputs").and_then(Value::as_array) else {
        return ChunkKind::Unknown;
    };
    let mut kind = ChunkKind::Metadata;
    for (i, o) in outputs.iter().take(json::MAX_ITEMS).enumerate() {
        let index = u64_of(o, "index").unwrap_or(i as u64);
        if st.text(index, Slot::Last, str_of(o, "text").unwrap_or_default())
            && kind == ChunkKind::Metadata
        {
            kind = ChunkKind::Content;
        }
        if let Some(reason) = str_of(o, "stop_reason") {
            st.finish_reason(index, reason);
            kind = ChunkKind::Final;
        }
    }
    kind
}

#[cfg(test)]
mod tests {
    use super::super::{parse_request, parse_response, Family, StreamAccumulator};
    use super::*;

    #[test]
    fn request_reference_values() {
        // Span 15 of the ADOT reference output.
        let f = parse_request(
            Family::MistralText,
            br#"{"prompt":"<s>[INST] Hi [/INST]","max_tokens":200,"stop":["STOP"],"temperature":0.5,"top_p":0.9,"top_k":50}"#,
        );
        assert_eq!(
            (f.max_tokens, f.temperature, f.top_p, f.top_k),
            (Some(200), Some(0.5), Some(0.9), Some(50))
        );
        assert_eq!(f.stop_sequences, vec!["STOP"]);
        assert_eq!(
            f.input_messages,
            vec![Message::user_text("<s>[INST] Hi [/INST]")]
        );
    }

    #[test]
    fn response_has_no_estimated_tokens() {
        let f = parse_response(
            Family::MistralText,
            br#"{"outputs":[{"text":"Hello there, friend.","stop_reason":"stop"}]}"#,
        );
        assert_eq!((f.input_tokens, f.output_tokens), (None, None));
        assert_eq!(f.finish_reasons, vec!["stop"]);
        assert_eq!(
            f.output_messages[0].parts,
            vec![Part::Text("Hello there, friend.".into())]
        );
    }

    #[test]
    fn stream() {
        let mut acc = StreamAccumulator::new(Family::MistralText);
        let k = [
            acc.push_chunk(br#"{"outputs":[{"text":"Hel","stop_reason":null}]}"#),
            acc.push_chunk(br#"{"outputs":[{"text":"lo","stop_reason":null}]}"#),
            acc.push_chunk(br#"{"outputs":[{"text":"","stop_reason":"length"}],"amazon-bedrock-invocationMetrics":{"inputTokenCount":9,"outputTokenCount":14}}"#),
            acc.push_chunk(br#"{"other":1}"#),
        ];
        assert_eq!(
            k,
            [
                ChunkKind::Content,
                ChunkKind::Content,
                ChunkKind::Final,
                ChunkKind::Unknown
            ]
        );
        let f = acc.finish();
        assert_eq!((f.input_tokens, f.output_tokens), (Some(9), Some(14)));
        assert_eq!(f.finish_reasons, vec!["length"]);
        assert_eq!(f.output_messages[0].parts, vec![Part::Text("Hello".into())]);
    }
}
