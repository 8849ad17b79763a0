//! What `BedrockInterceptor` adds to a Bedrock call.
//!
//! ```text
//! cargo bench --bench bedrock
//! ```
//!
//! Two real `aws-sdk-bedrockruntime` clients, identical except that one has the interceptor, call
//! the testkit's `FakeBedrock` on loopback in the same run, alternately. The difference of the
//! medians is the instrumentation's added latency per call: the span (with its start and end
//! attributes), request and response body parsing, the trace headers, and the three histograms.
//! The global tracer provider records every span into a sink (the baggage span processor in
//! front, as `init()` installs it), so exporting costs nothing; content capture is off (the
//! default outside agent mode). The caller is inside a session, as an agent would be.
//!
//! The `invoke_agent` group does the same for Bedrock Agent Runtime `InvokeAgent` (traces on,
//! the stream read to its end), and the `aws_sdk` group for two non-GenAI calls against the
//! testkit's `FakeAws`: DynamoDB `GetItem` (the generic span plus the JSON body read for
//! `aws.dynamodb.table_names`) and S3 `GetObject` (the generic span, bucket and key from the path,
//! the extended request id).

use std::time::Duration;

use agentcore_observability::bedrock::BedrockInterceptor;
use agentcore_observability::opentelemetry::{global, Context};
use agentcore_observability::opentelemetry_sdk::error::OTelSdkResult;
use agentcore_observability::opentelemetry_sdk::metrics::data::ResourceMetrics;
use agentcore_observability::opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use agentcore_observability::opentelemetry_sdk::metrics::{
    PeriodicReader, SdkMeterProvider, Temporality,
};
use agentcore_observability::opentelemetry_sdk::trace::{
    SdkTracerProvider, Span, SpanData, SpanProcessor,
};
use agentcore_observability::session::{propagation, BaggageSpanProcessor, Session};
use agentcore_observability::Propagator;
use agentcore_observability_testkit::{FakeAws, FakeBedrock};
use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, InferenceConfiguration, Message, SystemContentBlock,
};
use aws_sdk_bedrockruntime::Client;
use criterion::{criterion_group, criterion_main, Criterion};

/// Drops every span: stands in for the exporting processor at zero cost.
#[derive(Debug)]
struct Sink;

impl SpanProcessor for Sink {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}
    fn on_end(&self, span: SpanData) {
        std::hint::black_box(span);
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// Never called within the bench (the export interval is an hour): recording is what is measured.
#[derive(Debug)]
struct MetricSink;

impl PushMetricExporter for MetricSink {
    async fn export(&self, _metrics: &ResourceMetrics) -> OTelSdkResult {
        Ok(())
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}

fn install_providers() -> (SdkTracerProvider, SdkMeterProvider) {
    let tracer = SdkTracerProvider::builder()
        .with_span_processor(BaggageSpanProcessor::new(Vec::<String>::new()))
        .with_span_processor(Sink)
        .build();
    let meter = SdkMeterProvider::builder()
        .with_reader(
            PeriodicReader::builder(MetricSink)
                .with_interval(Duration::from_secs(3600))
                .build(),
        )
        .build();
    global::set_tracer_provider(tracer.clone());
    global::set_meter_provider(meter.clone());
    global::set_text_map_propagator(propagation::composite(&[
        Propagator::Baggage,
        Propagator::XRay,
        Propagator::TraceContext,
    ]));
    (tracer, meter)
}

fn client(fake: &FakeBedrock, instrumented: bool) -> Client {
    let mut config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDBENCH",
            "bench/secret",
            None,
            None,
            "bench",
        ))
        .endpoint_url(fake.endpoint());
    if instrumented {
        config = config.interceptor(BedrockInterceptor::new());
    }
    Client::from_conf(config.build())
}

async fn converse(client: &Client) {
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(
            "What does the OTLP protocol carry?".into(),
        ))
        .build()
        .expect("message");
    let reply = client
        .converse()
        .model_id("anthropic.claude-3-haiku-20240307-v1:0")
        .system(SystemContentBlock::Text(
            "You are a terse assistant.".into(),
        ))
        .messages(message)
        .inference_config(
            InferenceConfiguration::builder()
                .max_tokens(200)
                .temperature(0.5)
                .top_p(0.9)
                .stop_sequences("STOP")
                .build(),
        )
        .send()
        .await
        .expect("converse");
    std::hint::black_box(reply);
}

fn bench_converse(c: &mut Criterion) {
    let (tracer, meter) = install_providers();
    let fake = FakeBedrock::start().expect("fake bedrock");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let plain = client(&fake, false);
    let instrumented = client(&fake, true);
    let session = Session::new("session-0001-6744c1d2a5f04b1e9c3d").user_type("premium");

    interleaved(&runtime, &session, &plain, &instrumented);

    let mut group = c.benchmark_group("converse");
    group.measurement_time(Duration::from_secs(10));
    group.sample_size(200);
    for (label, client) in [("uninstrumented", &plain), ("instrumented", &instrumented)] {
        // Warm both connections and the interceptor's lazily bound instruments.
        runtime.block_on(session.scope(converse(client)));
        group.bench_function(label, |b| {
            b.iter(|| runtime.block_on(session.scope(converse(client))));
        });
        fake.clear();
    }
    group.finish();
    drop(fake);
    let _ = tracer.shutdown();
    let _ = meter.shutdown();
}

/// The same comparison with the two clients alternating call by call, so load changes on the
/// machine hit both equally: prints the medians and the median of the per-pair differences.
fn interleaved(
    runtime: &tokio::runtime::Runtime,
    session: &Session,
    plain: &Client,
    instrumented: &Client,
) {
    const PAIRS: usize = 4000;
    let mut plain_times = Vec::with_capacity(PAIRS);
    let mut instrumented_times = Vec::with_capacity(PAIRS);
    let mut differences = Vec::with_capacity(PAIRS);
    for i in 0..PAIRS + 200 {
        let start = std::time::Instant::now();
        runtime.block_on(session.scope(converse(plain)));
        let p = start.elapsed();
        let start = std::time::Instant::now();
        runtime.block_on(session.scope(converse(instrumented)));
        let n = start.elapsed();
        if i >= 200 {
            plain_times.push(p.as_secs_f64());
            instrumented_times.push(n.as_secs_f64());
            differences.push(n.as_secs_f64() - p.as_secs_f64());
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2] * 1e6
    };
    println!(
        "converse/interleaved ({PAIRS} pairs): uninstrumented median {:.1} µs, instrumented \
         median {:.1} µs, median added latency {:.1} µs",
        median(&mut plain_times),
        median(&mut instrumented_times),
        median(&mut differences)
    );
}

fn agent_client(fake: &FakeBedrock, instrumented: bool) -> aws_sdk_bedrockagentruntime::Client {
    use aws_sdk_bedrockagentruntime::config as agent;
    let mut config = aws_sdk_bedrockagentruntime::Config::builder()
        .behavior_version(agent::BehaviorVersion::latest())
        .region(agent::Region::new("us-east-1"))
        .credentials_provider(agent::Credentials::new(
            "AKIDBENCH",
            "bench/secret",
            None,
            None,
            "bench",
        ))
        .endpoint_url(fake.endpoint());
    if instrumented {
        config = config.interceptor(BedrockInterceptor::new());
    }
    aws_sdk_bedrockagentruntime::Client::from_conf(config.build())
}

/// One `InvokeAgent` with traces, read to the end of its stream (6 trace events, 3 chunks).
async fn invoke_agent(client: &aws_sdk_bedrockagentruntime::Client) {
    let mut output = client
        .invoke_agent()
        .agent_id("AGENT12345")
        .agent_alias_id("TSTALIASID")
        .session_id("session-0001-6744c1d2a5f04b1e9c3d")
        .input_text("Book a table for two in Lisbon tonight")
        .enable_trace(true)
        .send()
        .await
        .expect("invoke agent");
    while let Some(event) = output.completion.recv().await.expect("event") {
        std::hint::black_box(event);
    }
}

/// `InvokeAgent` with and without the interceptor: the span over the stream, the frame decoding
/// on the side (trace usage, chunk timing) and the metrics.
fn bench_invoke_agent(c: &mut Criterion) {
    let (tracer, meter) = install_providers();
    let fake = FakeBedrock::start().expect("fake bedrock");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let plain = agent_client(&fake, false);
    let instrumented = agent_client(&fake, true);
    let session = Session::new("session-0001-6744c1d2a5f04b1e9c3d").user_type("premium");
    let mut group = c.benchmark_group("invoke_agent");
    group.measurement_time(Duration::from_secs(10));
    group.sample_size(100);
    for (label, client) in [("uninstrumented", &plain), ("instrumented", &instrumented)] {
        runtime.block_on(session.scope(invoke_agent(client)));
        group.bench_function(label, |b| {
            b.iter(|| runtime.block_on(session.scope(invoke_agent(client))));
        });
        fake.clear();
    }
    group.finish();
    drop(fake);
    let _ = tracer.shutdown();
    let _ = meter.shutdown();
}

fn aws_credentials() -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new("AKIDBENCH", "bench/secret", None, None, "bench")
}

fn dynamodb_client(fake: &FakeAws, instrumented: bool) -> aws_sdk_dynamodb::Client {
    use aws_sdk_dynamodb::config as ddb;
    let mut config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(ddb::BehaviorVersion::latest())
        .region(ddb::Region::new("us-east-1"))
        .credentials_provider(aws_credentials())
        .endpoint_url(fake.endpoint());
    if instrumented {
        config = config.interceptor(BedrockInterceptor::new());
    }
    aws_sdk_dynamodb::Client::from_conf(config.build())
}

fn s3_client(fake: &FakeAws, instrumented: bool) -> aws_sdk_s3::Client {
    use aws_sdk_s3::config as s3;
    let mut config = aws_sdk_s3::Config::builder()
        .behavior_version(s3::BehaviorVersion::latest())
        .region(s3::Region::new("us-east-1"))
        .credentials_provider(aws_credentials())
        .endpoint_url(fake.endpoint())
        .force_path_style(true);
    if instrumented {
        config = config.interceptor(BedrockInterceptor::new());
    }
    aws_sdk_s3::Client::from_conf(config.build())
}

async fn get_item(client: &aws_sdk_dynamodb::Client) {
    use aws_sdk_dynamodb::types::AttributeValue;
    let item = client
        .get_item()
        .table_name("Orders")
        .key("pk", AttributeValue::S("order-0001".into()))
        .send()
        .await
        .expect("get item");
    std::hint::black_box(item);
}

async fn get_object(client: &aws_sdk_s3::Client) {
    let object = client
        .get_object()
        .bucket("agent-artifacts")
        .key("reports/2026/summary.json")
        .send()
        .await
        .expect("get object");
    let body = object.body.collect().await.expect("body");
    std::hint::black_box(body);
}

/// Non-GenAI AWS SDK calls with and without the interceptor.
fn bench_aws_sdk(c: &mut Criterion) {
    use aws_sdk_dynamodb::types::AttributeValue;
    let (tracer, meter) = install_providers();
    let fake = FakeAws::start().expect("fake aws");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let session = Session::new("session-0001-6744c1d2a5f04b1e9c3d").user_type("premium");
    let (ddb_plain, ddb_instrumented) =
        (dynamodb_client(&fake, false), dynamodb_client(&fake, true));
    let (s3_plain, s3_instrumented) = (s3_client(&fake, false), s3_client(&fake, true));
    runtime.block_on(async {
        ddb_plain
            .put_item()
            .table_name("Orders")
            .item("pk", AttributeValue::S("order-0001".into()))
            .item("total", AttributeValue::N("42".into()))
            .send()
            .await
            .expect("put item");
        s3_plain
            .put_object()
            .bucket("agent-artifacts")
            .key("reports/2026/summary.json")
            .body(aws_sdk_s3::primitives::ByteStream::from_static(
                br#"{"trips":3,"budget":"medium"}"#,
            ))
            .send()
            .await
            .expect("put object");
    });
    let mut group = c.benchmark_group("aws_sdk");
    group.measurement_time(Duration::from_secs(10));
    group.sample_size(200);
    for (label, client) in [
        ("dynamodb_get_item/uninstrumented", &ddb_plain),
        ("dynamodb_get_item/instrumented", &ddb_instrumented),
    ] {
        runtime.block_on(session.scope(get_item(client)));
        group.bench_function(label, |b| {
            b.iter(|| runtime.block_on(session.scope(get_item(client))));
        });
        fake.clear();
    }
    for (label, client) in [
        ("s3_get_object/uninstrumented", &s3_plain),
        ("s3_get_object/instrumented", &s3_instrumented),
    ] {
        runtime.block_on(session.scope(get_object(client)));
        group.bench_function(label, |b| {
            b.iter(|| runtime.block_on(session.scope(get_object(client))));
        });
        fake.clear();
    }
    group.finish();
    drop(fake);
    let _ = tracer.shutdown();
    let _ = meter.shutdown();
}

criterion_group!(benches, bench_converse, bench_invoke_agent, bench_aws_sdk);
criterion_main!(benches);
