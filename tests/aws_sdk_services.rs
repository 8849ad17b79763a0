//! Any AWS SDK client, end to end: real `aws-sdk-s3`, `aws-sdk-dynamodb` and `aws-sdk-sqs`
//! clients with `AwsSdkInterceptor`, against the testkit's `FakeAws`, exporting to an
//! `OtlpReceiver`. Asserts on the decoded OTLP spans (`{service}.{operation}` names, kind, the
//! rpc / aws / server attributes, request ids, each service's attributes, errors, retries,
//! parent and child) and on the trace context the fake received.

mod common;

use std::time::Duration;

use agentcore_observability::bedrock::attributes as attr;
use agentcore_observability::bedrock::{AwsSdkInterceptor, BedrockInterceptor};
use agentcore_observability::opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _};
use agentcore_observability::opentelemetry::Context;
use agentcore_observability::prelude::Session;
use agentcore_observability::ObservabilityGuard;
use agentcore_observability_testkit::opentelemetry_proto::tonic::common::v1::any_value::Value as ProtoValue;
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::span::SpanKind as ProtoKind;
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use agentcore_observability_testkit::{
    AwsRequest, AwsResponse, FakeAws, OtlpReceiver, ReceivedSpan,
};

const WAIT: Duration = Duration::from_secs(10);
const REGION: &str = "us-west-2";
const BUCKET: &str = "travel-docs";
const TABLE: &str = "Bookings";
const QUEUE: &str = "booking-events";
const SESSION: &str = "aws-sdk-services-session-0000000000000001";

fn init(receiver: &OtlpReceiver) -> ObservabilityGuard {
    let config = common::builder_for(
        receiver,
        &[
            ("OTEL_SERVICE_NAME", "aws-sdk-test-agent"),
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ],
    )
    .finish()
    .expect("config");
    agentcore_observability::init_with(config).expect("init")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn credentials() -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new("AKIDAWSSDKTEST", "secret", None, None, "tests")
}

fn s3_client(fake: &FakeAws) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(REGION))
        .credentials_provider(credentials())
        .endpoint_url(fake.endpoint())
        .force_path_style(true)
        .retry_config(
            aws_sdk_s3::config::retry::RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(20)),
        )
        .interceptor(AwsSdkInterceptor::new())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

fn dynamodb_client(fake: &FakeAws) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new(REGION))
        .credentials_provider(credentials())
        .endpoint_url(fake.endpoint())
        .retry_config(
            aws_sdk_dynamodb::config::retry::RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(20)),
        )
        // The old name is the same type.
        .interceptor(BedrockInterceptor::new())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

fn sqs_client(fake: &FakeAws) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .region(aws_sdk_sqs::config::Region::new(REGION))
        .credentials_provider(credentials())
        .endpoint_url(fake.endpoint())
        .retry_config(
            aws_sdk_sqs::config::retry::RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(20)),
        )
        .interceptor(AwsSdkInterceptor::new())
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

/// Runs `f` inside a caller span (and a session), returning the caller's span id and trace id.
fn as_caller<T>(name: &str, f: impl std::future::Future<Output = T>) -> (T, String, String) {
    let root = agentcore_observability::tracer("caller-agent").start(name.to_owned());
    let span_id = root.span_context().span_id().to_string();
    let trace_id = root.span_context().trace_id().to_string();
    let cx = Context::current_with_span(root);
    let out = {
        let _attached = cx.clone().attach();
        runtime().block_on(Session::new(SESSION).scope(f))
    };
    cx.span().end();
    (out, span_id, trace_id)
}

fn one<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    let matching: Vec<&ReceivedSpan> = spans.iter().filter(|s| s.name() == name).collect();
    assert_eq!(
        matching.len(),
        1,
        "exactly one span {name:?} in {:?}",
        spans.iter().map(ReceivedSpan::name).collect::<Vec<_>>()
    );
    matching[0]
}

fn strings(span: &ReceivedSpan, key: &str) -> Option<Vec<String>> {
    match span.attr(key)?.value.as_ref()? {
        ProtoValue::ArrayValue(array) => Some(
            array
                .values
                .iter()
                .filter_map(|v| match &v.value {
                    Some(ProtoValue::StringValue(s)) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The attributes every AWS SDK span has, and the trace context the request carried.
fn assert_generic(
    span: &ReceivedSpan,
    fake: &FakeAws,
    request: &AwsRequest,
    service: &str,
    operation: &str,
    caller: (&str, &str),
) {
    let (parent, trace_id) = caller;
    assert_eq!(span.name(), format!("{service}.{operation}"));
    assert_eq!(span.kind(), ProtoKind::Client);
    assert_eq!(span.trace_id_hex(), trace_id);
    assert_eq!(span.parent_span_id_hex().as_deref(), Some(parent));
    for (key, want) in [
        (attr::RPC_SYSTEM, "aws-api"),
        (attr::RPC_SERVICE, service),
        (attr::RPC_METHOD, operation),
        (attr::AWS_REGION, REGION),
        (attr::SERVER_ADDRESS, "127.0.0.1"),
        (attr::AWS_REQUEST_ID, request.request_id.as_str()),
        ("session.id", SESSION),
    ] {
        assert_eq!(span.attr_str(key), Some(want), "{} {key}", span.name());
    }
    assert_eq!(
        span.attr_i64(attr::SERVER_PORT),
        Some(i64::from(fake.local_addr().port()))
    );
    assert_eq!(
        span.attr_i64(attr::HTTP_STATUS_CODE),
        Some(i64::from(request.status))
    );
    // The request carried the span's context: W3C, X-Ray and the caller's baggage.
    let span_id = span.span_id_hex();
    assert_eq!(
        request.traceparent(),
        Some(format!("00-{trace_id}-{span_id}-01").as_str()),
        "{}",
        span.name()
    );
    let xray = request.xray_trace_id().expect("X-Amzn-Trace-Id");
    assert_eq!(
        xray,
        format!(
            "Root=1-{}-{};Parent={span_id};Sampled=1",
            &trace_id[..8],
            &trace_id[8..]
        )
    );
    let baggage = request.baggage().expect("baggage");
    assert!(
        baggage.contains(&format!("session.id={SESSION}")),
        "{baggage}"
    );
}

#[test]
fn s3_objects_get_bucket_key_and_request_ids() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeAws::start().expect("fake");
    let guard = init(&receiver);
    let client = s3_client(&fake);

    let (body, parent, trace_id) = as_caller("plan trip", async {
        client
            .put_object()
            .bucket(BUCKET)
            .key("itineraries/lisbon 2026.json")
            .content_type("application/json")
            .body(aws_sdk_s3::primitives::ByteStream::from_static(
                br#"{"city":"Lisbon"}"#,
            ))
            .send()
            .await
            .expect("put");
        let output = client
            .get_object()
            .bucket(BUCKET)
            .key("itineraries/lisbon 2026.json")
            .send()
            .await
            .expect("get");
        let missing = client
            .get_object()
            .bucket(BUCKET)
            .key("itineraries/missing.json")
            .send()
            .await
            .expect_err("no such key");
        assert!(
            missing
                .as_service_error()
                .is_some_and(|e| e.is_no_such_key()),
            "{missing:?}"
        );
        output.body.collect().await.expect("body").into_bytes()
    });
    assert_eq!(&body[..], br#"{"city":"Lisbon"}"#);
    assert_eq!(
        fake.object(BUCKET, "itineraries/lisbon 2026.json")
            .as_deref(),
        Some(&br#"{"city":"Lisbon"}"#[..])
    );
    guard.shutdown().expect("shutdown");

    let requests = fake.requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    let spans = receiver.wait_for_spans(4, WAIT);
    let caller = (parent.as_str(), trace_id.as_str());

    let put = one(&spans, "S3.PutObject");
    assert_generic(put, &fake, &requests[0], "S3", "PutObject", caller);
    let get = spans
        .iter()
        .find(|s| {
            s.name() == "S3.GetObject"
                && s.attr_str(attr::S3_KEY) == Some("itineraries/lisbon 2026.json")
        })
        .expect("GetObject span");
    assert_generic(get, &fake, &requests[1], "S3", "GetObject", caller);
    for span in [put, get] {
        assert_eq!(span.attr_str(attr::S3_BUCKET), Some(BUCKET));
        assert_eq!(
            span.attr_str(attr::S3_KEY),
            Some("itineraries/lisbon 2026.json")
        );
        assert_eq!(span.attr_i64(attr::RETRY_ATTEMPTS), Some(0));
        assert_eq!(span.status_code(), StatusCode::Unset);
        assert_eq!(span.attr(attr::ERROR_TYPE), None);
    }
    // S3's request id header, and the host id as the extended request id.
    assert!(requests[0]
        .request_id
        .starts_with("00000000-0000-4000-8000-"));
    assert_eq!(
        put.attr_str(attr::AWS_EXTENDED_REQUEST_ID),
        Some("FakeHostId/0000000000000001")
    );
    assert_eq!(
        get.attr_str(attr::AWS_EXTENDED_REQUEST_ID),
        Some("FakeHostId/0000000000000002")
    );

    // The missing key: an S3 XML error.
    let missing = spans
        .iter()
        .find(|s| s.attr_str(attr::S3_KEY) == Some("itineraries/missing.json"))
        .expect("the failed GetObject span");
    assert_generic(missing, &fake, &requests[2], "S3", "GetObject", caller);
    assert_eq!(missing.status_code(), StatusCode::Error);
    assert_eq!(missing.attr_str(attr::ERROR_TYPE), Some("NoSuchKey"));
    assert_eq!(missing.attr_i64(attr::HTTP_STATUS_CODE), Some(404));
    assert_eq!(missing.attr_str(attr::S3_BUCKET), Some(BUCKET));
    assert!(
        missing
            .status_message()
            .contains("The specified key does not exist."),
        "{}",
        missing.status_message()
    );
}

#[test]
fn dynamodb_tables_arns_errors_and_retries() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeAws::start().expect("fake");
    let guard = init(&receiver);
    let client = dynamodb_client(&fake);
    use aws_sdk_dynamodb::types::AttributeValue;

    let (item, parent, trace_id) = as_caller("book trip", async {
        client
            .put_item()
            .table_name(TABLE)
            .item("pk", AttributeValue::S("booking-1".into()))
            .item("city", AttributeValue::S("Lisbon".into()))
            .send()
            .await
            .expect("put");
        // A 500 first: retried, then answered.
        fake.respond_to(
            "GetItem",
            AwsResponse::json_error(
                500,
                "com.amazonaws.dynamodb.v20120810#InternalServerError",
                "Internal server error",
            ),
        );
        let item = client
            .get_item()
            .table_name(TABLE)
            .key("pk", AttributeValue::S("booking-1".into()))
            .send()
            .await
            .expect("get after a retry");
        client
            .describe_table()
            .table_name(TABLE)
            .send()
            .await
            .expect("describe");
        fake.respond_to(
            "DescribeTable",
            AwsResponse::json_error(
                400,
                "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                "Requested resource not found: Table: Missing not found",
            ),
        );
        let missing = client
            .describe_table()
            .table_name("Missing")
            .send()
            .await
            .expect_err("missing table");
        assert!(
            missing
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()),
            "{missing:?}"
        );
        client
            .transact_write_items()
            .transact_items(
                aws_sdk_dynamodb::types::TransactWriteItem::builder()
                    .put(
                        aws_sdk_dynamodb::types::Put::builder()
                            .table_name(TABLE)
                            .item("pk", AttributeValue::S("booking-2".into()))
                            .build()
                            .expect("put"),
                    )
                    .build(),
            )
            .transact_items(
                aws_sdk_dynamodb::types::TransactWriteItem::builder()
                    .update(
                        aws_sdk_dynamodb::types::Update::builder()
                            .table_name("Seats")
                            .key("pk", AttributeValue::S("flight-1".into()))
                            .update_expression("SET free = free - :one")
                            .expression_attribute_values(":one", AttributeValue::N("1".into()))
                            .build()
                            .expect("update"),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("transaction");
        item.item
    });
    let item = item.expect("the stored item");
    assert_eq!(item.get("city"), Some(&AttributeValue::S("Lisbon".into())));
    guard.shutdown().expect("shutdown");

    let requests = fake.requests();
    let ops: Vec<_> = requests
        .iter()
        .map(|r| r.operation.as_deref().unwrap_or("?"))
        .collect();
    assert_eq!(
        ops,
        [
            "PutItem",
            "GetItem",
            "GetItem",
            "DescribeTable",
            "DescribeTable",
            "TransactWriteItems"
        ]
    );
    let spans = receiver.wait_for_spans(6, WAIT);
    let caller = (parent.as_str(), trace_id.as_str());

    let put = one(&spans, "DynamoDB.PutItem");
    assert_generic(put, &fake, &requests[0], "DynamoDB", "PutItem", caller);
    assert_eq!(
        strings(put, attr::DYNAMODB_TABLE_NAMES),
        Some(vec![TABLE.to_owned()])
    );

    // Retried: both attempts carried the same span's context; the last one's id and status.
    let get = one(&spans, "DynamoDB.GetItem");
    assert_generic(get, &fake, &requests[2], "DynamoDB", "GetItem", caller);
    assert_eq!(requests[1].status, 500);
    assert_eq!(requests[1].traceparent(), requests[2].traceparent());
    assert_eq!(get.attr_i64(attr::RETRY_ATTEMPTS), Some(1));
    assert_eq!(get.attr_i64(attr::HTTP_STATUS_CODE), Some(200));
    assert_eq!(get.status_code(), StatusCode::Unset);
    assert_eq!(
        strings(get, attr::DYNAMODB_TABLE_NAMES),
        Some(vec![TABLE.to_owned()])
    );

    let describes: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|s| s.name() == "DynamoDB.DescribeTable")
        .collect();
    assert_eq!(describes.len(), 2);
    let (found, missing) = if describes[0].status_code() == StatusCode::Error {
        (describes[1], describes[0])
    } else {
        (describes[0], describes[1])
    };
    assert_generic(
        found,
        &fake,
        &requests[3],
        "DynamoDB",
        "DescribeTable",
        caller,
    );
    assert_eq!(
        found.attr_str(attr::DYNAMODB_TABLE_ARN),
        Some(format!("arn:aws:dynamodb:{REGION}:123456789012:table/{TABLE}").as_str())
    );
    assert_generic(
        missing,
        &fake,
        &requests[4],
        "DynamoDB",
        "DescribeTable",
        caller,
    );
    assert_eq!(missing.status_code(), StatusCode::Error);
    assert_eq!(
        missing.attr_str(attr::ERROR_TYPE),
        Some("ResourceNotFoundException")
    );
    assert_eq!(missing.attr_i64(attr::HTTP_STATUS_CODE), Some(400));
    assert_eq!(missing.attr_i64(attr::RETRY_ATTEMPTS), Some(0));
    assert_eq!(missing.attr(attr::DYNAMODB_TABLE_ARN), None);
    assert_eq!(
        strings(missing, attr::DYNAMODB_TABLE_NAMES),
        Some(vec!["Missing".to_owned()])
    );
    assert!(missing
        .event_attr_str("exception", "exception.message")
        .is_some_and(|m| m.contains("Table: Missing not found")));

    let transaction = one(&spans, "DynamoDB.TransactWriteItems");
    assert_eq!(
        strings(transaction, attr::DYNAMODB_TABLE_NAMES),
        Some(vec![TABLE.to_owned(), "Seats".to_owned()])
    );
}

#[test]
fn sqs_queues_and_messages() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeAws::start().expect("fake");
    let guard = init(&receiver);
    let client = sqs_client(&fake);

    let ((url, message_id), parent, trace_id) = as_caller("notify", async {
        let url = client
            .get_queue_url()
            .queue_name(QUEUE)
            .send()
            .await
            .expect("queue url")
            .queue_url
            .expect("url");
        let sent = client
            .send_message()
            .queue_url(&url)
            .message_body("booking-1 confirmed")
            .send()
            .await
            .expect("send");
        fake.respond_to(
            "GetQueueUrl",
            AwsResponse::json_error(
                400,
                "com.amazonaws.sqs#QueueDoesNotExist",
                "The specified queue does not exist.",
            )
            .header(
                "x-amzn-query-error",
                "AWS.SimpleQueueService.NonExistentQueue;Sender",
            ),
        );
        let missing = client
            .get_queue_url()
            .queue_name("no-such-queue")
            .send()
            .await
            .expect_err("missing queue");
        assert!(
            missing
                .as_service_error()
                .is_some_and(|e| e.is_queue_does_not_exist()),
            "{missing:?}"
        );
        (url, sent.message_id.expect("message id"))
    });
    assert_eq!(
        url,
        format!("http://{}/123456789012/{QUEUE}", fake.local_addr())
    );
    assert_eq!(fake.messages(QUEUE), ["booking-1 confirmed"]);
    guard.shutdown().expect("shutdown");

    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    let spans = receiver.wait_for_spans(4, WAIT);
    let caller = (parent.as_str(), trace_id.as_str());

    let get_urls: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|s| s.name() == "SQS.GetQueueUrl")
        .collect();
    assert_eq!(get_urls.len(), 2);
    let found = get_urls
        .iter()
        .find(|s| s.attr_str(attr::SQS_QUEUE_NAME) == Some(QUEUE))
        .expect("GetQueueUrl span");
    assert_generic(found, &fake, &requests[0], "SQS", "GetQueueUrl", caller);
    assert_eq!(found.attr_str(attr::SQS_QUEUE_URL), Some(url.as_str()));
    assert_eq!(found.attr_str(attr::MESSAGING_SYSTEM), Some("aws_sqs"));
    assert_eq!(
        found.attr_str(attr::MESSAGING_DESTINATION_NAME),
        Some(QUEUE)
    );

    let send = one(&spans, "SQS.SendMessage");
    assert_generic(send, &fake, &requests[1], "SQS", "SendMessage", caller);
    assert_eq!(send.attr_str(attr::SQS_QUEUE_URL), Some(url.as_str()));
    assert_eq!(send.attr_str(attr::SQS_QUEUE_NAME), Some(QUEUE));
    assert_eq!(send.attr_str(attr::MESSAGING_DESTINATION_NAME), Some(QUEUE));
    assert_eq!(
        send.attr_str(attr::MESSAGING_MESSAGE_ID),
        Some(message_id.as_str())
    );

    let missing = get_urls
        .iter()
        .find(|s| s.attr_str(attr::SQS_QUEUE_NAME) == Some("no-such-queue"))
        .expect("the failed GetQueueUrl span");
    assert_generic(missing, &fake, &requests[2], "SQS", "GetQueueUrl", caller);
    assert_eq!(missing.status_code(), StatusCode::Error);
    assert_eq!(
        missing.attr_str(attr::ERROR_TYPE),
        Some("QueueDoesNotExist")
    );
    assert_eq!(missing.attr(attr::SQS_QUEUE_URL), None);
}

#[test]
fn clients_built_without_a_caller_span_start_their_own_trace() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeAws::start().expect("fake");
    let guard = init(&receiver);
    let client = s3_client(&fake);
    runtime()
        .block_on(client.list_objects_v2().bucket(BUCKET).send())
        .expect("list");
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(1, WAIT);
    let list = one(&spans, "S3.ListObjectsV2");
    assert_eq!(list.parent_span_id_hex(), None);
    assert_eq!(list.attr_str(attr::S3_BUCKET), Some(BUCKET));
    assert_eq!(list.attr(attr::S3_KEY), None);
    let request = &fake.requests()[0];
    assert_eq!(
        request.traceparent(),
        Some(format!("00-{}-{}-01", list.trace_id_hex(), list.span_id_hex()).as_str())
    );
    assert_eq!(request.baggage(), None);
}
