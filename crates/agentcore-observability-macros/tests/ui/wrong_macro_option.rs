use agentcore_observability::{instrument_agent, instrument_tool};

#[instrument_agent(arguments)]
fn agent_with_arguments(request: &str) {
    let _ = request;
}

#[instrument_tool(id = "tool-1")]
fn tool_with_agent_id() {}

fn main() {
    agent_with_arguments("hi");
    tool_with_agent_id();
}
