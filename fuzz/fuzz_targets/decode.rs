//! Inbound JSON-RPC decoding never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = opik_mcp::transports::jsonrpc::decode(data) {
        let _ = opik_mcp::transports::jsonrpc::check_standard_params(&msg);
    }
    let _ = opik_mcp::transports::jsonrpc::decode_lenient(data);
});
