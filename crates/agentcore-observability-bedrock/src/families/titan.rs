//! Amazon Titan Text and Titan Embeddings.

use serde_json::Value;

use super::json::{self, array, get, str_of, string_of, u64_of};
use super::semconv;
use super::stream::{Slot, StreamState};
use super::{ChunkKind, Message, Part, RequestFacts, ResponseFacts};

pub(super) fn text_request(body: &Value) -> RequestFacts {
    let cfg = get(body, "textGenerationConfig").unwrap_or(&Value::Null);
    RequestFacts {
        temperature: json::f64_of(cfg, "temperature"),
        top_p: json::f64_of(cfg, "topP"),
        max_tokens: json::i64_of(cfg, "maxTokenCount"),
        stop_sequences: json::strings(get(cfg, "stopSequences")),
        input_messages: str_of(body, "inputText")
            .map(Message::user_text)
            .into_iter()
            .collect(),
        ..RequestFacts::default()
    }
}

/// `{"inputTextTokenCount", "results": [{"tokenCount", "outputText", "completionReason"}]}`.
pub(super) fn text_response(body: &Value) -> ResponseFacts {
    let mut f = ResponseFacts {
        input_tokens: u64_of(body, "inputTextTokenCount"),
        ..ResponseFacts::default()
    };
    for r in array(body, "results").filter(|r| r.is_object()) {
        // ADOT reads results[0] only; the sum is right for any number of results.
        if let Some(n) = u64_of(r, "tokenCount") {
            f.output_tokens = Some(f.output_tokens.unwrap_or(0).saturating_add(n));
        }
        let reason = string_of(r, "completionReason");
        f.finish_reasons.extend(reason.clone());
        f.output_messages.push(Message {
            finish_reason: reason,
            ..Message::new(
                "assistant",
                str_of(r, "outputText")
                    .map(|t| Part::Text(t.to_owned()))
                    .into_iter()
                    .collect(),
            )
        });
    }
    f
}

/// Chunks: `{"outputText", "index", "totalOutputTextTokenCount", "completionReason",
/// "inputTextTokenCount"}`; the token total is cumulative and the reason arrives last.
pub(super) fn stream(st: &mut StreamState, chunk: &Value) -> ChunkKind {
    let index = u64_of(chunk, "index").unwrap_or(0);
    let text = str_of(chunk, "outputText");
    let carried = st.text(index, Slot::Last, text.unwrap_or_default());
    if let Some(n) = u64_of(chunk, "inputTextTokenCount") {
        st.usage.input = Some(n);
    }
    let total = u64_of(chunk, "totalOutputTextTokenCount");
    if let Some(n) = total {
        st.usage.output = Some(n);
    }
    if let Some(reason) = str_of(chunk, "completionReason") {
        st.finish_reason(index, reason);
        return ChunkKind::Final;
    }
    if carried {
        ChunkKind::Content
    } else if text.is_some() || total.is_some() {
        ChunkKind::Metadata
    } else {
        ChunkKind::Unknown
    }
}

/// Titan Embeddings: `inputText` (text models, multimodal) and `inputImage` (multimodal).
pub(super) fn embed_request(body: &Value) -> RequestFacts {
    let mut parts: Vec<Part> = str_of(body, "inputText")
        .map(|t| Part::Text(t.to_owned()))
        .into_iter()
        .collect();
    if let Some(img) = str_of(body, "inputImage") {
        parts.push(semconv::blob("image", None, img));
    }
    RequestFacts {
        input_messages: if parts.is_empty() {
            Vec::new()
        } else {
            vec![Message::new("user", parts)]
        },
        ..RequestFacts::default()
    }
}

/// `{"embedding": [...], "inputTextTokenCount"}`: input tokens only.
pub(super) fn embed_response(body: &Value) -> ResponseFacts {
    ResponseFacts {
        input_tokens: u64_of(body, "inputTextTokenCount"),
        ..ResponseFacts::default()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_request, parse_response, Family, StreamAccumulator};
    use super::*;
    use serde_json::json;

    #[test]
    fn text_request_reference_values() {
        // Span 9 of the ADOT reference output.
        let f = parse_request(
            Family::TitanText,
            json!({"inputText": "Say hi", "textGenerationConfig":
                   {"temperature": 0.5, "topP": 0.9, "maxTokenCount": 200, "stopSequences": ["|"]}})
            .to_string()
            .as_bytes(),
        );
        assert_eq!(f.temperature, Some(0.5));
        assert_eq!(f.top_p, Some(0.9));
        assert_eq!(f.max_tokens, Some(200));
        assert_eq!(f.top_k, None);
        assert_eq!(f.stop_sequences, vec!["|"]);
        assert_eq!(f.input_messages, vec![Message::user_text("Say hi")]);
    }

    #[test]
    fn text_request_without_config() {
        let f = parse_request(Family::TitanText, br#"{"inputText":"x"}"#);
        assert_eq!(f.max_tokens, None);
        assert_eq!(f.input_messages.len(), 1);
    }

    #[test]
    fn text_response() {
        let f = parse_response(
            Family::TitanText,
            br#"{"inputTextTokenCount":6,"results":[{"tokenCount":10,"outputText":"Hello there","completionReason":"FINISH"}]}"#,
        );
        assert_eq!(f.input_tokens, Some(6));
        assert_eq!(f.output_tokens, Some(10));
        assert_eq!(f.finish_reasons, vec!["FINISH"]);
        assert_eq!(
            f.output_messages,
            vec![Message {
                role: "assistant".into(),
                parts: vec![Part::Text("Hello there".into())],
                finish_reason: Some("FINISH".into())
            }]
        );
        let multi = parse_response(
            Family::TitanText,
            br#"{"results":[{"tokenCount":3,"outputText":"a","completionReason":"LENGTH"},{"tokenCount":4,"outputText":"b"}]}"#,
        );
        assert_eq!(multi.output_tokens, Some(7));
        assert_eq!(multi.finish_reasons, vec!["LENGTH"]);
        assert_eq!(multi.output_messages.len(), 2);
        assert_eq!(multi.output_messages[1].finish_reason, None);
    }

    #[test]
    fn text_stream() {
        let mut acc = StreamAccumulator::new(Family::TitanText);
        let k1 = acc.push_chunk(
            br#"{"outputText":"Hello","index":0,"totalOutputTextTokenCount":2,"completionReason":null,"inputTextTokenCount":6}"#,
        );
        let k2 = acc.push_chunk(
            br#"{"outputText":" there","index":0,"totalOutputTextTokenCount":10,"completionReason":"FINISH","inputTextTokenCount":null,"amazon-bedrock-invocationMetrics":{"inputTokenCount":6,"outputTokenCount":10,"invocationLatency":300,"firstByteLatency":120}}"#,
        );
        assert_eq!((k1, k2), (ChunkKind::Content, ChunkKind::Final));
        let f = acc.finish();
        assert_eq!((f.input_tokens, f.output_tokens), (Some(6), Some(10)));
        assert_eq!(f.finish_reasons, vec!["FINISH"]);
        assert_eq!(
            f.output_messages[0].parts,
            vec![Part::Text("Hello there".into())]
        );
    }

    #[test]
    fn one_chunk_stream_is_final_but_counts_as_content() {
        let mut acc = StreamAccumulator::new(Family::TitanText);
        let k = acc.push_chunk(br#"{"outputText":"Hi","index":0,"completionReason":"FINISH"}"#);
        assert_eq!(k, ChunkKind::Final);
        assert!(acc.content_seen());
    }

    #[test]
    fn embeddings() {
        let f = parse_request(
            Family::TitanEmbed,
            br#"{"inputText":"embed me","dimensions":512,"normalize":true}"#,
        );
        assert_eq!(f.input_messages, vec![Message::user_text("embed me")]);
        assert_eq!(f.max_tokens, None);
        let mm = parse_request(
            Family::TitanEmbed,
            br#"{"inputText":"cat","inputImage":"iVBOR","embeddingConfig":{"outputEmbeddingLength":256}}"#,
        );
        assert_eq!(mm.input_messages[0].parts.len(), 2);
        let r = parse_response(
            Family::TitanEmbed,
            br#"{"embedding":[0.1,0.2],"inputTextTokenCount":6,"embeddingsByType":{"float":[0.1,0.2]}}"#,
        );
        assert_eq!(r.input_tokens, Some(6));
        assert_eq!(r.output_tokens, None);
        assert!(r.output_messages.is_empty());
    }
}
