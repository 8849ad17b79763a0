use agentcore_observability::{instrument_agent, instrument_tool};

#[instrument_tool(nmae = "web_search")]
fn typo() {}

#[instrument_tool(err)]
fn tracing_err() -> Result<(), String> {
    Ok(())
}

#[instrument_agent(level = "info")]
fn tracing_level() {}

#[instrument_tool("web_search")]
fn positional() {}

fn main() {
    typo();
    let _ = tracing_err();
    tracing_level();
    positional();
}
