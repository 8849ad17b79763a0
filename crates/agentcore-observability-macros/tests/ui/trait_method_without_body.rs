use agentcore_observability::instrument_tool;

trait Tool {
    #[instrument_tool]
    fn call(&self, input: &str) -> String;
}

fn main() {}
