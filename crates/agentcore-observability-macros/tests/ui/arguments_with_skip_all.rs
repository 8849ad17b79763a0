use agentcore_observability::{instrument_agent, instrument_tool};

#[instrument_tool(arguments, skip_all)]
fn search(query: &str) -> usize {
    query.len()
}

#[instrument_agent(skip(client), skip_all)]
fn run(client: u8) {
    let _ = client;
}

fn main() {
    let _ = search("rust");
    run(1);
}
