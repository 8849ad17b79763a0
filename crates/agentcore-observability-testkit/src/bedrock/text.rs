//! The deterministic "model": word counting, prompt clean-up and reply construction.
//!
//! Token counts are word counts (`split_whitespace`), as in the ADOT reference run.

use serde_json::Value;

/// How many words of the prompt the reply repeats after "about".
const ABOUT_WORDS: usize = 8;

/// Number of whitespace-separated words in `text`.
pub(crate) fn words(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

/// Number of words in the compact JSON serialization of `value` (tool inputs, JSON tool results).
pub(crate) fn json_words(value: &Value) -> u64 {
    match value {
        Value::String(s) => words(s),
        other => words(&other.to_string()),
    }
}

/// `"Fake {provider} answer about {first words of prompt}"`.
pub(crate) fn reply_text(provider: &str, prompt: &str) -> String {
    let about: Vec<&str> = prompt.split_whitespace().take(ABOUT_WORDS).collect();
    let about = if about.is_empty() {
        "nothing".to_owned()
    } else {
        about.join(" ")
    };
    format!("Fake {provider} answer about {about}")
}

/// The text split into stream deltas, one per word: `"Fake"`, `" anthropic"`, ... Concatenated,
/// they give back `text` with its whitespace normalised to single spaces.
pub(crate) fn deltas(text: &str) -> Vec<String> {
    text.split_whitespace()
        .enumerate()
        .map(|(i, w)| {
            if i == 0 {
                w.to_owned()
            } else {
                format!(" {w}")
            }
        })
        .collect()
}

/// Splits `s` in two near the middle (on a char boundary), for multi-part tool-input deltas.
pub(crate) fn split_half(s: &str) -> (String, String) {
    let mut mid = s.len() / 2;
    while mid > 0 && !s.is_char_boundary(mid) {
        mid -= 1;
    }
    (s[..mid].to_owned(), s[mid..].to_owned())
}

/// Removes prompt-template markup (Llama 3 headers and `<|...|>` tokens, DeepSeek `<｜...｜>`
/// tokens, `[INST]`, `<s>`, `<<SYS>>`, `Human:` / `Assistant:` turns) and normalises whitespace.
pub(crate) fn clean_prompt(prompt: &str) -> String {
    let mut out = String::with_capacity(prompt.len());
    let mut rest = prompt;
    while !rest.is_empty() {
        // Llama 3 role headers: drop the role name with the markers.
        if let Some(after) = rest.strip_prefix("<|start_header_id|>") {
            match after.find("<|end_header_id|>") {
                Some(end) => {
                    rest = &after[end + "<|end_header_id|>".len()..];
                    out.push(' ');
                    continue;
                }
                None => {
                    rest = after;
                    continue;
                }
            }
        }
        if let Some(skipped) =
            skip_special(rest, "<|", "|>").or_else(|| skip_special(rest, "<｜", "｜>"))
        {
            rest = skipped;
            out.push(' ');
            continue;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out.split_whitespace()
        .filter(|w| {
            !matches!(
                *w,
                "[INST]"
                    | "[/INST]"
                    | "<s>"
                    | "</s>"
                    | "<<SYS>>"
                    | "<</SYS>>"
                    | "Human:"
                    | "Assistant:"
            )
        })
        .map(|w| {
            w.trim_start_matches("<s>")
                .trim_start_matches("[INST]")
                .trim_end_matches("[/INST]")
                .trim_end_matches("</s>")
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// If `s` starts with `open`...`close` (no whitespace inside, at most 64 bytes), the rest after it.
fn skip_special<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let inner = s.strip_prefix(open)?;
    let end = inner.find(close)?;
    let token = &inner[..end];
    if token.len() > 64 || token.chars().any(char::is_whitespace) {
        return None;
    }
    Some(&inner[end + close.len()..])
}

/// The last user turn of a templated prompt (Llama 3 headers, `[INST]`, `Human:`, DeepSeek
/// `<｜User｜>`), cleaned; the whole cleaned prompt when there is no template.
pub(crate) fn focus_of_prompt(prompt: &str) -> String {
    let candidates: [(&str, &[&str]); 4] = [
        ("<|start_header_id|>user<|end_header_id|>", &["<|eot_id|>"]),
        ("[INST]", &["[/INST]"]),
        ("Human:", &["Assistant:"]),
        ("<｜User｜>", &["<｜Assistant｜>"]),
    ];
    for (open, closes) in candidates {
        if let Some(start) = prompt.rfind(open) {
            let after = &prompt[start + open.len()..];
            let end = closes
                .iter()
                .filter_map(|c| after.find(c))
                .min()
                .unwrap_or(after.len());
            let focus = clean_prompt(&after[..end]);
            if !focus.is_empty() {
                return focus;
            }
        }
    }
    clean_prompt(prompt)
}

/// The text of the last user message (that has any text) in a `messages` array: `content` as a
/// string, or the `text` of its content blocks (Converse `{text}`, Anthropic/OpenAI
/// `{type:"text", text}`).
pub(crate) fn last_user_text(messages: Option<&Value>) -> String {
    let Some(messages) = messages.and_then(Value::as_array) else {
        return String::new();
    };
    for message in messages.iter().rev() {
        if message.get("role").and_then(Value::as_str) != Some("user") {
            continue;
        }
        let text = message_text(message.get("content"));
        if !text.trim().is_empty() {
            return clean_prompt(&text);
        }
    }
    String::new()
}

/// The text of a message `content`: the string itself, or its blocks' `text` joined by spaces.
fn message_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

/// Whether the last user message in `messages` carries a tool result (Converse `toolResult`
/// block, Anthropic `{type:"tool_result"}` block), i.e. the tool already ran.
pub(crate) fn last_user_has_tool_result(messages: Option<&Value>) -> bool {
    let Some(last_user) = messages.and_then(Value::as_array).and_then(|m| {
        m.iter()
            .rev()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
    }) else {
        return false;
    };
    last_user
        .get("content")
        .and_then(Value::as_array)
        .is_some_and(|blocks| {
            blocks.iter().any(|b| {
                b.get("toolResult").is_some()
                    || b.get("type").and_then(Value::as_str) == Some("tool_result")
            })
        })
}

/// Counts the input words of request JSON, noting where the first cache marker is.
///
/// Counted: strings under `text`, `content`, `message`, `prompt`, `preamble`, `inputText`,
/// `system` (prompt templates cleaned first), and the compact JSON under `json`, `input`,
/// `arguments`, `parameters`. A Converse/Nova `cachePoint` block marks the cache boundary where
/// it stands; an Anthropic `cache_control` marks it after the block that carries it.
#[derive(Debug, Default)]
pub(crate) struct WordWalk {
    /// Words counted so far.
    pub(crate) total: u64,
    /// Words counted before the first cache marker, if one was seen.
    pub(crate) before_cache: Option<u64>,
}

impl WordWalk {
    /// Walks `value` (if present), adding to the counts.
    pub(crate) fn walk(&mut self, value: Option<&Value>) {
        match value {
            Some(Value::String(s)) => self.add_text(s),
            Some(value) => self.visit(value, 0),
            None => {}
        }
    }

    /// Adds the words of a plain string (e.g. one of Cohere's `texts`).
    pub(crate) fn add_text(&mut self, text: &str) {
        self.total += words(&clean_prompt(text));
    }

    fn mark(&mut self) {
        if self.before_cache.is_none() {
            self.before_cache = Some(self.total);
        }
    }

    fn visit(&mut self, value: &Value, depth: usize) {
        // Hostile inputs can nest deeply; nothing real goes this far.
        if depth > 64 {
            return;
        }
        match value {
            Value::Array(items) => {
                for item in items {
                    self.visit(item, depth + 1);
                }
            }
            Value::Object(map) => {
                if map.contains_key("cachePoint") {
                    self.mark();
                }
                for (key, v) in map {
                    match (key.as_str(), v) {
                        (
                            "text" | "content" | "message" | "prompt" | "preamble" | "inputText"
                            | "system",
                            Value::String(s),
                        ) => self.add_text(s),
                        ("json" | "input" | "arguments" | "parameters", v) => {
                            self.total += json_words(v);
                        }
                        (
                            "toolUseId" | "tool_use_id" | "tool_call_id" | "id" | "name" | "role"
                            | "type" | "status" | "format" | "cache_control" | "cachePoint",
                            _,
                        ) => {}
                        (_, v @ (Value::Array(_) | Value::Object(_))) => self.visit(v, depth + 1),
                        _ => {}
                    }
                }
                if map.contains_key("cache_control") {
                    self.mark();
                }
            }
            _ => {}
        }
    }

    /// `(cache_read, cache_write)`: words before the first cache marker and words after it
    /// (each at least 1), or `(0, 0)` without a marker.
    pub(crate) fn cache_tokens(&self) -> (u64, u64) {
        match self.before_cache {
            Some(before) => (before.max(1), (self.total - before).max(1)),
            None => (0, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cleans_templates() {
        let llama = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is OTLP?<|eot_id|><|start_header_id|>assistant<|end_header_id|>";
        assert_eq!(clean_prompt(llama), "What is OTLP?");
        assert_eq!(focus_of_prompt(llama), "What is OTLP?");
        let mistral = "<s>[INST] What does OTLP carry? [/INST]";
        assert_eq!(clean_prompt(mistral), "What does OTLP carry?");
        assert_eq!(
            focus_of_prompt("\n\nHuman: hi there\n\nAssistant:"),
            "hi there"
        );
        assert_eq!(
            focus_of_prompt("<｜begin▁of▁sentence｜><｜User｜>why<｜Assistant｜>"),
            "why"
        );
        assert_eq!(clean_prompt("<|unterminated"), "<|unterminated");
    }

    #[test]
    fn replies_and_deltas() {
        let reply = reply_text("anthropic", "What does the OTLP protocol carry?");
        assert_eq!(
            reply,
            "Fake anthropic answer about What does the OTLP protocol carry?"
        );
        assert_eq!(words(&reply), 10);
        assert_eq!(deltas(&reply).concat(), reply);
        assert_eq!(reply_text("x", "  "), "Fake x answer about nothing");
        let (a, b) = split_half("héllo");
        assert_eq!(format!("{a}{b}"), "héllo");
    }

    #[test]
    fn walks_words_and_cache_points() {
        let mut walk = WordWalk::default();
        walk.walk(Some(
            &json!([{"text": "You are terse."}, {"cachePoint": {"type": "default"}}]),
        ));
        walk.walk(Some(
            &json!([{"role": "user", "content": [{"text": "two words"}]}]),
        ));
        assert_eq!(walk.total, 5);
        assert_eq!(walk.cache_tokens(), (3, 2));

        let mut anthropic = WordWalk::default();
        anthropic.walk(Some(
            &json!([{"type": "text", "text": "a b c", "cache_control": {"type": "ephemeral"}}]),
        ));
        anthropic.walk(Some(&json!([{"role": "user", "content": "d"}])));
        assert_eq!(anthropic.cache_tokens(), (3, 1));

        let none = WordWalk::default();
        assert_eq!(none.cache_tokens(), (0, 0));
    }

    #[test]
    fn last_user_text_and_tool_results() {
        let messages = json!([
            {"role": "user", "content": [{"text": "first question"}]},
            {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t", "name": "n", "input": {}}}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": "t", "content": [{"text": "r"}]}}]}
        ]);
        assert_eq!(last_user_text(Some(&messages)), "first question");
        assert!(last_user_has_tool_result(Some(&messages)));
        assert!(!last_user_has_tool_result(Some(
            &json!([{"role": "user", "content": "hi"}])
        )));
        assert_eq!(last_user_text(Some(&json!("not an array"))), "");
    }
}
