//! Shared helpers for the integration tests: a minimal blocking HTTP/1.1 client and
//! OTLP payload builders.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use agentcore_observability_testkit::opentelemetry_proto::tonic::{
    collector::{
        logs::v1::ExportLogsServiceRequest, metrics::v1::ExportMetricsServiceRequest,
        trace::v1::ExportTraceServiceRequest,
    },
    common::v1::{
        any_value::Value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
    },
    logs::v1::{LogRecord, ResourceLogs, ScopeLogs, SeverityNumber},
    metrics::v1::{
        metric::Data, number_data_point, AggregationTemporality, Gauge, Histogram,
        HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum,
    },
    resource::v1::Resource,
    trace::v1::{
        span::{Event, SpanKind},
        status::StatusCode,
        ResourceSpans, ScopeSpans, Span, Status,
    },
};
use flate2::{write::GzEncoder, Compression};

/// A parsed HTTP response.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 connection, kept alive across requests.
pub struct HttpConn {
    reader: BufReader<TcpStream>,
    host: String,
}

impl HttpConn {
    pub fn connect(addr: SocketAddr) -> std::io::Result<HttpConn> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        stream.set_write_timeout(Some(Duration::from_secs(20)))?;
        Ok(HttpConn {
            reader: BufReader::new(stream),
            host: addr.to_string(),
        })
    }

    /// The underlying stream (for tests that poke at the connection).
    pub fn stream(&self) -> &TcpStream {
        self.reader.get_ref()
    }

    /// Sends one request and reads its response (which must carry a content-length).
    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<RawResponse> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\n",
            self.host,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        stream.flush()?;
        self.read_response()
    }

    fn read_response(&mut self) -> std::io::Result<RawResponse> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some((name, value)) = trimmed.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body)?;
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

/// Sends one request on a fresh connection.
pub fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    HttpConn::connect(addr)
        .and_then(|mut conn| conn.send(method, path, headers, body))
        .expect("HTTP exchange with the receiver")
}

pub const PROTOBUF: &str = "application/x-protobuf";
pub const JSON: &str = "application/json";

/// How a test body is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    Protobuf,
    Json,
    GzipProtobuf,
    GzipJson,
}

impl Wire {
    pub const ALL: [Wire; 4] = [
        Wire::Protobuf,
        Wire::Json,
        Wire::GzipProtobuf,
        Wire::GzipJson,
    ];

    pub fn is_json(self) -> bool {
        matches!(self, Wire::Json | Wire::GzipJson)
    }

    pub fn is_gzip(self) -> bool {
        matches!(self, Wire::GzipProtobuf | Wire::GzipJson)
    }

    pub fn content_type(self) -> &'static str {
        if self.is_json() {
            JSON
        } else {
            PROTOBUF
        }
    }

    /// Encodes `message` for this wire format; returns the body and the plain length.
    pub fn encode<T: prost::Message + serde::Serialize>(self, message: &T) -> (Vec<u8>, usize) {
        let plain = if self.is_json() {
            serde_json::to_vec(message).expect("serialize OTLP/JSON")
        } else {
            message.encode_to_vec()
        };
        let len = plain.len();
        if self.is_gzip() {
            (gzip(&plain), len)
        } else {
            (plain, len)
        }
    }

    /// Sends `message` to `path` on a fresh connection.
    pub fn post<T: prost::Message + serde::Serialize>(
        self,
        addr: SocketAddr,
        path: &str,
        message: &T,
    ) -> (RawResponse, usize) {
        let (body, plain_len) = self.encode(message);
        let mut headers = vec![("content-type", self.content_type())];
        if self.is_gzip() {
            headers.push(("content-encoding", "gzip"));
        }
        (send(addr, "POST", path, &headers, &body), plain_len)
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

pub fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

pub fn s(value: &str) -> Value {
    Value::StringValue(value.to_owned())
}

pub fn resource(service: &str) -> Option<Resource> {
    Some(Resource {
        attributes: vec![
            kv("service.name", s(service)),
            kv("cloud.provider", s("aws")),
        ],
        ..Default::default()
    })
}

pub fn scope(name: &str, version: &str) -> Option<InstrumentationScope> {
    Some(InstrumentationScope {
        name: name.to_owned(),
        version: version.to_owned(),
        ..Default::default()
    })
}

pub const TRACE_ID: [u8; 16] = [
    0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c,
];
pub const TRACE_ID_HEX: &str = "5b8efff798038103d269b633813fc60c";
pub const ROOT_ID: [u8; 8] = [0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74];
pub const ROOT_ID_HEX: &str = "eee19b7ec3c1b174";
pub const CHILD_ID: [u8; 8] = [0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x73];
pub const CHILD_ID_HEX: &str = "eee19b7ec3c1b173";

/// Two spans of one trace: a root server span and a failed child client span.
pub fn trace_request() -> ExportTraceServiceRequest {
    let root = Span {
        trace_id: TRACE_ID.to_vec(),
        span_id: ROOT_ID.to_vec(),
        name: "invoke_agent".to_owned(),
        kind: SpanKind::Server as i32,
        start_time_unix_nano: 1_000_000_000,
        end_time_unix_nano: 1_250_000_000,
        attributes: vec![
            kv("gen_ai.operation.name", s("invoke_agent")),
            kv("gen_ai.usage.input_tokens", Value::IntValue(42)),
            kv("gen_ai.request.temperature", Value::DoubleValue(0.5)),
            kv("session.new", Value::BoolValue(true)),
        ],
        events: vec![Event {
            time_unix_nano: 1_100_000_000,
            name: "gen_ai.user.message".to_owned(),
            attributes: vec![kv("content", s("hello"))],
            ..Default::default()
        }],
        status: Some(Status {
            message: String::new(),
            code: StatusCode::Ok as i32,
        }),
        ..Default::default()
    };
    let child = Span {
        trace_id: TRACE_ID.to_vec(),
        span_id: CHILD_ID.to_vec(),
        parent_span_id: ROOT_ID.to_vec(),
        name: "chat claude".to_owned(),
        kind: SpanKind::Client as i32,
        start_time_unix_nano: 1_050_000_000,
        end_time_unix_nano: 1_200_000_000,
        status: Some(Status {
            message: "boom".to_owned(),
            code: StatusCode::Error as i32,
        }),
        ..Default::default()
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: resource("agent-svc"),
            scope_spans: vec![ScopeSpans {
                scope: scope("my.tracer", "1.2.3"),
                spans: vec![root, child],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// Two log records: a correlated string-body event, and an uncorrelated structured one.
pub fn logs_request() -> ExportLogsServiceRequest {
    let event = LogRecord {
        time_unix_nano: 1_000_000_000,
        severity_number: SeverityNumber::Info as i32,
        severity_text: "INFO".to_owned(),
        body: Some(AnyValue {
            value: Some(s("user said hi")),
        }),
        attributes: vec![
            kv("gen_ai.system", s("aws.bedrock")),
            kv("attempt", Value::IntValue(2)),
        ],
        trace_id: TRACE_ID.to_vec(),
        span_id: ROOT_ID.to_vec(),
        event_name: "gen_ai.user.message".to_owned(),
        ..Default::default()
    };
    let structured = LogRecord {
        severity_number: SeverityNumber::Error as i32,
        body: Some(AnyValue {
            value: Some(Value::KvlistValue(KeyValueList {
                values: vec![
                    kv("role", s("assistant")),
                    kv(
                        "parts",
                        Value::ArrayValue(ArrayValue {
                            values: vec![AnyValue {
                                value: Some(Value::IntValue(1)),
                            }],
                        }),
                    ),
                ],
            })),
        }),
        ..Default::default()
    };
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: resource("agent-svc"),
            scope_logs: vec![ScopeLogs {
                scope: scope("my.logger", "0.1.0"),
                log_records: vec![event, structured],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn int_point(value: i64, attrs: Vec<KeyValue>) -> NumberDataPoint {
    NumberDataPoint {
        attributes: attrs,
        start_time_unix_nano: 1_000_000_000,
        time_unix_nano: 2_000_000_000,
        value: Some(number_data_point::Value::AsInt(value)),
        ..Default::default()
    }
}

/// An int sum (two points, 3 + 4), a double sum, a gauge and a histogram.
pub fn metrics_request() -> ExportMetricsServiceRequest {
    let int_sum = Metric {
        name: "requests".to_owned(),
        unit: "{request}".to_owned(),
        description: "how many".to_owned(),
        data: Some(Data::Sum(Sum {
            data_points: vec![
                int_point(3, vec![kv("route", s("a"))]),
                int_point(4, vec![kv("route", s("b"))]),
            ],
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
            is_monotonic: true,
        })),
        ..Default::default()
    };
    let double_sum = Metric {
        name: "cost".to_owned(),
        unit: "USD".to_owned(),
        data: Some(Data::Sum(Sum {
            data_points: vec![NumberDataPoint {
                value: Some(number_data_point::Value::AsDouble(1.25)),
                ..Default::default()
            }],
            aggregation_temporality: AggregationTemporality::Delta as i32,
            is_monotonic: false,
        })),
        ..Default::default()
    };
    let gauge = Metric {
        name: "queue.depth".to_owned(),
        data: Some(Data::Gauge(Gauge {
            data_points: vec![int_point(9, Vec::new())],
        })),
        ..Default::default()
    };
    let histogram = Metric {
        name: "gen_ai.client.operation.duration".to_owned(),
        unit: "s".to_owned(),
        data: Some(Data::Histogram(Histogram {
            data_points: vec![HistogramDataPoint {
                count: 3,
                sum: Some(1.5),
                bucket_counts: vec![1, 2],
                explicit_bounds: vec![0.5],
                attributes: vec![kv("gen_ai.operation.name", s("chat"))],
                ..Default::default()
            }],
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
        })),
        ..Default::default()
    };
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: resource("agent-svc"),
            scope_metrics: vec![ScopeMetrics {
                scope: scope("my.meter", "2.0.0"),
                metrics: vec![int_sum, double_sum, gauge, histogram],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}
