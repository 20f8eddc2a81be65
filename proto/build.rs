//! Compiles the bus contract with protox (pure Rust), so a build needs no
//! `protoc`, and lists the envelope's events so that code and tests can
//! enumerate them without a hand-kept list falling out of date.
use std::fmt::Write as _;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = ["aduan/events/v1/events.proto"];
    println!("cargo:rerun-if-changed=aduan");
    let descriptors = protox::compile(files, ["."])?;
    let envelope = descriptors
        .file
        .iter()
        .flat_map(|file| &file.message_type)
        .find(|message| message.name() == "Envelope")
        .ok_or("events.proto has no Envelope")?;
    let event_oneof =
        envelope.oneof_decl.iter().position(|oneof| oneof.name() == "event").ok_or("Envelope has no oneof `event`")?;
    let mut names =
        String::from("/// Every event of `Envelope.event`, by its field name.\npub const EVENT_NAMES: &[&str] = &[\n");
    for field in &envelope.field {
        if field.oneof_index.and_then(|index| usize::try_from(index).ok()) == Some(event_oneof) {
            writeln!(names, "    {:?},", field.name())?;
        }
    }
    names.push_str("];\n");
    let out_dir = std::env::var("OUT_DIR")?;
    std::fs::write(std::path::Path::new(&out_dir).join("event_names.rs"), names)?;
    prost_build::Config::new().compile_fds(descriptors)?;
    Ok(())
}
