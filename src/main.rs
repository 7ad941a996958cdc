fn main() -> std::process::ExitCode {
    if bluedot::action::invoked_by_runner() {
        bluedot::action::main()
    } else {
        bluedot::cli::main()
    }
}
