//! Per-service attributes of the generic AWS SDK span: the resource a call works on (bucket,
//! table, queue, function, stream, topic, secret, state machine, agent, knowledge base …), read
//! from the serialized request (path, query, headers, body) and the response, as ADOT Python's
//! botocore extensions record them, plus the semantic-convention extras noted in
//! `docs/aws-sdk.md`.
//!
//! One entry point per moment of the call: [`ServiceCall::on_request`] when the request is
//! serialized, [`ServiceCall::on_transmit`] when the final URI is known (S3 only: the bucket is
//! added by endpoint resolution), [`ServiceCall::on_complete`] with the last response. Each family
//! is behind its own cargo feature; without it the service gets the generic span only. AgentCore's
//! ARN / ID attributes ([`crate::agentcore`]) go through here too, with no feature.
//!
//! Parsing is cheap and bounded: only services whose attributes live in the body read it, through
//! small serde structs of just the fields needed, bodies over [`MAX_BODY_BYTES`] are skipped, and
//! response bodies only when the SDK already holds them in memory (never a stream). Nothing here
//! panics on any input; a body that does not parse leaves its attributes out.

use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use opentelemetry::{KeyValue, StringValue, Value};

#[cfg(feature = "bedrock-agent")]
mod bedrock;
#[cfg(feature = "dynamodb")]
mod dynamodb;
#[cfg(feature = "kinesis")]
mod kinesis;
#[cfg(feature = "lambda")]
mod lambda;
#[cfg(feature = "s3")]
mod s3;
#[cfg(feature = "secretsmanager")]
mod secretsmanager;
#[cfg(feature = "sns")]
mod sns;
#[cfg(feature = "sqs")]
mod sqs;
#[cfg(feature = "stepfunctions")]
mod stepfunctions;

/// Largest request or response body parsed for attributes; larger ones are skipped.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The service families with attribute extractors, from the SDK's service id.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// No extractor (unknown service, or its feature is off).
    #[default]
    None,
    /// Bedrock AgentCore, data plane and control plane: the ARN / ID table of
    /// [`crate::agentcore`] (no feature: part of the AgentCore instrumentation).
    AgentCore,
    #[cfg(feature = "s3")]
    S3,
    #[cfg(feature = "dynamodb")]
    DynamoDb,
    #[cfg(feature = "sqs")]
    Sqs,
    #[cfg(feature = "sns")]
    Sns,
    #[cfg(feature = "lambda")]
    Lambda,
    #[cfg(feature = "kinesis")]
    Kinesis,
    #[cfg(feature = "secretsmanager")]
    SecretsManager,
    #[cfg(feature = "stepfunctions")]
    StepFunctions,
    #[cfg(feature = "bedrock-agent")]
    Bedrock,
    #[cfg(feature = "bedrock-agent")]
    BedrockAgent,
    #[cfg(feature = "bedrock-agent")]
    BedrockAgentRuntime,
}

impl Kind {
    /// From `Metadata::service()`: the service id the SDK's code generator used (botocore's
    /// `serviceId`).
    fn of(service_id: &str) -> Kind {
        match service_id {
            id if crate::operation::Service::of(id).is_agentcore() => Kind::AgentCore,
            #[cfg(feature = "s3")]
            "S3" => Kind::S3,
            #[cfg(feature = "dynamodb")]
            "DynamoDB" => Kind::DynamoDb,
            #[cfg(feature = "sqs")]
            "SQS" => Kind::Sqs,
            #[cfg(feature = "sns")]
            "SNS" => Kind::Sns,
            #[cfg(feature = "lambda")]
            "Lambda" => Kind::Lambda,
            #[cfg(feature = "kinesis")]
            "Kinesis" => Kind::Kinesis,
            #[cfg(feature = "secretsmanager")]
            "Secrets Manager" => Kind::SecretsManager,
            #[cfg(feature = "stepfunctions")]
            "SFN" => Kind::StepFunctions,
            #[cfg(feature = "bedrock-agent")]
            "Bedrock" => Kind::Bedrock,
            #[cfg(feature = "bedrock-agent")]
            "Bedrock Agent" => Kind::BedrockAgent,
            #[cfg(feature = "bedrock-agent")]
            "Bedrock Agent Runtime" => Kind::BedrockAgentRuntime,
            _ => Kind::None,
        }
    }
}

/// What one call's request side learned that its later moments need.
#[derive(Debug, Default)]
pub(crate) struct ServiceCall {
    kind: Kind,
    /// Whether a successful response body holds attributes (decided per operation).
    response_body: bool,
    /// Keys already recorded on the span: a key is never written twice.
    recorded: Vec<&'static str>,
    /// Attributes learned after the span started (the S3 bucket), set with the end batch.
    late: Vec<KeyValue>,
    /// S3: the serialized path (`/{Key}` or `/`), to find the bucket in the final URI.
    #[cfg(feature = "s3")]
    s3_path: Option<String>,
    /// `on_transmit` ran (it looks at the first attempt only).
    transmitted: bool,
}

impl ServiceCall {
    /// The request side: adds the service's request attributes to `attributes` (the span's start
    /// attributes) and returns what the response side needs.
    pub(crate) fn on_request(
        service_id: &str,
        operation: &str,
        request: &HttpRequest,
        attributes: &mut Vec<KeyValue>,
    ) -> ServiceCall {
        let mut call = ServiceCall {
            kind: Kind::of(service_id),
            ..ServiceCall::default()
        };
        if call.kind == Kind::None {
            return call;
        }
        let uri = request.uri();
        let exchange = Request {
            operation,
            path: crate::wire::path_of(uri),
            query: query_of(uri),
            headers: request.headers(),
            body: request.body().bytes().filter(|b| b.len() <= MAX_BODY_BYTES),
        };
        let mut out = Recorder {
            out: attributes,
            recorded: &mut call.recorded,
        };
        call.response_body = match call.kind {
            Kind::None => {
                // Unreachable (returned above); keeps a build without any service feature quiet.
                let _ = (&exchange, &mut out);
                false
            }
            Kind::AgentCore => crate::agentcore::request(
                &exchange,
                crate::operation::streams_blob(
                    crate::operation::Service::of(service_id),
                    operation,
                ),
                &mut out,
            ),
            #[cfg(feature = "s3")]
            Kind::S3 => {
                call.s3_path = Some(exchange.path.to_owned());
                s3::request(&exchange, &mut out);
                false
            }
            #[cfg(feature = "dynamodb")]
            Kind::DynamoDb => dynamodb::request(&exchange, &mut out),
            #[cfg(feature = "sqs")]
            Kind::Sqs => sqs::request(&exchange, &mut out),
            #[cfg(feature = "sns")]
            Kind::Sns => sns::request(&exchange, &mut out),
            #[cfg(feature = "lambda")]
            Kind::Lambda => lambda::request(&exchange, &mut out),
            #[cfg(feature = "kinesis")]
            Kind::Kinesis => kinesis::request(&exchange, &mut out),
            #[cfg(feature = "secretsmanager")]
            Kind::SecretsManager => secretsmanager::request(&exchange, &mut out),
            #[cfg(feature = "stepfunctions")]
            Kind::StepFunctions => stepfunctions::request(&exchange, &mut out),
            #[cfg(feature = "bedrock-agent")]
            Kind::Bedrock => bedrock::control_request(&exchange, &mut out),
            #[cfg(feature = "bedrock-agent")]
            Kind::BedrockAgent => bedrock::agent_request(&exchange, &mut out),
            #[cfg(feature = "bedrock-agent")]
            Kind::BedrockAgentRuntime => bedrock::agent_runtime_request(&exchange, &mut out),
        };
        call
    }

    /// The request as sent (after endpoint resolution and signing), first attempt only: for S3,
    /// the bucket from the virtual-hosted host name or the path-style path.
    pub(crate) fn on_transmit(&mut self, request: &HttpRequest) {
        if self.transmitted {
            return;
        }
        self.transmitted = true;
        #[cfg(feature = "s3")]
        if self.kind == Kind::S3 {
            let serialized = self.s3_path.take().unwrap_or_default();
            let mut out = Recorder {
                out: &mut self.late,
                recorded: &mut self.recorded,
            };
            s3::transmitted(request.uri(), &serialized, &mut out);
        }
        #[cfg(not(feature = "s3"))]
        let _ = request;
    }

    /// The end of the call: the attributes learned after the span started, then, from the last
    /// response, header attributes (any outcome) and body attributes (successful calls whose body
    /// is in memory). Keys already on the span are not written again.
    pub(crate) fn on_complete(
        &mut self,
        succeeded: bool,
        response: Option<&HttpResponse>,
        attributes: &mut Vec<KeyValue>,
    ) {
        attributes.append(&mut self.late);
        if self.kind == Kind::None {
            return;
        }
        let Some(response) = response else {
            return;
        };
        let body = if succeeded && self.response_body && response.status().is_success() {
            response
                .body()
                .bytes()
                .filter(|b| b.len() <= MAX_BODY_BYTES)
        } else {
            None
        };
        let exchange = Response {
            headers: response.headers(),
            body,
        };
        let mut out = Recorder {
            out: attributes,
            recorded: &mut self.recorded,
        };
        match self.kind {
            Kind::None => {
                let _ = (&exchange, &mut out);
            }
            Kind::AgentCore => crate::agentcore::response(&exchange, &mut out),
            #[cfg(feature = "s3")]
            Kind::S3 => s3::response(&exchange, &mut out),
            #[cfg(feature = "dynamodb")]
            Kind::DynamoDb => dynamodb::response(&exchange, &mut out),
            #[cfg(feature = "sqs")]
            Kind::Sqs => sqs::response(&exchange, &mut out),
            #[cfg(feature = "sns")]
            Kind::Sns => sns::response(&exchange, &mut out),
            #[cfg(feature = "lambda")]
            Kind::Lambda => lambda::response(&exchange, &mut out),
            #[cfg(feature = "kinesis")]
            Kind::Kinesis => kinesis::response(&exchange, &mut out),
            #[cfg(feature = "secretsmanager")]
            Kind::SecretsManager => secretsmanager::response(&exchange, &mut out),
            #[cfg(feature = "stepfunctions")]
            Kind::StepFunctions => stepfunctions::response(&exchange, &mut out),
            #[cfg(feature = "bedrock-agent")]
            Kind::Bedrock => bedrock::control_response(&exchange, &mut out),
            #[cfg(feature = "bedrock-agent")]
            Kind::BedrockAgent => bedrock::agent_response(&exchange, &mut out),
            #[cfg(feature = "bedrock-agent")]
            Kind::BedrockAgentRuntime => {}
        }
    }
}

/// The parts of a serialized request the extractors read.
#[allow(dead_code)] // which fields are read depends on the enabled services
pub(crate) struct Request<'a> {
    /// The operation name (`PutObject` …).
    pub(crate) operation: &'a str,
    /// The URI path, still percent-encoded (relative: endpoint resolution has not run yet).
    pub(crate) path: &'a str,
    /// The raw query string, if any.
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a aws_smithy_runtime_api::http::Headers,
    /// The body, when in memory and at most [`MAX_BODY_BYTES`].
    pub(crate) body: Option<&'a [u8]>,
}

impl Request<'_> {
    /// The body parsed as `T` (JSON), if there is one and it parses.
    #[allow(dead_code)]
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        parse_json(self.body)
    }

    /// The percent-decoded path segments.
    #[allow(dead_code)]
    pub(crate) fn segments(&self) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
        self.path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(crate::wire::percent_decode)
    }

    /// A query parameter, percent-decoded.
    #[allow(dead_code)]
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        form_value(self.query?.as_bytes(), name)
    }
}

/// The parts of the last response the extractors read.
#[allow(dead_code)]
pub(crate) struct Response<'a> {
    pub(crate) headers: &'a aws_smithy_runtime_api::http::Headers,
    /// The body of a successful response, when the operation's response holds attributes, the
    /// body is in memory, and it is at most [`MAX_BODY_BYTES`].
    pub(crate) body: Option<&'a [u8]>,
}

impl Response<'_> {
    /// The body parsed as `T` (JSON), if there is one and it parses.
    #[allow(dead_code)]
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        parse_json(self.body)
    }
}

#[allow(dead_code)]
fn parse_json<T: serde::de::DeserializeOwned>(body: Option<&[u8]>) -> Option<T> {
    let body = body.filter(|b| !b.is_empty() && b.len() <= MAX_BODY_BYTES)?;
    serde_json::from_slice(body).ok()
}

/// Collects attributes, each key at most once per span and never with an empty value.
pub(crate) struct Recorder<'a> {
    out: &'a mut Vec<KeyValue>,
    recorded: &'a mut Vec<&'static str>,
}

impl<'a> Recorder<'a> {
    /// A recorder adding to `out`, skipping the keys in `recorded` (and recording there the
    /// ones it adds).
    #[cfg(test)]
    pub(crate) fn new(out: &'a mut Vec<KeyValue>, recorded: &'a mut Vec<&'static str>) -> Self {
        Recorder { out, recorded }
    }
}

#[allow(dead_code)] // which setters are used depends on the enabled services
impl Recorder<'_> {
    /// Whether `key` is already on the span (or in this batch).
    pub(crate) fn has(&self, key: &'static str) -> bool {
        self.recorded.contains(&key)
    }

    fn claim(&mut self, key: &'static str) -> bool {
        if self.has(key) {
            return false;
        }
        self.recorded.push(key);
        true
    }

    /// A string attribute; empty values and keys already recorded are skipped.
    pub(crate) fn str(&mut self, key: &'static str, value: impl AsRef<str>) {
        let value = value.as_ref();
        if value.is_empty() || !self.claim(key) {
            return;
        }
        self.out
            .push(KeyValue::new(key, Value::String(value.to_owned().into())));
    }

    /// [`str`](Self::str) of an optional value.
    pub(crate) fn opt_str(&mut self, key: &'static str, value: Option<impl AsRef<str>>) {
        if let Some(value) = value {
            self.str(key, value);
        }
    }

    /// A string-array attribute (empty strings dropped; nothing when none is left).
    pub(crate) fn strings(&mut self, key: &'static str, values: Vec<String>) {
        let values: Vec<StringValue> = values
            .into_iter()
            .filter(|v| !v.is_empty())
            .map(StringValue::from)
            .collect();
        if values.is_empty() || !self.claim(key) {
            return;
        }
        self.out
            .push(KeyValue::new(key, Value::Array(values.into())));
    }

    /// An integer attribute.
    pub(crate) fn i64(&mut self, key: &'static str, value: i64) {
        if self.claim(key) {
            self.out.push(KeyValue::new(key, value));
        }
    }
}

/// The raw query of a URI (absolute or relative), without the fragment.
fn query_of(uri: &str) -> Option<&str> {
    let (_, query) = uri.split_once('?')?;
    let query = query.split('#').next().unwrap_or(query);
    (!query.is_empty()).then_some(query)
}

/// The first value of `name` in an `application/x-www-form-urlencoded` string (a query string or
/// an awsQuery body), decoded (`+` is a space).
pub(crate) fn form_value(form: &[u8], name: &str) -> Option<String> {
    let form = std::str::from_utf8(form).ok()?;
    form.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (form_decode(key) == name).then(|| form_decode(value))
    })
}

fn form_decode(s: &str) -> String {
    if s.contains('+') {
        crate::wire::percent_decode(&s.replace('+', " ")).into_owned()
    } else {
        crate::wire::percent_decode(s).into_owned()
    }
}

/// Whether `s` is an ARN (`arn:partition:service:…`).
#[allow(dead_code)]
pub(crate) fn is_arn(s: &str) -> bool {
    s.starts_with("arn:") && s.split(':').count() >= 6
}

/// The service of an ARN (`arn:aws:secretsmanager:…` → `secretsmanager`).
#[allow(dead_code)]
pub(crate) fn arn_service(s: &str) -> Option<&str> {
    if !is_arn(s) {
        return None;
    }
    s.split(':').nth(2)
}

#[cfg(test)]
#[allow(dead_code)] // which helpers are used depends on the enabled services
pub(crate) mod test_support {
    //! Builds smithy requests and responses as the SDKs serialize them, and reads attributes back.

    use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use opentelemetry::{KeyValue, Value};

    use super::ServiceCall;

    /// A serialized request (relative URI, as `read_after_serialization` sees it).
    pub(crate) fn http_request(
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpRequest {
        let mut request = HttpRequest::new(SdkBody::from(body.to_vec()));
        request.set_method(method).expect("method");
        request.set_uri(uri).expect("uri");
        for (name, value) in headers {
            request
                .headers_mut()
                .insert(name.to_string(), value.to_string());
        }
        request
    }

    /// A response with `status`, `headers` and an in-memory `body`.
    pub(crate) fn http_response(
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpResponse {
        let mut response = HttpResponse::new(
            StatusCode::try_from(status).expect("status"),
            SdkBody::from(body.to_vec()),
        );
        for (name, value) in headers {
            response
                .headers_mut()
                .insert(name.to_string(), value.to_string());
        }
        response
    }

    /// Runs a call through the three moments; returns (start attributes, end attributes).
    pub(crate) fn run(
        service: &str,
        operation: &str,
        request: &HttpRequest,
        transmitted: Option<&HttpRequest>,
        response: Option<&HttpResponse>,
    ) -> (Vec<KeyValue>, Vec<KeyValue>) {
        let mut start = Vec::new();
        let mut call = ServiceCall::on_request(service, operation, request, &mut start);
        if let Some(t) = transmitted {
            call.on_transmit(t);
        }
        let mut end = Vec::new();
        let ok = response.is_some_and(|r| r.status().is_success());
        call.on_complete(ok, response, &mut end);
        (start, end)
    }

    /// An AWS JSON-protocol call as the SDKs send it (`POST /`, `X-Amz-Target: {prefix}.{op}`,
    /// JSON `json_version` 1.0 or 1.1), answered 200 with `answer`.
    pub(crate) fn json_call(
        service: &str,
        target_prefix: &str,
        json_version: &str,
        op: &str,
        body: &str,
        answer: &str,
    ) -> (Vec<KeyValue>, Vec<KeyValue>) {
        let content_type = format!("application/x-amz-json-{json_version}");
        let target = format!("{target_prefix}.{op}");
        let request = http_request(
            "POST",
            "/",
            &[("content-type", &content_type), ("x-amz-target", &target)],
            body.as_bytes(),
        );
        let response = http_response(200, &[("x-amzn-requestid", "R")], answer.as_bytes());
        run(service, op, &request, None, Some(&response))
    }

    /// The string value of `key`.
    pub(crate) fn get<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
        attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .and_then(|kv| match &kv.value {
                Value::String(s) => Some(s.as_str()),
                _ => None,
            })
    }

    /// The string-array value of `key`.
    pub(crate) fn get_strings(attributes: &[KeyValue], key: &str) -> Option<Vec<String>> {
        attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .and_then(|kv| match &kv.value {
                Value::Array(opentelemetry::Array::String(v)) => {
                    Some(v.iter().map(|s| s.as_str().to_owned()).collect())
                }
                _ => None,
            })
    }

    /// The integer value of `key`.
    pub(crate) fn get_i64(attributes: &[KeyValue], key: &str) -> Option<i64> {
        attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .and_then(|kv| match &kv.value {
                Value::I64(v) => Some(*v),
                _ => None,
            })
    }

    /// Asserts no key appears twice across both batches.
    pub(crate) fn assert_unique(start: &[KeyValue], end: &[KeyValue]) {
        let mut keys: Vec<&str> = start.iter().chain(end).map(|kv| kv.key.as_str()).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate keys in {start:?} / {end:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn form_values_decode() {
        let body = b"Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Aorders&Message=hello+world";
        assert_eq!(
            form_value(body, "TopicArn").as_deref(),
            Some("arn:aws:sns:us-east-1:123456789012:orders")
        );
        assert_eq!(form_value(body, "Message").as_deref(), Some("hello world"));
        assert_eq!(form_value(body, "Missing"), None);
        assert_eq!(form_value(b"flag", "flag").as_deref(), Some(""));
        assert_eq!(form_value(&[0xff, 0xfe], "x"), None);
    }

    #[test]
    fn queries_and_arns() {
        assert_eq!(query_of("/k?x-id=GetObject#f"), Some("x-id=GetObject"));
        assert_eq!(query_of("/k?"), None);
        assert_eq!(query_of("/k"), None);
        assert!(is_arn("arn:aws:sqs:us-east-1:123456789012:q"));
        assert!(!is_arn("arn:aws"));
        assert_eq!(
            arn_service("arn:aws-cn:secretsmanager:cn-north-1:1:secret:x"),
            Some("secretsmanager")
        );
    }

    #[test]
    fn unknown_services_get_nothing() {
        let request = http_request("POST", "/", &[], br#"{"TableName":"t"}"#);
        let response = http_response(200, &[("x-amz-id-2", "abc")], b"{}");
        let (start, end) = run("EC2", "DescribeInstances", &request, None, Some(&response));
        assert!(start.is_empty() && end.is_empty());
    }

    #[test]
    fn recorder_skips_empty_and_repeated_keys() {
        let mut out = Vec::new();
        let mut recorded = Vec::new();
        let mut r = Recorder {
            out: &mut out,
            recorded: &mut recorded,
        };
        r.str("a", "");
        r.str("a", "1");
        r.str("a", "2");
        r.strings("b", vec![String::new()]);
        r.strings("b", vec!["x".into(), String::new()]);
        r.i64("c", 3);
        r.i64("c", 4);
        assert_eq!(
            out,
            vec![
                KeyValue::new("a", "1"),
                KeyValue::new("b", Value::Array(vec![StringValue::from("x")].into())),
                KeyValue::new("c", 3),
            ]
        );
    }
}
