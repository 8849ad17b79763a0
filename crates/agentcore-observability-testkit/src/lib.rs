//! Test support for `agentcore-observability`: an in-process OTLP/HTTP receiver.
//!
//! [`OtlpReceiver::start`] listens on a loopback port and records every OTLP/HTTP export
//! sent to it (protobuf or JSON, optionally gzip-compressed), so tests and examples can
//! assert on exactly what went over the wire. It can also be scripted to answer with
//! errors, headers or delays ([`PlannedResponse`]). With the `grpc` feature,
//! `OtlpReceiver::start_grpc` does the same for OTLP over gRPC.
//!
//! [`verify_sigv4`] (or [`SigV4Check`]) recomputes the AWS SigV4 signature of a recorded
//! request from the specification, independently of the `aws-sigv4` crate the exporter signs
//! with.
//!
//! The same receiver stands in for the CloudWatch Logs JSON API (`PutLogEvents`,
//! `CreateLogGroup`, `CreateLogStream`) that the EMF metric exporter calls: see
//! [`OtlpReceiver::put_log_events`] and [`OtlpReceiver::cloudwatch_logs_calls`].
//!
//! [`FakeBedrock`] is a fake Amazon Bedrock Runtime (Converse, ConverseStream, InvokeModel and
//! InvokeModelWithResponseStream for every model family) and AgentCore data plane
//! (InvokeAgentRuntime) for the real AWS SDK clients, with scripted faults ([`BedrockFault`]);
//! see the [`bedrock`] module for its wire formats.
//!
//! [`FakeAws`] is any other AWS endpoint for real SDK clients: it records every request and answers
//! from scripted [`AwsResponse`]s or a small in-memory S3, DynamoDB, SQS and SNS ([`aws`]).
//!
//! [`FakeLambdaRuntimeApi`] is the AWS Lambda Runtime API (`invocation/next`, `…/response`,
//! `…/error`) handing out queued [`FakeInvocation`]s to a real `lambda_runtime::Runtime`.
//!
//! ```
//! use std::time::Duration;
//! use agentcore_observability_testkit::{OtlpReceiver, PlannedResponse};
//!
//! let receiver = OtlpReceiver::start().unwrap();
//! receiver.respond_with([PlannedResponse::status(503).header("retry-after", "1")]);
//! // Point the exporter under test at `receiver.endpoint()`, export, then:
//! let spans = receiver.wait_for_spans(1, Duration::from_millis(20));
//! for span in &spans {
//!     println!("{} {:?}", span.name(), span.attr_str("gen_ai.system"));
//! }
//! ```

pub mod aws;
pub mod bedrock;
mod cloudwatch_logs;
mod decode;
#[cfg(feature = "grpc")]
mod grpc_server;
mod http_server;
mod lambda_runtime_api;
mod metadata;
mod plan;
mod received;
mod receiver;
mod request;
mod server;
mod sigv4;
mod store;
pub mod value;
mod watched;

pub use opentelemetry_proto;

pub use aws::{AwsProtocol, AwsRequest, AwsResponse, FakeAws};

pub use bedrock::AgentScript;
pub use bedrock::{
    BedrockCall, BedrockFault, BedrockOperation, FakeBedrock, ModelFamily, StreamException,
};
pub use cloudwatch_logs::ReceivedPutLogEvents;
pub use lambda_runtime_api::{
    FakeInvocation, FakeLambdaRuntimeApi, RuntimeApiCall, RuntimeApiCallKind,
};
pub use metadata::{
    Ec2Instance, EcsTask, FakeEcsMetadata, FakeImds, FakeKubernetesApi, KubernetesCluster,
    MetadataCall,
};
pub use plan::PlannedResponse;
pub use received::{MetricDataType, ReceivedLog, ReceivedMetric, ReceivedSpan};
pub use receiver::OtlpReceiver;
pub use request::{ReceivedRequest, Signal};
pub use sigv4::{verify_sigv4, SigV4Check, SigV4Credentials, SigV4Verdict};
