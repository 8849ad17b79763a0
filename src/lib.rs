//! Workspace-level examples, end-to-end tests and benchmarks for `agentcore-observability`.
//!
//! This package is not published; it exists so `cargo run --example quickstart`,
//! `cargo test --workspace` and `cargo bench` work from the repository root.

/// Every Rust block in the README and in `docs/` is compiled as a doctest, so the guides cannot
/// drift from the API they show.
#[cfg(doctest)]
mod guides {
    #[doc = include_str!("../README.md")]
    struct Readme;
    #[doc = include_str!("../docs/architecture.md")]
    struct Architecture;
    #[doc = include_str!("../docs/aws.md")]
    struct Aws;
    #[doc = include_str!("../docs/aws-sdk.md")]
    struct AwsSdk;
    #[doc = include_str!("../docs/bedrock.md")]
    struct Bedrock;
    #[doc = include_str!("../docs/configuration.md")]
    struct Configuration;
    #[doc = include_str!("../docs/getting-started.md")]
    struct GettingStarted;
    #[doc = include_str!("../docs/instrumentation.md")]
    struct Instrumentation;
    #[doc = include_str!("../docs/lambda.md")]
    struct Lambda;
    #[doc = include_str!("../docs/migrating-from-adot.md")]
    struct MigratingFromAdot;
    #[doc = include_str!("../docs/performance.md")]
    struct Performance;
    #[doc = include_str!("../docs/sessions.md")]
    struct Sessions;
    #[doc = include_str!("../docs/troubleshooting.md")]
    struct Troubleshooting;
}
