//! Which tracer the helpers start spans with.
//!
//! `init()` hands the SDK tracer provider it built to [`install_tracer_provider`]; the helpers then
//! start spans on a cached SDK tracer (one lock-free load per span). Before that, or when no
//! provider was installed this way, every span asks the *global* tracer provider for a tracer, so
//! a helper used before `init()` (or with a provider the application installed itself) starts
//! working as soon as a provider is there: nothing is bound to the provider of the first call.

use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwapOption;
use opentelemetry::trace::{SpanBuilder, TracerProvider as _};
use opentelemetry::{Context, InstrumentationScope};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use crate::span::AnySpan;

/// The instrumentation scope name of every span the helpers start (and of the content log events).
pub const SCOPE_NAME: &str = "agentcore_observability";

static INSTALLED: ArcSwapOption<SdkTracer> = ArcSwapOption::const_empty();

/// The instrumentation scope: [`SCOPE_NAME`] and this crate's version.
pub fn scope() -> &'static InstrumentationScope {
    static SCOPE: OnceLock<InstrumentationScope> = OnceLock::new();
    SCOPE.get_or_init(|| {
        InstrumentationScope::builder(SCOPE_NAME)
            .with_version(env!("CARGO_PKG_VERSION"))
            .build()
    })
}

/// Start the helpers' spans on `provider` from now on (instead of asking the global provider for
/// each span). `agentcore_observability::init()` calls this; call it yourself only when you build
/// the SDK provider without `init()`.
///
/// ```
/// use opentelemetry_sdk::trace::SdkTracerProvider;
///
/// let provider = SdkTracerProvider::builder().build();
/// agentcore_observability_spans::install_tracer_provider(&provider);
/// agentcore_observability_spans::tool("lookup").start().end();
/// agentcore_observability_spans::uninstall_tracer_provider();
/// ```
pub fn install_tracer_provider(provider: &SdkTracerProvider) {
    INSTALLED.store(Some(Arc::new(provider.tracer_with_scope(scope().clone()))));
}

/// Forget the provider given to [`install_tracer_provider`]: spans go to the global provider again.
/// The guard of `init()` calls this when it shuts down.
pub fn uninstall_tracer_provider() {
    INSTALLED.store(None);
}

/// Starts `builder` as a child of `parent`.
#[inline]
pub(crate) fn start(builder: SpanBuilder, parent: &Context) -> AnySpan {
    let installed = INSTALLED.load();
    match installed.as_deref() {
        Some(tracer) => AnySpan::Sdk(builder.start_with_context(tracer, parent)),
        None => {
            let tracer = opentelemetry::global::tracer_with_scope(scope().clone());
            AnySpan::Boxed(builder.start_with_context(&tracer, parent))
        }
    }
}
