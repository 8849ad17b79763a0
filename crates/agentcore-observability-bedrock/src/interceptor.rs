//! The SDK interceptor: one hook per moment of the call, each a few field writes; the work is in
//! [`crate::call`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeDeserializationInterceptorContextRef,
    BeforeSerializationInterceptorContextMut, BeforeSerializationInterceptorContextRef,
    BeforeTransmitInterceptorContextMut, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::agentcore;
use crate::call::{self, Call, CallSlot, Options, Shared};
use crate::operation::{self, Service};
use crate::telemetry::Telemetry;

static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// Traces every call of any `aws-sdk-*` client it is added to: one CLIENT span per call (the
/// whole stream for streaming operations) with the caller's trace context and baggage on the
/// outgoing request; GenAI attributes, metrics and message events for Bedrock Runtime; the
/// ARN/ID attributes and session mapping for AgentCore; the resource attributes of S3,
/// DynamoDB, SQS, SNS, Lambda, Kinesis, Secrets Manager, Step Functions and Bedrock
/// (Agent / Agent Runtime) calls (bucket, table, queue, function, stream, topic … one cargo
/// feature per family, all on by default through `aws-services`).
///
/// Add it where the client is built; call sites stay as they are:
///
/// ```no_run
/// use agentcore_observability_bedrock::AwsSdkInterceptor;
///
/// # async fn run(sdk_config: aws_config::SdkConfig) -> Result<(), Box<dyn std::error::Error>> {
/// let config = aws_sdk_bedrockruntime::config::Builder::from(&sdk_config)
///     .interceptor(AwsSdkInterceptor::new())
///     .build();
/// let client = aws_sdk_bedrockruntime::Client::from_conf(config);
/// let _answer = client
///     .converse()
///     .model_id("anthropic.claude-3-haiku-20240307-v1:0")
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
///
/// The same goes for `aws_sdk_s3::config::Builder`, `aws_sdk_dynamodb::config::Builder` and every
/// other SDK client: `{service}.{operation}` spans (`S3.PutObject`, `DynamoDB.GetItem` …) with
/// `rpc.*`, region, server, request id, retries, status, `error.type`, and the service's
/// attributes where it has some. One interceptor value can be shared by several clients.
///
/// It records through the global tracer and meter providers, bound at the first call (so a
/// client built before `init()` still records, as long as its first call comes after), and
/// through the content policy that `init()` installs. It never fails or alters a call: parsing
/// problems leave attributes out, and a panic inside the instrumentation is caught.
#[derive(Clone)]
pub struct AwsSdkInterceptor {
    inner: Arc<Inner>,
}

struct Inner {
    id: usize,
    options: Options,
    /// Bound at the first call (`get_or_init` runs the binding once, other callers wait).
    telemetry: OnceLock<Arc<Telemetry>>,
}

/// The same type as [`AwsSdkInterceptor`], under the name it had when it traced Bedrock and
/// AgentCore clients only; existing code keeps compiling and behaves the same.
pub type BedrockInterceptor = AwsSdkInterceptor;

impl std::fmt::Debug for AwsSdkInterceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsSdkInterceptor")
            .field("record_access_key", &self.inner.options.record_access_key)
            .field(
                "runtime_session_from_caller",
                &self.inner.options.runtime_session_from_caller,
            )
            .finish()
    }
}

impl Default for AwsSdkInterceptor {
    fn default() -> Self {
        Self::new()
    }
}

impl AwsSdkInterceptor {
    /// An interceptor with the default options: no access key attribute, and `InvokeAgentRuntime`
    /// requests without a `runtimeSessionId` get the caller's `session.id` (when AgentCore would
    /// accept it).
    pub fn new() -> Self {
        Self::with_options(Options {
            record_access_key: false,
            runtime_session_from_caller: true,
        })
    }

    fn with_options(options: Options) -> Self {
        AwsSdkInterceptor {
            inner: Arc::new(Inner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                options,
                telemetry: OnceLock::new(),
            }),
        }
    }

    /// Also record `aws.auth.account.access_key` (the signing access key id), as ADOT Python
    /// does on every AWS SDK span. Off by default: an access key id identifies a principal and is
    /// rarely worth putting on every span.
    pub fn record_access_key(self, enabled: bool) -> Self {
        let mut options = self.inner.options;
        options.record_access_key = enabled;
        Self::with_options(options)
    }

    /// Whether an `InvokeAgentRuntime` request without a `runtimeSessionId`, made inside a
    /// session scope, is sent with the caller's `session.id` as its runtime session id (default
    /// `true`). Only ids AgentCore accepts (33 to 256 visible ASCII characters) are used; with
    /// `false`, or a shorter id, AgentCore picks a new runtime session as usual and the span gets
    /// the caller's `session.id` (or, outside a session, the one AgentCore answers with).
    pub fn runtime_session_from_caller(self, enabled: bool) -> Self {
        let mut options = self.inner.options;
        options.runtime_session_from_caller = enabled;
        Self::with_options(options)
    }

    fn telemetry(&self) -> Arc<Telemetry> {
        Arc::clone(
            self.inner
                .telemetry
                .get_or_init(|| Arc::new(Telemetry::from_globals())),
        )
    }

    fn call(&self, cfg: &ConfigBag) -> Option<Shared> {
        cfg.load::<CallSlot>()
            .filter(|slot| slot.owner == self.inner.id)
            .map(|slot| Arc::clone(&slot.call))
    }

    /// Runs `f` on this interceptor's record of the current call, if it has one; a panic in
    /// our code never reaches the SDK call.
    fn with_call(&self, cfg: &ConfigBag, f: impl FnOnce(&Shared, &mut Call)) {
        call::guard(|| {
            if let Some(shared) = self.call(cfg) {
                f(&shared, &mut call::lock(&shared));
            }
        });
    }
}

impl Intercept for AwsSdkInterceptor {
    fn name(&self) -> &'static str {
        "agentcore_observability::AwsSdkInterceptor"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        call::guard(|| {
            if cfg.load::<CallSlot>().is_some() {
                return;
            }
            let call = Call::begin(self.telemetry(), self.inner.options);
            cfg.interceptor_state().store_put(CallSlot {
                owner: self.inner.id,
                call: Arc::new(Mutex::new(call)),
            });
        });
        Ok(())
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        call::guard(|| {
            let is_invoke_runtime = cfg.load::<Metadata>().is_some_and(|m| {
                operation::is_invoke_agent_runtime(Service::of(m.service()), m.name())
            });
            if !is_invoke_runtime {
                return;
            }
            if let Some(shared) = self.call(cfg) {
                // Client interceptors run before the operation's own, so the SDK has not yet
                // filled a random runtimeSessionId.
                let given = agentcore::runtime_session_given(context.input());
                call::lock(&shared).on_input(given);
            }
        });
        Ok(())
    }

    fn read_after_serialization(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        call::guard(|| {
            let Some(shared) = self.call(cfg) else {
                return;
            };
            // Borrowed from the bag: no copy of the names until the span's attributes.
            let (service, operation) = match cfg.load::<Metadata>() {
                Some(m) => (m.service(), m.name()),
                None => ("AWS", "Call"),
            };
            call::lock(&shared).on_serialized(service, operation, context.request());
        });
        Ok(())
    }

    fn modify_before_retry_loop(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.with_call(cfg, |_, call| call.fill_request(context.request_mut()));
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.with_call(cfg, |_, call| call.on_attempt());
        Ok(())
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.with_call(cfg, |_, call| call.on_transmit(context.request_mut()));
        Ok(())
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // The request as sent: S3's bucket is only in the resolved endpoint.
        self.with_call(cfg, |_, call| call.services.on_transmit(context.request()));
        Ok(())
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.with_call(cfg, |_, call| call.on_response(context.response()));
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.with_call(cfg, |shared, call| call.tap(shared, context.response_mut()));
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.with_call(cfg, |_, call| {
            call.on_complete(context.output_or_error(), context.response())
        });
        Ok(())
    }
}
