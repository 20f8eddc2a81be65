//! Compiles the bus contract with protox (pure Rust), so a build needs no `protoc`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = ["aduan/events/v1/events.proto"];
    println!("cargo:rerun-if-changed=aduan");
    let descriptors = protox::compile(files, ["."])?;
    prost_build::Config::new().compile_fds(descriptors)?;
    Ok(())
}
