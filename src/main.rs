fn main() -> std::process::ExitCode {
    zezaro::cli::main()
}
