fn main() -> std::process::ExitCode {
    bluedot::malloc::pin_mmap_threshold();
    if bluedot::action::invoked_by_runner() {
        bluedot::action::main()
    } else {
        bluedot::cli::main()
    }
}
