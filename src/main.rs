fn main() -> std::process::ExitCode {
    bluedot::malloc::pin_mmap_threshold();
    bluedot::cli::survive_file_size_limit();
    bluedot::cli::raise_open_file_limit();
    if bluedot::action::invoked_by_runner() {
        bluedot::action::main()
    } else {
        bluedot::cli::main()
    }
}
