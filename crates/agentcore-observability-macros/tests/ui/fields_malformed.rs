use agentcore_observability::{instrument_agent, instrument_tool};

#[instrument_agent(fields(user.id))]
fn dotted_without_value(user: u64) {
    let _ = user;
}

#[instrument_agent(fields(tenant = ))]
fn missing_value(tenant: &str) {
    let _ = tenant;
}

#[instrument_tool(fields(a = 1, a = 2))]
fn duplicate_key() {}

#[instrument_tool(fields = "user")]
fn not_a_list() {}

fn main() {
    dotted_without_value(1);
    missing_value("acme");
    duplicate_key();
    not_a_list();
}
