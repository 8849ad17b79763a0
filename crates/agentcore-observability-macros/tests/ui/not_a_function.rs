use agentcore_observability::{instrument_agent, instrument_tool};

#[instrument_agent]
struct TravelAgent;

#[instrument_tool]
impl TravelAgent {
    fn search(&self) {}
}

fn main() {}
