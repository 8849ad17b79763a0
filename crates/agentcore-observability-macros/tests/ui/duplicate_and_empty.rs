use agentcore_observability::{instrument_agent, instrument_tool};

#[instrument_agent(name = "travel-agent", name = "booking-agent")]
fn duplicate_name() {}

#[instrument_tool(name = "")]
fn empty_name() {}

#[instrument_tool(result = true)]
fn flag_with_value() -> u32 {
    1
}

#[instrument_tool(crate = "not a path")]
fn bad_crate_path() {}

fn main() {
    duplicate_name();
    empty_name();
    let _ = flag_with_value();
    bad_crate_path();
}
