use agentcore_observability::instrument_agent;

#[derive(Debug)]
struct Config {
    retries: u32,
}

#[instrument_agent(fields(config = config))]
fn run(config: &Config) -> u32 {
    config.retries
}

fn main() {
    let _ = run(&Config { retries: 3 });
}
