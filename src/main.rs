fn main() -> std::process::ExitCode {
    bluedot::cli::main()
}
