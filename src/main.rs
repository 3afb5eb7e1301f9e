// mimalloc for Rust's allocations; its "override" feature serves SQLite's
// malloc as well (docs/perf16.md, session 21).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    zezaro::cli::main()
}
