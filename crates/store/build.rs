// `sqlx::migrate!` embeds the migrations at compile time but cannot tell Cargo to watch them
// on stable Rust: without this, an edited or added migration leaves a stale binary behind.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
